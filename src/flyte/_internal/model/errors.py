"""How an exception raised by user code becomes the flyte error its caller sees, and how that
error is kept in an action's record and rebuilt from it."""

from __future__ import annotations

import json
import traceback

from flyte import errors
from flyte.errors import BaseRuntimeError, OOMError, RuntimeUserError


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


def error_record(err: BaseRuntimeError) -> str:
    """The stored form of an action's error (JSON)."""
    return json.dumps({"code": err.code, "kind": err.kind, "message": err.message, "traceback": err.traceback or ""})


def _format(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


# Error classes that a stored error is rebuilt as, by code; other codes become RuntimeUserError
# (or RuntimeSystemError for system errors) with the code kept.
_REBUILT: dict[str, type[BaseRuntimeError]] = {
    "OOMError": errors.OOMError,
    "TaskTimeoutError": errors.TaskTimeoutError,
    "MaxRuntimeExceededError": errors.MaxRuntimeExceededError,
    "DeadlineExceededError": errors.DeadlineExceededError,
    "ActionAbortedError": errors.ActionAbortedError,
    "NonRecoverableError": errors.NonRecoverableError,
    "RuntimeDataValidationError": errors.RuntimeUserError,
    "InlineIOMaxBytesBreached": errors.InlineIOMaxBytesBreached,
    "RetriesExhaustedError": errors.RetriesExhaustedError,
}


def error_from_record(code: str, kind: str, message: str, traceback_text: str = "") -> BaseRuntimeError:
    """Rebuilds the flyte error a stored error record describes (the inverse of :func:`error_record`)."""
    cls = _REBUILT.get(code)
    if kind == "system":
        err: BaseRuntimeError = errors.RuntimeSystemError(code, message)
    elif cls is None or cls is errors.RuntimeUserError:
        err = errors.RuntimeUserError(code, message)
    else:
        err = cls.__new__(cls)
        BaseRuntimeError.__init__(err, code, "user", message)
    err.traceback = traceback_text or None
    return err
