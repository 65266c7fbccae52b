"""The errors of flyte's platform features: conditions, deployment, remote tasks, images, rate
limits, GPU faults and Apple silicon. Part of the one tree of :mod:`flyte.errors`, which
re-exports every name here; they keep the codes and kinds that code written for the flyte SDK
branches on.
"""

from __future__ import annotations

import asyncio
from typing import Any

from flyte.errors import BaseRuntimeError, ErrorKind, RuntimeSystemError, RuntimeUserError

__all__ = [
    "APPLE_SILICON_ERRORS_BY_CODE",
    "GPU_FAULT_CODES",
    "AppleSiliconBridgeUnreachableError",
    "AppleSiliconDaemonOOMError",
    "AppleSiliconDaemonStartFailedError",
    "AppleSiliconError",
    "AppleSiliconHostExecFailedError",
    "AppleSiliconModelNotFoundError",
    "AppleSiliconNotAvailableError",
    "ConditionAlreadyExistsError",
    "ConditionFailedError",
    "ConditionNotFoundError",
    "ConditionTimedoutError",
    "DeploymentError",
    "GPUFaultError",
    "GPUFaultSystemError",
    "GPUFaultUserError",
    "ImagePullBackOffError",
    "InvalidImageNameError",
    "InvalidPackageError",
    "LogsNotYetAvailableError",
    "ParameterMaterializationError",
    "PrimaryContainerNotFoundError",
    "RemoteTaskNotFoundError",
    "RemoteTaskUsageError",
    "ResourceExhaustedError",
    "SlowDownError",
    "UnionRpcError",
    "silence_polling_error",
]


class _NamedUserError(RuntimeUserError):
    """A user error whose code is its class name."""

    def __init__(self, message: str):
        super().__init__(type(self).__name__, message)


class ConditionAlreadyExistsError(_NamedUserError):
    """A condition of that name already exists in the run."""


class ConditionFailedError(_NamedUserError):
    """A condition could not be signalled or read."""


class ConditionNotFoundError(_NamedUserError):
    """No condition of that name exists in the run."""


class ConditionTimedoutError(_NamedUserError):
    """No value was given to a condition within its timeout."""


class DeploymentError(_NamedUserError):
    """Tasks or environments could not be deployed."""


class ParameterMaterializationError(_NamedUserError):
    """A task's parameter could not be made into its value."""


class RemoteTaskNotFoundError(_NamedUserError):
    """No deployed task has that name (and version)."""

    #: The error code every instance carries.
    CODE = "RemoteTaskNotFoundError"


class RemoteTaskUsageError(_NamedUserError):
    """A deployed task was used in a way it cannot be."""

    #: The error code every instance carries.
    CODE = "RemoteTaskUsageError"


class SlowDownError(RuntimeUserError):
    """The server asks its client to make fewer requests."""

    def __init__(self, message: str):
        super().__init__("SlowDownError", message)


class ResourceExhaustedError(SlowDownError):
    """The server ran out of a resource (a quota, say) serving the request."""


class InvalidPackageError(RuntimeUserError):
    """An image asks for a system package that its package manager does not know."""

    def __init__(self, package_name: str, original_error: str):
        super().__init__(
            "InvalidPackageError",
            f"Invalid system package detected: {package_name!r}. This package does not exist in apt "
            f"repositories. Error: {original_error}",
        )
        self.package_name = package_name
        self.original_error = original_error


class LogsNotYetAvailableError(BaseRuntimeError):
    """An action's logs were asked for before it has any."""

    def __init__(self, message: str):
        super().__init__("LogsNotYetAvailable", "system", message)


class _CodedUserError(RuntimeUserError):
    """A user error whose code says what the platform saw."""

    def __init__(self, code: str, message: str, worker: str | None = None):
        super().__init__(code, message, worker)


class ImagePullBackOffError(_CodedUserError):
    """A task's container image could not be pulled."""


class InvalidImageNameError(_CodedUserError):
    """A task's container image name is not a valid reference."""


class PrimaryContainerNotFoundError(_CodedUserError):
    """The container that runs the task was not found in its pod."""


class UnionRpcError(RuntimeSystemError):
    """A call to the platform's API failed."""

    def __init__(self, code: str, message: str, worker: str | None = None):
        super().__init__(code, message, worker)


GPU_FAULT_CODES = (
    "GpuXidError",
    "GpuFallenOffBus",
    "GpuEccUncorrectable",
    "GpuRowRemapPending",
    "GpuNvlinkError",
    "GpuGspError",
)
"""The codes a GPU fault arrives with."""


class GPUFaultError(BaseRuntimeError):
    """A task failed on a GPU or NVSwitch fault seen on its node (an Xid, a GPU off the bus...).

    The base of :class:`GPUFaultUserError` (the workload caused it: replaying it unchanged faults
    again) and :class:`GPUFaultSystemError` (the hardware did). The fault's details are
    attributes, any of which may be None when the failure did not carry them.
    """

    def __init__(
        self,
        code: str,
        kind: ErrorKind,
        message: str,
        worker: str | None = None,
        *,
        fault_kind: str | None = None,
        fault_code: int | None = None,
        fault_name: str | None = None,
        severity: str | None = None,
        gpu_uuid: str | None = None,
        gpu_index: int | None = None,
        node: str | None = None,
        pci_bus_id: str | None = None,
        process: str | None = None,
    ):
        # Not super(): in the user and system subclasses the next class takes other arguments.
        BaseRuntimeError.__init__(self, code, kind, message, worker)
        self.fault_kind = fault_kind
        self.fault_code = fault_code
        self.fault_name = fault_name
        self.severity = severity
        self.gpu_uuid = gpu_uuid
        self.gpu_index = gpu_index
        self.node = node
        self.pci_bus_id = pci_bus_id
        self.process = process

    @property
    def xid(self) -> int | None:
        """The NVIDIA Xid number of the fault; None for an NVSwitch SXid or an unknown number."""
        return self.fault_code if self.fault_kind == "xid" else None

    @property
    def sxid(self) -> int | None:
        """The NVSwitch SXid number of the fault; None for a GPU Xid or an unknown number."""
        return self.fault_code if self.fault_kind == "sxid" else None


class GPUFaultUserError(GPUFaultError, RuntimeUserError):
    """A GPU fault the workload caused (a memory page fault, say): charged to the task's retries."""

    def __init__(self, code: str, message: str, worker: str | None = None, **fault: Any):
        GPUFaultError.__init__(self, code, "user", message, worker, **fault)


class GPUFaultSystemError(GPUFaultError, RuntimeSystemError):
    """A GPU hardware fault: the platform's to retry, elsewhere if it can."""

    def __init__(self, code: str, message: str, worker: str | None = None, **fault: Any):
        GPUFaultError.__init__(self, code, "system", message, worker, **fault)


class AppleSiliconError(RuntimeUserError):
    """A task on Apple silicon could not run; its subclasses say why."""

    code_name = "APPLE_SILICON_ERROR"
    #: Whether running the workload again can help; the default holds for transient failures.
    recoverable: bool = True

    def __init__(self, message: str, worker: str | None = None):
        super().__init__(self.code_name, message, worker)


class AppleSiliconNotAvailableError(AppleSiliconError):
    """No Apple silicon host is available to the task."""

    code_name = "APPLE_SILICON_NOT_AVAILABLE"
    recoverable = False


class AppleSiliconHostExecFailedError(AppleSiliconError):
    """The task could not be started on the Apple silicon host."""

    code_name = "APPLE_SILICON_HOST_EXEC_FAILED"
    recoverable = False


class AppleSiliconDaemonStartFailedError(AppleSiliconError):
    """The host's daemon that runs tasks did not start."""

    code_name = "APPLE_SILICON_DAEMON_START_FAILED"
    recoverable = False


class AppleSiliconDaemonOOMError(AppleSiliconError):
    """The host's daemon ran out of memory."""

    code_name = "APPLE_SILICON_DAEMON_OOM"


class AppleSiliconModelNotFoundError(AppleSiliconError):
    """The model the task asked for is not on the host."""

    code_name = "APPLE_SILICON_MODEL_NOT_FOUND"
    recoverable = False


class AppleSiliconBridgeUnreachableError(AppleSiliconError):
    """The bridge to the Apple silicon host cannot be reached."""

    code_name = "APPLE_SILICON_BRIDGE_UNREACHABLE"


APPLE_SILICON_ERRORS_BY_CODE: dict[str, type[AppleSiliconError]] = {
    cls.code_name: cls
    for cls in (
        AppleSiliconNotAvailableError,
        AppleSiliconHostExecFailedError,
        AppleSiliconDaemonStartFailedError,
        AppleSiliconDaemonOOMError,
        AppleSiliconModelNotFoundError,
        AppleSiliconBridgeUnreachableError,
    )
}
"""The Apple silicon error class of each code."""


def silence_polling_error(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """An event loop exception handler that drops the ``BlockingIOError`` of a socket polled
    while it had nothing to give, and hands every other error to the loop's default handler."""
    if isinstance(context.get("exception"), BlockingIOError):
        return
    loop.default_exception_handler(context)
