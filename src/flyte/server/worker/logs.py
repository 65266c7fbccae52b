"""Capturing a worker's stdout, stderr and logging, and shipping the lines to the server."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from flyte._internal import wire

_SHIP_INTERVAL_S = 0.2


class LogShipper:
    """Collects lines from the captured streams and sends them in batches."""

    def __init__(self, send: Callable[[list[wire.LogLine]], None]):
        self._send = send
        self._lines: list[wire.LogLine] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._readers: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._ship_loop, name="flyte-logs", daemon=True)

    def capture(self) -> None:
        """Redirects file descriptors 1 and 2 into pipes read here, and logging into lines."""
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        for fd, stream in ((1, "stdout"), (2, "stderr")):
            read_end, write_end = os.pipe()
            os.dup2(write_end, fd)
            os.close(write_end)
            reader = threading.Thread(target=self._read, args=(read_end, stream), daemon=True)
            reader.start()
            self._readers.append(reader)
        sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]
        # The worker's own HTTP requests (shipping these very lines) must not become task logs.
        for noisy in ("httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        handler = _LineHandler(self)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)
        self._thread.start()

    def add(self, stream: str, text: str) -> None:
        """Queues one line."""
        with self._lock:
            self._lines.append(wire.LogLine(stream=stream, ts=time.time(), text=text))  # type: ignore[arg-type]

    def _read(self, fd: int, stream: str) -> None:
        with os.fdopen(fd, "rb", buffering=0) as pipe:
            pending = b""
            while True:
                chunk = pipe.read(65536)
                if not chunk:
                    break
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    self.add(stream, line.decode("utf-8", "replace"))
            if pending:
                self.add(stream, pending.decode("utf-8", "replace"))

    def _ship_loop(self) -> None:
        while not self._stop.wait(_SHIP_INTERVAL_S):
            self.ship()

    def ship(self) -> None:
        """Sends the queued lines now."""
        with self._lock:
            lines, self._lines = self._lines, []
        if lines:
            self._send(lines)

    def close(self) -> None:
        """Flushes the streams and sends every remaining line."""
        sys.stdout.flush()
        sys.stderr.flush()
        # Closing the write ends lets the readers drain the pipes and finish.
        for fd in (1, 2):
            os.close(fd)
        for reader in self._readers:
            reader.join(timeout=5)
        self._stop.set()
        self.ship()


class _LineHandler(logging.Handler):
    def __init__(self, shipper: LogShipper):
        super().__init__()
        self._shipper = shipper

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._shipper.add("log", self.format(record))
        except Exception:
            self.handleError(record)
