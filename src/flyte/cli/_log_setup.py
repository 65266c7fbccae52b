"""Logging of the ``flyte`` command: ``-v``/``-vv`` and ``--log-format`` of the root group.

flyte's own records (the ``flyte`` logger and its children, task logs included) go to stderr
while the command runs, at INFO with ``-v`` and DEBUG with ``-vv`` (WARNING otherwise), as
readable lines or one JSON object per line. :func:`configure_logging` returns the function that
puts the logger back as it was, so that a command run in-process leaves no handler behind.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable

__all__ = ["JsonFormatter", "configure_logging", "level_for"]

_CONSOLE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def level_for(verbosity: int) -> int:
    """The logging level of ``-v`` given ``verbosity`` times: WARNING, INFO, then DEBUG."""
    if verbosity <= 0:
        return logging.WARNING
    return logging.INFO if verbosity == 1 else logging.DEBUG


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        body: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(record.created)),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            body["exception"] = self.formatException(record.exc_info)
        return json.dumps(body, ensure_ascii=False)


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record comes (a test runner may swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            stream = sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:
            self.handleError(record)


def configure_logging(verbosity: int, log_format: str) -> Callable[[], None]:
    """Sends flyte's log records to stderr at the level of ``verbosity``, formatted as
    ``log_format`` (``console`` or ``json``); returns the function that undoes it."""
    logger = logging.getLogger("flyte")
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(_CONSOLE_FORMAT))
    before = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(level_for(verbosity))
    # Shown once, here: not again by whatever the root logger has.
    logger.propagate = False

    def restore() -> None:
        logger.removeHandler(handler)
        logger.setLevel(before[0])
        logger.propagate = before[1]

    return restore
