"""The one exception tree of flyte.

Every error flyte raises derives from :class:`BaseRuntimeError`, which is a ``RuntimeError``::

    RuntimeError
    └── BaseRuntimeError                 code, kind ("user" | "system" | "unknown"), message
        ├── RuntimeUserError             the user's code or input is at fault; retried on the user budget
        │   ├── CustomError              raised by users with a code of their own
        │   ├── NonRecoverableError      never retried
        │   ├── OOMError                 a task went over its memory
        │   ├── TaskTimeoutError         a task went over its timeout
        │   │   ├── MaxRuntimeExceededError
        │   │   ├── MaxQueuedTimeExceededError
        │   │   └── DeadlineExceededError
        │   ├── RetriesExhaustedError    every attempt failed
        │   ├── ActionAbortedError       the action was aborted
        │   ├── RuntimeDataValidationError   an input or output does not match its type
        │   ├── InlineIOMaxBytesBreached
        │   ├── NotInTaskContextError, TraceDoesNotAllowNestedTasksError, ModuleLoadError, ...
        ├── RuntimeSystemError           the platform is at fault; retried on the system budget
        ├── RuntimeUnknownError
        └── InitializationError          flyte.init / configuration problems

The platform's own errors (conditions, deployment, remote tasks, image pulls, rate limits, GPU
faults, Apple silicon) belong to the same tree; they are defined in ``flyte._platform_errors``.

A child task's exception reaches its parent as a :class:`RuntimeUserError` whose ``code`` is the
original exception's class name, with the original message and traceback kept
(:attr:`BaseRuntimeError.traceback`).
"""

from __future__ import annotations

from typing import Literal

ErrorKind = Literal["user", "system", "unknown"]

__all__ = [
    "APPLE_SILICON_ERRORS_BY_CODE",
    "GPU_FAULT_CODES",
    "ActionAbortedError",
    "ActionNotFoundError",
    "AppleSiliconBridgeUnreachableError",
    "AppleSiliconDaemonOOMError",
    "AppleSiliconDaemonStartFailedError",
    "AppleSiliconError",
    "AppleSiliconHostExecFailedError",
    "AppleSiliconModelNotFoundError",
    "AppleSiliconNotAvailableError",
    "BaseRuntimeError",
    "CodeBundleError",
    "ConditionAlreadyExistsError",
    "ConditionFailedError",
    "ConditionNotFoundError",
    "ConditionTimedoutError",
    "ConfigError",
    "CustomError",
    "DeadlineExceededError",
    "DeploymentError",
    "ErrorKind",
    "GPUFaultError",
    "GPUFaultSystemError",
    "GPUFaultUserError",
    "ImageBuildError",
    "ImagePullBackOffError",
    "InitializationError",
    "InlineIOMaxBytesBreached",
    "InvalidImageNameError",
    "InvalidPackageError",
    "LogsNotYetAvailableError",
    "MaxQueuedTimeExceededError",
    "MaxRuntimeExceededError",
    "ModuleLoadError",
    "NonRecoverableError",
    "NotInTaskContextError",
    "OOMError",
    "OnlyAsyncIOSupportedError",
    "ParameterMaterializationError",
    "PrimaryContainerNotFoundError",
    "RemoteTaskNotFoundError",
    "RemoteTaskUsageError",
    "ResourceExhaustedError",
    "RestrictedTypeError",
    "RetriesExhaustedError",
    "RunNotFoundError",
    "RuntimeDataValidationError",
    "RuntimeSystemError",
    "RuntimeUnknownError",
    "RuntimeUserError",
    "SlowDownError",
    "SyncTaskCallInAsyncContextError",
    "TaskInterruptedError",
    "TaskTimeoutError",
    "TraceDoesNotAllowNestedTasksError",
    "UnionRpcError",
    "silence_polling_error",
]


class BaseRuntimeError(RuntimeError):
    """Root of every flyte error: a ``code``, whose fault it is (``kind``) and a message."""

    def __init__(self, code: str, kind: ErrorKind, root_cause_message: str, worker: str | None = None):
        super().__init__(root_cause_message)
        self.code = code
        self.kind: ErrorKind = kind
        self.worker = worker
        self.traceback: str | None = None

    @property
    def message(self) -> str:
        """The human-readable message of the error."""
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple[object, ...]:
        # Subclasses take different constructor arguments; rebuild from the base state so that
        # every error survives a pickle round trip between processes.
        return (_rebuild_error, (type(self), self.code, self.kind, self.message, self.worker, self.traceback))


def _rebuild_error(
    cls: type[BaseRuntimeError], code: str, kind: ErrorKind, message: str, worker: str | None, tb: str | None
) -> BaseRuntimeError:
    err = cls.__new__(cls)
    RuntimeError.__init__(err, message)
    err.code = code
    err.kind = kind
    err.worker = worker
    err.traceback = tb
    return err


class RuntimeUserError(BaseRuntimeError):
    """An error in the user's code or input; ``code`` names the original exception class."""

    def __init__(self, code: str, message: str, worker: str | None = None):
        super().__init__(code, "user", message, worker)


class RuntimeSystemError(BaseRuntimeError):
    """An error of the platform rather than of the user's code; retried on its own budget."""

    def __init__(self, code: str, message: str, worker: str | None = None):
        super().__init__(code, "system", message, worker)


class RuntimeUnknownError(BaseRuntimeError):
    """An error whose cause could not be attributed to the user or to the system."""

    def __init__(self, code: str, message: str, worker: str | None = None):
        super().__init__(code, "unknown", message, worker)


class InitializationError(BaseRuntimeError):
    """flyte was used before being initialised, or initialised with bad settings."""

    def __init__(self, code: str, kind: ErrorKind, root_cause_message: str, worker: str | None = None):
        super().__init__(code, kind, root_cause_message, worker)


class ConfigError(InitializationError, ValueError):
    """A configuration file or setting is malformed; the message names the file and the key."""

    def __init__(self, message: str):
        super().__init__("ConfigError", "user", message)


class CustomError(RuntimeUserError):
    """An error a user raises with a code of their own choosing."""

    def __init__(self, code: str, message: str):
        super().__init__(code, message)

    @classmethod
    def from_exception(cls, e: Exception) -> CustomError:
        """Wraps any exception, keeping its class name as the code."""
        return cls(type(e).__name__, str(e))


class NonRecoverableError(RuntimeUserError):
    """Raised by a task to fail at once: no retry is attempted."""

    def __init__(self, message: str, code: str = "NonRecoverableError"):
        super().__init__(code, message)


class OOMError(RuntimeUserError):
    """A task used more memory than its resources allow."""


class TaskInterruptedError(RuntimeUserError):
    """A task was interrupted (its machine was taken away)."""


class RetriesExhaustedError(RuntimeUserError):
    """Every attempt of a task failed."""


class TaskTimeoutError(RuntimeUserError):
    """A task ran longer than its timeout."""

    def __init__(self, message: str, code: str = "TaskTimeoutError"):
        super().__init__(code, message)


class MaxRuntimeExceededError(TaskTimeoutError):
    """A task's attempt ran longer than ``Timeout.max_runtime``."""

    def __init__(self, message: str):
        super().__init__(message, "MaxRuntimeExceededError")


class MaxQueuedTimeExceededError(TaskTimeoutError):
    """A task waited in the queue longer than ``Timeout.max_queued_time``."""

    def __init__(self, message: str):
        super().__init__(message, "MaxQueuedTimeExceededError")


class DeadlineExceededError(TaskTimeoutError):
    """A task did not finish before its ``Timeout.deadline``."""

    def __init__(self, message: str):
        super().__init__(message, "DeadlineExceededError")


class ActionAbortedError(RuntimeUserError):
    """The action was aborted before it finished."""

    def __init__(self, message: str):
        super().__init__("ActionAbortedError", message)


class ActionNotFoundError(RuntimeUserError):
    """No action of that name exists."""

    def __init__(self, message: str):
        super().__init__("ActionNotFoundError", message)


class RunNotFoundError(RuntimeUserError):
    """No run of that name exists."""

    def __init__(self, message: str):
        super().__init__("RunNotFoundError", message)


class RuntimeDataValidationError(RuntimeUserError, TypeError):
    """An input or output value does not match the type its task declares."""

    def __init__(self, var: str, e: Exception | str, task_name: str = ""):
        where = f" of task '{task_name}'" if task_name else ""
        super().__init__("RuntimeDataValidationError", f"Invalid value for '{var}'{where}: {e}")
        self.var = var
        self.task_name = task_name


class InlineIOMaxBytesBreached(RuntimeUserError):
    """An inline input or output is larger than ``max_inline_io_bytes``."""

    def __init__(self, message: str):
        super().__init__("InlineIOMaxBytesBreached", message)


class NotInTaskContextError(RuntimeUserError):
    """Something that needs a running task was used outside one."""


class TraceDoesNotAllowNestedTasksError(RuntimeUserError):
    """A task was called from inside a ``@flyte.trace`` function."""

    def __init__(self, message: str):
        super().__init__("TraceDoesNotAllowNestedTasksError", message)


class SyncTaskCallInAsyncContextError(RuntimeUserError):
    """A synchronous task was called in a blocking way from async code."""

    def __init__(self, message: str):
        super().__init__("SyncTaskCallInAsyncContextError", message)


class OnlyAsyncIOSupportedError(RuntimeUserError):
    """An async task ran on an event loop other than asyncio's."""

    def __init__(self, message: str):
        super().__init__("OnlyAsyncIOSupportedError", message)


class ModuleLoadError(RuntimeUserError):
    """A workflow file or module could not be loaded."""

    def __init__(self, message: str):
        super().__init__("ModuleLoadError", message)


class CodeBundleError(RuntimeUserError):
    """A code bundle could not be built or unpacked."""

    def __init__(self, message: str):
        super().__init__("CodeBundleError", message)


class ImageBuildError(RuntimeUserError):
    """A container image could not be built."""

    def __init__(self, message: str):
        super().__init__("ImageBuildError", message)


class RestrictedTypeError(RuntimeUserError):
    """A type that cannot be used where it was used."""

    def __init__(self, message: str):
        super().__init__("RestrictedTypeError", message)


# The platform's errors live in a module of their own (this one would be too long) but belong to
# this tree: imported last, once the classes they derive from exist.
from flyte._platform_errors import (  # noqa: E402
    APPLE_SILICON_ERRORS_BY_CODE,
    GPU_FAULT_CODES,
    AppleSiliconBridgeUnreachableError,
    AppleSiliconDaemonOOMError,
    AppleSiliconDaemonStartFailedError,
    AppleSiliconError,
    AppleSiliconHostExecFailedError,
    AppleSiliconModelNotFoundError,
    AppleSiliconNotAvailableError,
    ConditionAlreadyExistsError,
    ConditionFailedError,
    ConditionNotFoundError,
    ConditionTimedoutError,
    DeploymentError,
    GPUFaultError,
    GPUFaultSystemError,
    GPUFaultUserError,
    ImagePullBackOffError,
    InvalidImageNameError,
    InvalidPackageError,
    LogsNotYetAvailableError,
    ParameterMaterializationError,
    PrimaryContainerNotFoundError,
    RemoteTaskNotFoundError,
    RemoteTaskUsageError,
    ResourceExhaustedError,
    SlowDownError,
    UnionRpcError,
    silence_polling_error,
)
