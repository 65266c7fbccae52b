"""Benchmark the executors side by side: the same fan-out of no-op tasks on the process executor,
a reusable environment, plain Ray tasks and a reusable environment on Ray (Ray actors); with
plain Python and the real flyte SDK's local mode as references.

Usage::

    python bench/executor_compare.py [--n 1000] [--ray-n 100] [--repeat 2] [--real-python PATH]
                                     [--only COLUMN ...] [--timeout 600] [--json OUT]

Columns (``--only`` picks some):

- ``plain``: ``asyncio.gather`` of ``--n`` bare no-op coroutines in this process (the floor);
- ``real``: the real SDK (``flyte==2.12.1``) in local mode, a parent gathering ``--n`` no-op
  children, in a fresh process of the venv at ``--real-python`` (default: ``$FLYTE_BENCH_REAL_PYTHON``,
  else ``../flyte-real/bin/python`` beside the repository, as in this folder's README); left out
  with a note when there is none;
- ``process``: our server, ``--executor process``: a worker process per attempt;
- ``reusable``: the same server, a reusable environment (``ReusePolicy(replicas=2,
  concurrency=50)``): warm replicas;
- ``ray``: a server with ``--executor ray`` (a Ray cluster of this machine, started inside the
  server process): every attempt a Ray task that starts a fresh worker process; ``--ray-n``
  children (default 100, as each attempt costs a Python start with flyte imported, 0.3-1 s on
  two cores): compare the ms/child column;
- ``ray-reusable``: the same Ray server, the reusable environment: its replicas are Ray actors.

Every column gets one untimed warm-up run (``--warmup-n`` children: it starts the zygote, the
replicas, Ray's workers; in the real SDK's process, its lazy imports), then ``--repeat`` timed
runs, the kinds of one server taking turns. A server column is timed from ``flyte.run`` to its
outputs, from this process, on a warm server (SQLite, a temporary home); the real SDK's from
``run`` to its outputs inside its process. Every result is checked (the sum of the children):
a wrong one, an error or a timeout is a failure, printed with its message and an excerpt of the
server's log, never a time.

Ray's GCS and raylet listen on every interface, so whenever a Ray column is wanted the whole
benchmark runs itself again inside a private network namespace with only loopback
(``unshare --net``, then ``ip link set lo up``; root is needed): the servers, the Ray cluster
and the clients all live there. Without one the Ray columns are left out, with a note. Each
server is stopped with SIGTERM (a Ray server shuts its cluster down), then anything it left is
killed: this process is a child subreaper, so every process started under it stays its
descendant. ``ray stop`` is never run (it would stop other users' Ray clusters). Nothing is
asserted: the exit code is 0 unless the harness itself fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _runner import run_once
from reuse_compare import WORKFLOW
from server_compare import Server, sqlite_url

HERE = Path(__file__).resolve().parent
DEFAULT_REAL_PYTHON = HERE.parent.parent / "flyte-real" / "bin" / "python"
REAL_PYTHON_ENV = "FLYTE_BENCH_REAL_PYTHON"
PRIVATE_FLAG = "--in-private-network"
COLUMNS = ("plain", "real", "process", "reusable", "ray", "ray-reusable")
RAY_COLUMNS = ("ray", "ray-reusable")
_PR_SET_CHILD_SUBREAPER = 36
_LOG_HEAD = 15  # lines of the server log that look like errors
_LOG_TAIL = 25  # and its last lines, shown with a failure
_INTERESTING = re.compile(r"Traceback|Error|ERROR|Exception|exception|failed|FAILED|WARNING|killed")

REAL_SDK = textwrap.dedent(
    """
    import asyncio
    import contextlib
    import json
    import sys
    import time

    import flyte

    env = flyte.TaskEnvironment(name="bench_exec_real")


    @env.task
    async def noop(x: int) -> int:
        return x


    @env.task
    async def fan_out(n: int) -> int:
        return sum(await asyncio.gather(*[noop(i) for i in range(n)]))


    def once(n):
        run = flyte.with_runcontext(mode="local").run(fan_out, n)
        ok = run.outputs()[0] == n * (n - 1) // 2
        return ok, str(getattr(run, "url", None) or getattr(run, "name", None) or "")


    n, warmup, repeat = (int(arg) for arg in sys.argv[1:4])
    times, refs, ok = [], [], True
    with contextlib.redirect_stdout(sys.stderr):
        flyte.init()
        good, ref = once(warmup)
        ok, refs = ok and good, [*refs, ref]
        for _ in range(repeat):
            start = time.perf_counter()
            good, ref = once(n)
            times.append(time.perf_counter() - start)
            ok, refs = ok and good, [*refs, ref]
    record = {"tasks": n, "seconds": min(times), "times": times, "result_ok": ok, "runs": refs}
    print(json.dumps({**record, "version": str(getattr(flyte, "__version__", "?"))}))
    """
)


@dataclass
class Column:
    """One column of the table: its runs' seconds, or why it has none."""

    key: str
    label: str
    children: int
    times: list[float] = field(default_factory=list)
    skipped: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        """True when it ran and nothing failed."""
        return bool(self.times) and not self.error and not self.skipped

    @property
    def median(self) -> float:
        """Median seconds of the timed runs."""
        return statistics.median(self.times)

    @property
    def ms_per_child(self) -> float:
        """Median milliseconds per child."""
        return self.median * 1000 / self.children


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the private network --------------------------------------------------------------------------


def _only_loopback() -> bool:
    """Whether this process's network namespace has no interface but ``lo``."""
    return [name for _, name in socket.if_nameindex()] == ["lo"]


def _in_private_network() -> bool:
    """Whether this process runs in a network namespace of its own (not its parent's) with only loopback."""
    try:
        ours, parents = os.readlink("/proc/self/ns/net"), os.readlink(f"/proc/{os.getppid()}/ns/net")
    except OSError:
        return False
    return ours != parents and _only_loopback()


def _rerun_in_private_network(argv: list[str]) -> int | None:
    """Runs this benchmark again in a new network namespace with only loopback, and returns its
    exit code; None when no namespace can be made here."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    if subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False).returncode != 0:
        return None
    command = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    command += [sys.executable, str(Path(__file__).resolve()), *argv, PRIVATE_FLAG]
    return subprocess.run(command, check=False).returncode


# -- processes ------------------------------------------------------------------------------------


def _become_subreaper() -> None:
    """Makes orphaned descendants (daemonised Ray processes, workers of a killed server) this
    process's children, so that :func:`_kill_descendants` finds them."""
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _kill_descendants() -> list[str]:
    """Kills every process still running under this one and returns their names."""
    import psutil

    alive, names = [], []
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            names.append(f"{process.name()}({process.pid})")
            process.kill()
            alive.append(process)
    psutil.wait_procs(alive, timeout=10)
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:  # reap the orphans adopted as a subreaper
            pass
    return names


# -- the columns ----------------------------------------------------------------------------------


def _plain_python(column: Column, warmup_n: int, repeat: int) -> None:
    async def noop(x: int) -> int:
        return x

    async def fan_out(n: int) -> int:
        return sum(await asyncio.gather(*[noop(i) for i in range(n)]))

    asyncio.run(fan_out(warmup_n))
    n = column.children
    for _ in range(repeat):
        start = time.perf_counter()
        value = asyncio.run(fan_out(n))
        column.times.append(time.perf_counter() - start)
        if value != n * (n - 1) // 2:
            column.error = f"sum {value}, expected {n * (n - 1) // 2}"


def _real_python(option: str | None) -> str | None:
    """The python of the real SDK's venv: the option, the variable, or the README's place."""
    if option or os.environ.get(REAL_PYTHON_ENV):
        return option or os.environ[REAL_PYTHON_ENV]
    return str(DEFAULT_REAL_PYTHON) if DEFAULT_REAL_PYTHON.exists() else None


def _real_sdk(column: Column, python: str, warmup_n: int, repeat: int, timeout: float) -> None:
    with tempfile.TemporaryDirectory(prefix="flyte-bench-exec-real-") as folder:
        script = Path(folder) / "bench_exec_real.py"
        script.write_text(REAL_SDK)
        argv = [python, script.name, str(column.children), str(warmup_n), str(repeat)]
        result = run_once(argv, timeout=timeout, copy_in=(script,))
    if not result.ok:
        column.error = result.error
        return
    column.times = [float(t) for t in result.payload["times"]]
    column.label = f"flyte {result.payload.get('version', '?')} local mode"
    if result.litter_shared and not result.shared_attributed:
        _say(f"note: the real SDK's litter under /tmp/flyte could not be attributed ({result.litter_shared} entries)")


def _excerpt(title: str, lines: list[str]) -> list[str]:
    """The lines that look like errors, then the last lines, under a title."""
    head = [line for line in lines if _INTERESTING.search(line)][:_LOG_HEAD]
    tail = [line for line in lines[-_LOG_TAIL:] if line not in head]
    return [
        f"{title} ({len(lines)} lines), lines that look like errors:",
        *(f"  | {line}" for line in head),
        "  last lines:",
        *(f"  | {line}" for line in tail),
    ]


def _log_excerpt(log: Path, ray_tmpdir: Path | None = None) -> str:
    """An excerpt of a server log and, for a Ray server, of the error logs of Ray's processes."""
    if not log.exists():
        return "(no server log)"
    parts = _excerpt("server log", log.read_text(encoding="utf-8", errors="replace").splitlines())
    if ray_tmpdir is not None:
        lines = []
        for path in sorted(ray_tmpdir.glob("ray/session_*/logs/*.err")):
            text = path.read_text(encoding="utf-8", errors="replace").splitlines()
            name = f"worker-{path.name.rsplit('-', 1)[-1]}" if path.name.startswith("worker-") else path.name
            # Ray's workers mark their logs with ":job_id:..." and ":task_name:..." lines.
            lines += [f"{name}: {line}" for line in text if line.strip() and not line.startswith(":")]
        if lines:
            parts += _excerpt("Ray's *.err logs", lines)
    return "\n".join(parts)


def _timed_run(task: Any, n: int, timeout: float) -> float:
    """Runs the fan-out on the server and returns the seconds from ``flyte.run`` to its outputs."""
    import flyte

    start = time.perf_counter()
    run: Any = flyte.run(task, n)  # on a server: a flyte.remote.Run
    try:
        run.wait(timeout=timeout)
    except TimeoutError:
        with contextlib.suppress(Exception):
            run.abort()
        raise
    value = run.outputs()[0]
    seconds = time.perf_counter() - start
    if value != n * (n - 1) // 2:
        raise RuntimeError(f"run {run.name}: sum {value}, expected {n * (n - 1) // 2}")
    return seconds


@contextlib.contextmanager
def _environ(**values: str) -> Iterator[None]:
    previous = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _server_columns(
    executor: str, columns: dict[str, Column], folder: Path, opts: argparse.Namespace, notes: list[str]
) -> None:
    """Starts a server on ``executor`` and times its columns: ``fresh`` and ``pooled`` fan-outs."""
    import flyte
    from flyte._internal.module_loader import load_file

    args = [] if executor == "process" else ["--executor", executor]
    # Ray's session folder and the node's bundles stay in a folder of this run (a short path:
    # Ray's sockets live there).
    private = Path(tempfile.mkdtemp(prefix="fbx-", dir="/tmp"))
    ray_env = {"RAY_TMPDIR": str(private), "FLYTE_RAY_NODE_HOME": str(private / "node")}
    server: Server | None = None
    try:
        with sqlite_url() as db_url, _environ(**(ray_env if executor != "process" else {})):
            started = time.perf_counter()
            server = Server(opts.python, db_url, args)
            try:
                server.wait_ready()
            except RuntimeError as e:
                for column in columns.values():
                    column.error = f"the server did not start: {str(e).splitlines()[0]}\n{_log_excerpt(server.log)}"
                return
            _say(f"[{executor}] server ready in {time.perf_counter() - started:.1f} s")
            flyte.init(endpoint=server.endpoint, root_dir=folder)
            wf = load_file(folder / "bench_reuse_wf.py")
            tasks = {kind: wf.fan_out_fresh if kind == "fresh" else wf.fan_out_pooled for kind in columns}
            for round_ in range(-1, opts.repeat):  # round -1: the untimed warm-up
                for kind, column in columns.items():
                    if column.error:
                        continue
                    n = opts.warmup_n if round_ < 0 else column.children
                    what = "warm-up" if round_ < 0 else f"run {round_ + 1}/{opts.repeat}"
                    try:
                        seconds = _timed_run(tasks[kind], n, opts.timeout)
                    except Exception as e:
                        column.error = f"{what} ({n} children) failed: {type(e).__name__}: {e}"
                        _say(f"[{column.label}] {what}: FAILED")
                        continue
                    if round_ >= 0:
                        column.times.append(seconds)
                    _say(f"[{column.label}] {what} ({n} children): {seconds:.2f} s")
            for column in columns.values():
                if column.error:
                    column.error += "\n" + _log_excerpt(server.log, private if executor != "process" else None)
    finally:
        if server is not None:
            stopping = time.perf_counter()
            server.stop()
            left = _kill_descendants()
            _say(f"[{executor}] server stopped in {time.perf_counter() - stopping:.1f} s")
            if left:
                notes.append(
                    f"{executor} server: {len(left)} processes left after it stopped, killed: {' '.join(left)}"
                )
        shutil.rmtree(private, ignore_errors=True)


# -- the table ------------------------------------------------------------------------------------


def _seconds(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.2f}"


def _ratio(value: float) -> str:
    return f"{value:.2f}x" if value < 100 else f"{value:,.0f}x"


def table(columns: list[Column], repeat: int) -> str:
    """The results as one aligned text table, with the failures below it."""
    base = next((c for c in columns if c.key == "process" and c.ok), None)
    header = ["column", "children", "median s", "min-max s", "ms/child", "vs process executor"]
    rows = [header]
    for c in columns:
        if not c.ok:
            state = "skipped" if c.skipped else "FAILED"
            rows.append([c.label, str(c.children), state, "-", "-", "-"])
            continue
        ratio = _ratio(base.ms_per_child / c.ms_per_child) if base is not None else "-"
        rows.append(
            [
                c.label,
                str(c.children),
                _seconds(c.median),
                f"{_seconds(min(c.times))}-{_seconds(max(c.times))}",
                f"{c.ms_per_child:.3f}" if c.ms_per_child < 1 else f"{c.ms_per_child:.2f}",
                ratio,
            ]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    lines.append(
        f"median s: median of {repeat} timed runs after one untimed warm-up (server columns: flyte.run to outputs "
        "on a warm server); ms/child: median s / children; vs process executor: its ms/child / this ms/child "
        "(above 1: less time per child)."
    )
    children = {c.children for c in columns if c.ok}
    if len(children) > 1:
        lines.append(
            "note: the columns do not all have the same number of children (Ray tasks: --ray-n): compare ms/child."
        )
    for c in columns:
        if c.error:
            lines.append(f"--- {c.label} failed:\n{c.error}")
    return "\n".join(lines)


# -- main -----------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command-line options."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python", default=sys.executable, help="python of the servers (default: this one)")
    p.add_argument("--n", type=int, default=1000, help="children per fan-out (default 1000)")
    p.add_argument("--ray-n", type=int, default=100, help="children per fan-out of plain Ray tasks (default 100)")
    p.add_argument("--warmup-n", type=int, default=10, help="children of each column's warm-up run (default 10)")
    p.add_argument("--repeat", type=int, default=2, help="timed runs per column (default 2); medians are shown")
    p.add_argument("--real-python", help=f"python of a venv with flyte==2.12.1 (default: ${REAL_PYTHON_ENV}, else "
                   f"{DEFAULT_REAL_PYTHON} if it exists)")  # fmt: skip
    p.add_argument("--only", nargs="+", choices=COLUMNS, default=list(COLUMNS), help="a subset of the columns")
    p.add_argument("--no-ray", action="store_true", help="leave the Ray columns out")
    p.add_argument("--timeout", type=float, default=600.0, help="a run taking longer fails (default 600 s)")
    p.add_argument("--json", type=Path, help="also write every measurement to this file")
    p.add_argument(PRIVATE_FLAG, action="store_true", help=argparse.SUPPRESS)  # set by the re-run in unshare
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Runs the benchmark (in a private network when Ray is wanted) and prints the table."""
    argv = sys.argv[1:] if argv is None else argv
    opts = parse_args(argv)
    wanted = [key for key in COLUMNS if key in opts.only and not (opts.no_ray and key in RAY_COLUMNS)]
    notes: list[str] = []
    ray_skipped = ""
    if any(key in RAY_COLUMNS for key in wanted):
        if opts.in_private_network:
            if not _in_private_network():
                print("error: --in-private-network, but this process is not in a network namespace of its own")
                return 2
        else:
            code = _rerun_in_private_network(argv)
            if code is not None:
                return code
            ray_skipped = "no private network (unshare --net needs root)"

    _become_subreaper()
    load_before = os.getloadavg()[0]
    begun = time.perf_counter()
    real_python = _real_python(opts.real_python)
    columns = {
        "plain": Column("plain", "plain Python (asyncio)", opts.n),
        "real": Column("real", "flyte 2.12.1 local mode", opts.n),
        "process": Column("process", "process executor", opts.n),
        "reusable": Column("reusable", "reusable (process)", opts.n),
        "ray": Column("ray", "Ray tasks", opts.ray_n),
        "ray-reusable": Column("ray-reusable", "reusable (Ray actors)", opts.n),
    }
    for key, column in columns.items():
        if key not in opts.only:
            column.skipped = "not in --only"
        elif key in RAY_COLUMNS and opts.no_ray:
            column.skipped = "--no-ray"
        elif key in RAY_COLUMNS and ray_skipped:
            column.skipped = ray_skipped
        elif key == "real" and real_python is None:
            column.skipped = f"no venv with flyte 2.12.1 (--real-python, ${REAL_PYTHON_ENV} or {DEFAULT_REAL_PYTHON})"
    if opts.in_private_network:
        notes.append("ran in a private network namespace (loopback only)")

    folder = Path(tempfile.mkdtemp(prefix="flyte-bench-exec-"))
    (folder / "bench_reuse_wf.py").write_text(WORKFLOW)
    try:
        if not columns["plain"].skipped:
            _plain_python(columns["plain"], opts.warmup_n, opts.repeat)
        if not columns["real"].skipped and real_python is not None:
            _say("[real SDK] running")
            _real_sdk(columns["real"], real_python, opts.warmup_n, opts.repeat, opts.timeout)
        for executor, fresh, pooled in (("process", "process", "reusable"), ("ray", "ray", "ray-reusable")):
            kinds = {kind: columns[key] for kind, key in (("fresh", fresh), ("pooled", pooled))}
            kinds = {kind: column for kind, column in kinds.items() if not column.skipped}
            if kinds:
                _server_columns(executor, kinds, folder, opts, notes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        left = _kill_descendants()
        if left:
            notes.append(f"at the end: {len(left)} processes still running, killed: {' '.join(left)}")

    shown = [column for column in columns.values() if column.key in opts.only]
    print(table(shown, opts.repeat))
    for column in shown:
        if column.skipped:
            print(f"note: {column.label} skipped: {column.skipped}")
    for note in notes:
        print(f"note: {note}")
    print(
        f"load average (1 min) before/after: {load_before:.1f}/{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
        f"whole benchmark {time.perf_counter() - begun:.0f} s"
    )
    if opts.json is not None:
        opts.json.write_text(json.dumps([asdict(c) for c in columns.values()], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
