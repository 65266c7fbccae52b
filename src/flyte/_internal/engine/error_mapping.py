"""How an exception raised by user code becomes the flyte error its caller sees."""

from __future__ import annotations

import json
import traceback

from flyte.errors import BaseRuntimeError, OOMError, RuntimeUserError, TaskTimeoutError


def to_flyte_error(exc: BaseException, task_name: str) -> BaseRuntimeError:
    """Wraps ``exc`` as Flyte v2 does: flyte errors pass through, others keep their class name as code."""
    if isinstance(exc, BaseRuntimeError):
        if exc.traceback is None:
            exc.traceback = _format(exc)
        return exc
    if isinstance(exc, MemoryError):
        err: BaseRuntimeError = OOMError("MemoryError", f"Task '{task_name}' ran out of memory: {exc}")
    else:
        err = RuntimeUserError(type(exc).__name__, str(exc))
    err.traceback = _format(exc)
    err.__cause__ = exc
    return err


def timeout_error(task_name: str, seconds: float) -> TaskTimeoutError:
    """The error a parent sees when its child ran longer than its timeout."""
    return TaskTimeoutError(f"Task '{task_name}' exceeded its timeout of {seconds:g}s and was cancelled")


def error_record(err: BaseRuntimeError) -> str:
    """The stored form of an action's error (JSON)."""
    return json.dumps(
        {"code": err.code, "kind": err.kind, "message": err.message, "traceback": err.traceback or ""}
    )


def _format(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
