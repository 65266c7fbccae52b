"""A replica of a reusable environment: one warm process that runs many attempts, several at once.

Started by the process executor (``python -m flyte.server.worker.replica BUNDLE WORKDIR``) with the
environment's image and base environment. It reads JSON lines on stdin:

- ``{"launch": ID, "env": {...}, "spec": ...}``: run an attempt, whose ids, token and variables are
  in ``env``, and whose spec is given (a first attempt) or fetched from the server;
- ``{"cancel": ID, "reason": R}``: stop that attempt (a timeout, an abort);

and answers on stdout with ``{"ready": PID}`` once, then ``{"done": ID, "reason": R, "outcome":
..., "logs": [...]}`` as each attempt ends: the executor records the outcome and the last log
lines, which saves a request per attempt. When stdin closes, it lets the attempts in flight
finish and exits.

Attempts share the process, so what differs between them is kept in context variables: each sees
its own variables (``os.environ`` through flyte's overlay view), and what it prints or logs from
Python goes to its own logs. Output written straight to the file descriptors goes to the
replica's stderr.
"""

from __future__ import annotations

import asyncio
import contextvars
import io
import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO

import httpx

from flyte._internal import wire
from flyte._internal.engine import env_overlay
from flyte.server.worker import runtime
from flyte.server.worker.client import AttemptOver, WorkerClient

_SHIP_INTERVAL_S = 0.2
_current: contextvars.ContextVar[_AttemptLog | None] = contextvars.ContextVar("flyte_replica_log", default=None)


class _AttemptLog:
    """The lines one attempt printed or logged, shipped to the server in batches."""

    def __init__(self, client: WorkerClient) -> None:
        self._client = client
        self._lines: list[wire.LogLine] = []
        self._partial: dict[str, str] = {}
        self._lock = threading.Lock()

    def write(self, stream: str, text: str) -> None:
        with self._lock:
            pending = self._partial.get(stream, "") + text
            *complete, self._partial[stream] = pending.split("\n")
            now = time.time()
            self._lines.extend(wire.LogLine(stream=stream, ts=now, text=line) for line in complete)  # type: ignore[arg-type]

    def add(self, stream: str, text: str) -> None:
        with self._lock:
            self._lines.append(wire.LogLine(stream=stream, ts=time.time(), text=text))  # type: ignore[arg-type]

    def take(self, final: bool = False) -> list[wire.LogLine]:
        """The lines gathered since the last call (with ``final``, the unfinished ones too)."""
        with self._lock:
            if final:
                for stream, rest in self._partial.items():
                    if rest:
                        self._lines.append(wire.LogLine(stream=stream, ts=time.time(), text=rest))  # type: ignore[arg-type]
                self._partial.clear()
            lines, self._lines = self._lines, []
        return lines

    def ship(self) -> None:
        """Sends the lines gathered so far to the server."""
        lines = self.take()
        if lines:
            self._client.logs(lines)


class _RoutedStream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr``: the current attempt's logs, or the replica's own stream."""

    def __init__(self, fallback: TextIO, stream: str) -> None:
        self._fallback = fallback
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        log = _current.get()
        if log is None:
            return self._fallback.write(text)
        log.write(self._stream, text)
        return len(text)

    def flush(self) -> None:
        self._fallback.flush()


class _RoutedHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        log = _current.get()
        if log is not None:
            try:
                log.add("log", self.format(record))
            except Exception:
                self.handleError(record)


class Replica:
    """Runs the attempts it is given (see the module docstring)."""

    def __init__(self, bundle: Path | None, protocol: TextIO) -> None:
        self._bundle = bundle
        self._protocol = protocol
        self._protocol_lock = threading.Lock()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._reasons: dict[str, str] = {}
        self._http: httpx.Client | None = None  # one connection pool for every attempt's requests

    def _send(self, message: dict[str, Any]) -> None:
        with self._protocol_lock:
            self._protocol.write(json.dumps(message) + "\n")
            self._protocol.flush()

    async def serve(self) -> None:
        """Serves launch and cancel requests until stdin closes and the attempts have ended."""
        loop = asyncio.get_running_loop()
        requests: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()

        def read() -> None:
            for line in sys.stdin:
                if line.strip():
                    loop.call_soon_threadsafe(requests.put_nowait, json.loads(line))
            loop.call_soon_threadsafe(requests.put_nowait, None)

        threading.Thread(target=read, name="flyte-replica-requests", daemon=True).start()
        self._send({"ready": os.getpid()})
        while (request := await requests.get()) is not None:
            if "launch" in request:
                name = str(request["launch"])
                self._tasks[name] = asyncio.create_task(self._run(name, request["env"], request.get("spec")))
            elif "cancel" in request:
                name = str(request["cancel"])
                task = self._tasks.get(name)
                if task is not None:
                    self._reasons.setdefault(name, str(request.get("reason") or "aborted"))
                    task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks.values(), return_exceptions=True)

    async def _run(self, name: str, env: dict[str, str], inline_spec: str | None) -> None:
        env_overlay.set_overlay(env)
        endpoint = env["FLYTE_ENDPOINT"]
        if self._http is None:
            self._http = httpx.Client(
                base_url=endpoint,
                timeout=httpx.Timeout(30.0, read=150.0),
                verify=not endpoint.startswith("http://"),
                limits=httpx.Limits(max_connections=64),
            )
        client = WorkerClient(
            endpoint,
            env["RUN_NAME"],
            env["ACTION_NAME"],
            int(env["FLYTE_ATTEMPT"]),
            env.get(wire.ATTEMPT_TOKEN_ENV, ""),
            shared=self._http,
        )
        log = _AttemptLog(client)
        _current.set(log)
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def over() -> None:
            self._reasons.setdefault(name, "over")
            loop.call_soon_threadsafe(task.cancel)

        shipping = asyncio.create_task(_ship_every(log))
        done: dict[str, Any] = {"done": name}
        try:
            if inline_spec is not None:
                spec = wire.AttemptSpec.model_validate_json(inline_spec)
            else:
                spec = await asyncio.to_thread(client.spec)
            outcome = await runtime.run_attempt(client, spec, self._bundle, on_over=over)
            shipping.cancel()
            # The outcome and the last lines go back with the done message: no request of its own.
            done["outcome"] = outcome.model_dump(mode="json")
            done["logs"] = [line.model_dump(mode="json") for line in log.take(final=True)]
        except AttemptOver:
            pass
        except asyncio.CancelledError:
            pass
        except Exception as e:
            print(f"replica: attempt {name} could not report: {type(e).__name__}: {e}", file=sys.__stderr__)
        finally:
            shipping.cancel()
            await asyncio.to_thread(client.close)
            self._tasks.pop(name, None)
            done["reason"] = self._reasons.pop(name, None)
            if done["reason"] is not None:
                done.pop("outcome", None)
            self._send(done)


async def _ship_every(log: _AttemptLog) -> None:
    while True:
        await asyncio.sleep(_SHIP_INTERVAL_S)
        await asyncio.to_thread(log.ship)


def main(argv: list[str]) -> int:
    """Runs a replica for the bundle folder ``argv[0]`` (or none) in the folder ``argv[1]``."""
    bundle = Path(argv[0]) if argv and argv[0] else None
    workdir = Path(argv[1]) if len(argv) > 1 and argv[1] else None
    if bundle is not None:
        sys.path.insert(0, str(bundle))
    os.chdir(workdir or bundle or Path.cwd())
    # The protocol keeps stdout's descriptor; anything else written to descriptor 1 lands in stderr.
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = _RoutedStream(sys.__stderr__, "stdout")  # type: ignore[arg-type]
    sys.stderr = _RoutedStream(sys.__stderr__, "stderr")  # type: ignore[arg-type]
    handler = _RoutedHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    asyncio.run(Replica(bundle, protocol).serve())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
