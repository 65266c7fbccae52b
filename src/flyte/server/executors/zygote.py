"""A warm process that forks workers: flyte and the user's code are imported once, here.

Started by the process executor with a code bundle's folder (or none) and the working folder of
its image (or none: workers then start in the bundle's folder). It reads launch requests
as JSON lines on stdin, imports the task's module if it has not yet, forks, and answers with
the worker's pid; it reports each worker's exit code as it reaps it. When stdin closes (the
server stopped) it exits without touching its workers, which finish on their own.

The zygote starts no threads and opens no network connections, so forking it is safe; workers
open their own connections after the fork.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
from pathlib import Path
from typing import Any

# Imported here so that every worker starts with them loaded.
import flyte
import flyte._internal.serde  # noqa: F401
import flyte.server.worker.runtime as runtime
from flyte._internal.module_loader import load_ref

_server_gone = False


def _send(message: dict[str, Any]) -> None:
    global _server_gone
    if _server_gone:
        return
    try:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The server died. Requests it sent before dying are still served: their workers run
        # and report to the server once it is back.
        _server_gone = True


def _reap(children: set[int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        _send({"exit": pid, "code": os.waitstatus_to_exitcode(status)})


def _fork(request: dict[str, Any], bundle: Path | None, workdir: Path | None) -> int:
    module = request.get("module")
    if module:
        # Imported before the fork, once: every later worker of this module starts warm.
        load_ref(module, bundle, confine=True)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setsid()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.environ.update(request["env"])
            if request.get("cpus") and hasattr(os, "sched_setaffinity"):
                os.sched_setaffinity(0, request["cpus"])
            start_in = workdir or bundle
            if start_in is not None:
                os.chdir(start_in)
            code = runtime.main(bundle)
        finally:
            os._exit(code)
    return pid


def _warm_up() -> None:
    """Does once, before any fork, the lazy work every worker would otherwise repeat."""
    import gc

    import httpx

    # httpx loads its transports and TLS machinery on first use: tens of milliseconds per worker.
    httpx.Client(verify=False).close()
    asyncio_client = httpx.AsyncClient(verify=False)
    del asyncio_client
    # Objects that exist now are never collected in the workers: sparing the collector's passes
    # over them keeps their memory shared with this process instead of copied page by page.
    gc.freeze()


def main(argv: list[str]) -> int:
    """Serves launch requests until stdin closes."""
    bundle = Path(argv[0]) if argv and argv[0] else None
    workdir = Path(argv[1]) if len(argv) > 1 and argv[1] else None
    if bundle is not None:
        sys.path.insert(0, str(bundle))
    # The server may be stopped with Ctrl-C; its process group's SIGINT must not kill this one
    # before it has told the server about its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    children: set[int] = set()
    stdin = sys.stdin.fileno()
    _warm_up()
    _send({"ready": os.getpid()})
    pending = b""
    while True:
        readable, _, _ = select.select([stdin], [], [], 0.05)
        _reap(children)
        if not readable:
            continue
        # Raw reads: a buffered reader would keep several requests in its buffer, out of
        # select's sight, and leave them unserved until the next one arrives.
        chunk = os.read(stdin, 1 << 20)
        if not chunk:
            return 0
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            if line.strip():
                _serve(json.loads(line), bundle, workdir, children)


def _serve(request: dict[str, Any], bundle: Path | None, workdir: Path | None, children: set[int]) -> None:
    try:
        pid = _fork(request, bundle, workdir)
    except Exception as e:
        error = f"{type(e).__name__}: {e}"
        if bundle is not None:
            # Paths as the user knows them (inside their code), not the server's copy of it.
            error = error.replace(f"{bundle}{os.sep}", "")
        _send({"id": request.get("id"), "error": error})
        return
    children.add(pid)
    _send({"id": request.get("id"), "pid": pid})


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
