"""Resources and accelerators: validation, parsing to numbers, and device lookup."""

from __future__ import annotations

import logging

import pytest

from flyte._resources import (
    AMD_GPU,
    APPLE_SILICON,
    GPU,
    HABANA_GAUDI,
    TPU,
    Device,
    Neuron,
    Resources,
    cpu_to_cores,
    quantity_to_bytes,
)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("2Gi", 2 * 1024**3),
        ("500Mi", 500 * 1024**2),
        ("1G", 10**9),
        ("1.5Gi", 1610612736),
        ("1k", 1000),
        ("64Ki", 65536),
        ("1e3", 1000),
        ("0.1Gi", 107374183),  # a fraction of a byte rounds up
        ("100", 100),
    ],
)
def test_quantity_to_bytes(quantity: str, expected: int) -> None:
    assert quantity_to_bytes(quantity) == expected


@pytest.mark.parametrize(("cpu", "expected"), [(2, 2.0), (0.5, 0.5), ("500m", 0.5), ("1.5", 1.5), ("4", 4.0)])
def test_cpu_to_cores(cpu: int | float | str, expected: float) -> None:
    assert cpu_to_cores(cpu) == expected


def test_memory_bytes_and_cpu_cores_read_limit_or_request() -> None:
    assert Resources(memory="2Gi").memory_bytes() == 2147483648
    ranged = Resources(cpu=("500m", 2), memory=("500Mi", "1.5Gi"))
    assert ranged.cpu_cores() == 2.0
    assert ranged.cpu_cores(request=True) == 0.5
    assert ranged.memory_bytes() == 1610612736
    assert ranged.memory_bytes(request=True) == 500 * 1024**2
    assert Resources().cpu_cores() is None
    assert Resources().memory_bytes() is None


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"cpu": -1}, "-1"),
        ({"cpu": float("nan")}, "nan"),
        ({"cpu": "abc"}, "'abc'"),
        ({"cpu": [1, 2]}, "[1, 2]"),
        ({"cpu": (1, 2, 3)}, "(1, 2, 3)"),
        ({"cpu": (2, 1)}, "(2, 1)"),
        ({"memory": "2XB"}, "'2XB'"),
        ({"memory": 100}, "100"),
        ({"memory": ("2Gi", "1Gi")}, "('2Gi', '1Gi')"),
        ({"disk": 5}, "5"),
        ({"shm": "lots"}, "'lots'"),
        ({"gpu": "X:2"}, "'X:2'"),
        ({"gpu": "A100:9"}, "'A100:9'"),
        ({"gpu": "A100"}, "'A100'"),
        ({"gpu": -1}, "-1"),
        ({"gpu": 1.5}, "1.5"),
    ],
)
def test_bad_values_raise_naming_the_value(kwargs: dict[str, object], named: str) -> None:
    with pytest.raises(ValueError) as info:
        Resources(**kwargs)
    assert named in str(info.value)


def test_defaults_and_equality() -> None:
    assert Resources() == Resources(cpu=None, memory=None, gpu=None, disk=None, shm=None)
    assert Resources(cpu=1, memory="1Gi") == Resources(cpu=1, memory="1Gi")
    assert Resources(cpu=1) != Resources(cpu=2)


@pytest.mark.parametrize(
    ("gpu", "device"),
    [
        ("A100:2", Device(2, "GPU", device="A100")),
        ("T4 shared:1", Device(1, "GPU", device="T4 shared")),
        ("Trn1:4", Device(4, "NEURON", device="Trn1")),
        ("MI300X:1", Device(1, "AMD_GPU", device="MI300X")),
        ("Gaudi1:1", Device(1, "HABANA_GAUDI", device="Gaudi1")),
        ("AppleSilicon", Device(1, "APPLE_SILICON", device="AppleSilicon")),
        (3, Device(3, "GPU")),
        (0, None),
        (None, None),
    ],
)
def test_get_device(gpu: str | int | None, device: Device | None) -> None:
    assert Resources(gpu=gpu).get_device() == device


def test_get_device_returns_a_given_device() -> None:
    device = GPU("A100", 2, partition="1g.5gb")
    assert Resources(gpu=device).get_device() is device


def test_deprecated_gpu_name_is_canonicalised_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="flyte"):
        resources = Resources(gpu="A100 80G:1")
    assert resources.gpu == "A100_80G:1"
    assert "A100_80G" in caplog.text


def test_shared_memory() -> None:
    assert Resources(shm="auto").get_shared_memory() == ""
    assert Resources(shm="1Gi").get_shared_memory() == "1Gi"
    assert Resources().get_shared_memory() is None


def test_device_factories() -> None:
    assert GPU("A100", 2) == Device(2, "GPU", device="A100")
    assert TPU("V5P", "2x2x2") == Device(1, "TPU", device="V5P", partition="2x2x2")
    assert Neuron("Inf2") == Device(1, "NEURON", device="Inf2")
    assert AMD_GPU("MI100") == Device(1, "AMD_GPU", device="MI100")
    assert HABANA_GAUDI("Gaudi1") == Device(1, "HABANA_GAUDI", device="Gaudi1")
    assert APPLE_SILICON() == Device(1, "APPLE_SILICON", device="AppleSilicon")
    assert repr(GPU("A100", 1, partition="1g.5gb")) == "Device(1, 'GPU', device='A100', partition='1g.5gb')"


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: GPU("X", 1), "'X'"),
        (lambda: GPU("A100", 1, partition="1g.10gb"), "'1g.10gb'"),
        (lambda: TPU("V5E", "2x2x2"), "'2x2x2'"),
        (lambda: TPU("X"), "'X'"),
        (lambda: Neuron("X"), "'X'"),
        (lambda: AMD_GPU("X"), "'X'"),
        (lambda: HABANA_GAUDI("X"), "'X'"),
        (lambda: Device(0, "GPU"), "0"),
        (lambda: Device(1, "FPGA"), "'FPGA'"),
    ],
)
def test_device_validation(make: object, named: str) -> None:
    with pytest.raises(ValueError) as info:
        make()
    assert named in str(info.value)


def test_device_is_immutable_and_hashable() -> None:
    device = GPU("H100", 8)
    assert hash(device) == hash(GPU("H100", 8))
    with pytest.raises(AttributeError):
        device.quantity = 1
