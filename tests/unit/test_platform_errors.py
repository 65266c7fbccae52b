"""The platform's errors, with the names, codes, kinds and parents that code written for the
flyte SDK (2.12.1) catches and branches on."""

from __future__ import annotations

import asyncio

import pytest

import flyte.errors as errors

# name -> (arguments, expected code, expected kind, a class it must derive from), as in the SDK.
EXPECTED = {
    "ConditionAlreadyExistsError": (("m",), "ConditionAlreadyExistsError", "user", errors.RuntimeUserError),
    "ConditionFailedError": (("m",), "ConditionFailedError", "user", errors.RuntimeUserError),
    "ConditionNotFoundError": (("m",), "ConditionNotFoundError", "user", errors.RuntimeUserError),
    "ConditionTimedoutError": (("m",), "ConditionTimedoutError", "user", errors.RuntimeUserError),
    "DeploymentError": (("m",), "DeploymentError", "user", errors.RuntimeUserError),
    "ParameterMaterializationError": (("m",), "ParameterMaterializationError", "user", errors.RuntimeUserError),
    "RemoteTaskNotFoundError": (("m",), "RemoteTaskNotFoundError", "user", errors.RuntimeUserError),
    "RemoteTaskUsageError": (("m",), "RemoteTaskUsageError", "user", errors.RuntimeUserError),
    "SlowDownError": (("m",), "SlowDownError", "user", errors.RuntimeUserError),
    "ResourceExhaustedError": (("m",), "SlowDownError", "user", errors.SlowDownError),
    "InvalidPackageError": (("pkg", "boom"), "InvalidPackageError", "user", errors.RuntimeUserError),
    "LogsNotYetAvailableError": (("m",), "LogsNotYetAvailable", "system", errors.BaseRuntimeError),
    "ImagePullBackOffError": (("ErrImagePull", "m"), "ErrImagePull", "user", errors.RuntimeUserError),
    "InvalidImageNameError": (("InvalidImageName", "m"), "InvalidImageName", "user", errors.RuntimeUserError),
    "PrimaryContainerNotFoundError": (("NoContainer", "m"), "NoContainer", "user", errors.RuntimeUserError),
    "UnionRpcError": (("Unavailable", "m"), "Unavailable", "system", errors.RuntimeSystemError),
    "GPUFaultUserError": (("GpuXidError", "m"), "GpuXidError", "user", errors.GPUFaultError),
    "GPUFaultSystemError": (("GpuFallenOffBus", "m"), "GpuFallenOffBus", "system", errors.GPUFaultError),
    "AppleSiliconError": (("m",), "APPLE_SILICON_ERROR", "user", errors.RuntimeUserError),
    "AppleSiliconNotAvailableError": (("m",), "APPLE_SILICON_NOT_AVAILABLE", "user", errors.AppleSiliconError),
    "AppleSiliconDaemonOOMError": (("m",), "APPLE_SILICON_DAEMON_OOM", "user", errors.AppleSiliconError),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_codes_kinds_and_parents(name: str) -> None:
    arguments, code, kind, parent = EXPECTED[name]
    error = getattr(errors, name)(*arguments)
    assert (error.code, error.kind) == (code, kind)
    assert isinstance(error, parent) and isinstance(error, errors.BaseRuntimeError)
    assert name in errors.__all__


def test_a_gpu_fault_keeps_its_details_and_both_kinds_are_caught_as_one() -> None:
    fault = errors.GPUFaultSystemError("GpuXidError", "Xid 79: GPU has fallen off the bus", fault_code=79, gpu_index=3)
    assert (fault.fault_code, fault.gpu_index, fault.gpu_uuid) == (79, 3, None)
    assert isinstance(fault, errors.RuntimeSystemError)
    with pytest.raises(errors.GPUFaultError):
        raise errors.GPUFaultUserError("GpuXidError", "Xid 31")
    assert set(errors.GPU_FAULT_CODES) >= {"GpuXidError", "GpuFallenOffBus"}


def test_apple_silicon_errors_by_code() -> None:
    assert errors.APPLE_SILICON_ERRORS_BY_CODE["APPLE_SILICON_DAEMON_OOM"] is errors.AppleSiliconDaemonOOMError
    assert len(errors.APPLE_SILICON_ERRORS_BY_CODE) == 6


def test_an_invalid_package_names_the_package() -> None:
    error = errors.InvalidPackageError("libfoo-dev", "E: Unable to locate package")
    assert "'libfoo-dev'" in error.message and "Unable to locate package" in error.message


def test_silence_polling_error_drops_only_blocking_io() -> None:
    loop = asyncio.new_event_loop()
    seen: list[object] = []
    loop.default_exception_handler = seen.append  # type: ignore[method-assign]
    try:
        errors.silence_polling_error(loop, {"exception": BlockingIOError(), "message": "poll"})
        assert seen == []
        other = {"exception": ValueError("real"), "message": "task failed"}
        errors.silence_polling_error(loop, other)
        assert seen == [other]
    finally:
        loop.close()
