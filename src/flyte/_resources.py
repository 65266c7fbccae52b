"""Compute resources a task asks for: CPU, memory, accelerators, disk and shared memory."""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeVar, Union, get_args

if TYPE_CHECKING:
    from decimal import Decimal

__all__ = [
    "AMD_GPU",
    "APPLE_SILICON",
    "GPU",
    "HABANA_GAUDI",
    "TPU",
    "Device",
    "DeviceClass",
    "Neuron",
    "Resources",
    "cpu_to_cores",
    "quantity_to_bytes",
]

logger = logging.getLogger("flyte")

DeviceClass = Literal["GPU", "TPU", "NEURON", "AMD_GPU", "HABANA_GAUDI", "APPLE_SILICON"]
"""The families of accelerators a :class:`Device` can belong to."""

GPUType = Literal[
    "A2", "A10", "A10G", "A100", "A100_80G", "B200", "H100", "H200", "L4", "L40s", "T4", "V100",
    "RTX_PRO_4500", "RTX_PRO_6000", "GB10",
    "T4 shared", "L4 shared", "A10G shared", "A10 shared", "L40S shared",
]  # fmt: skip
GPUQuantity = Literal[1, 2, 3, 4, 5, 6, 7, 8]
TPUType = Literal["V5E", "V5P", "V6E"]
NeuronType = Literal["Inf1", "Inf2", "Trn1", "Trn1n", "Trn2", "Trn2u"]
AMD_GPUType = Literal["MI100", "MI210", "MI250", "MI250X", "MI300A", "MI300X", "MI325X", "MI350X", "MI355X"]
HABANA_GAUDIType = Literal["Gaudi1"]

# Multi-instance partitions exist only on these cards; other GPUs take any partition string.
_GPU_PARTITIONS: dict[str, tuple[str, ...]] = {
    "A100": ("1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"),
    "A100_80G": ("1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H100": ("1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"),
    "H200": ("1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"),
    "RTX_PRO_6000": ("1g.24gb", "2g.48gb", "4g.96gb"),
}
_TPU_2D = ("1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16")
_TPU_3D = ("2x2x1", "2x2x2", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x16", "8x16x16", "16x16x16",
           "16x16x24")  # fmt: skip
_TPU_PARTITIONS: dict[str, tuple[str, ...]] = {"V5E": _TPU_2D, "V5P": _TPU_3D, "V6E": _TPU_2D}
_DEPRECATED_GPU_NAMES = {"A100 80G": "A100_80G", "RTX PRO 6000": "RTX_PRO_6000"}

_ANY_GPU_COUNT = tuple(range(1, 9))
# The "<device>:<count>" shapes that Resources(gpu=...) accepts, per device.
_ACCELERATOR_COUNTS: dict[str, tuple[DeviceClass, tuple[int, ...]]] = {
    **{name: ("GPU", _ANY_GPU_COUNT) for name in get_args(GPUType) if "shared" not in name},
    **{name: ("GPU", (1,)) for name in get_args(GPUType) if "shared" in name},
    "A2": ("GPU", (1,)),
    "RTX_PRO_4500": ("GPU", (1,)),
    "RTX_PRO_6000": ("GPU", (1, 2)),
    "GB10": ("GPU", (1,)),
    **{name: ("NEURON", (1, 4, 8, 16)) for name in ("Trn1", "Trn1n", "Trn2", "Trn2u")},
    "Inf1": ("NEURON", tuple(range(1, 17))),
    "Inf2": ("NEURON", tuple(range(1, 13))),
    **{name: ("AMD_GPU", (1,)) for name in get_args(AMD_GPUType)},
    "Gaudi1": ("HABANA_GAUDI", (1,)),
    "AppleSilicon": ("APPLE_SILICON", (1,)),
}

_QUANTITY = re.compile(r"^([+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|K|M|G|T|P|E)?$")
_SUFFIX_FACTOR: dict[str, int] = {
    "": 1,
    **{s: 1024 ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))},
    **{s: 1000 ** (i + 1) for i, s in enumerate(("k", "M", "G", "T", "P", "E"))},
    "K": 1000,
}
_QUANTITY_HINT = "a Kubernetes quantity string such as '1Gi', '512Mi' or '2G'"


def _parse_quantity(field: str, value: str) -> Decimal:
    # Exact decimals so "0.1Gi" rounds as Kubernetes does; loaded here to keep `import flyte` cheap.
    from decimal import Decimal

    match = _QUANTITY.match(value.strip())
    if not match:
        raise ValueError(f"{field} must be {_QUANTITY_HINT}, got {value!r}")
    number, suffix = Decimal(match.group(1)), match.group(2) or ""
    return number / 1000 if suffix == "m" else number * _SUFFIX_FACTOR[suffix]


def quantity_to_bytes(value: str, field: str = "memory") -> int:
    """Bytes in a Kubernetes quantity: ``"2Gi"`` -> 2147483648, ``"1G"`` -> 10**9.

    Fractions of a byte round up, as Kubernetes does. A malformed string raises ``ValueError``.
    """
    if not isinstance(value, str):
        raise ValueError(f"{field} must be {_QUANTITY_HINT}, got {type(value).__name__}: {value!r}")
    return math.ceil(_parse_quantity(field, value))


def cpu_to_cores(value: int | float | str) -> float:
    """Cores in a CPU quantity: ``2`` -> 2.0, ``"500m"`` -> 0.5, ``"1.5"`` -> 1.5."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(
            f"cpu must be a core count or a Kubernetes quantity string such as 1, 0.5 or '100m', "
            f"got {type(value).__name__}: {value!r}"
        )
    cores = float(_parse_quantity("cpu", value)) if isinstance(value, str) else float(value)
    if not math.isfinite(cores) or cores < 0:
        raise ValueError(f"cpu must be a finite number greater than or equal to 0, got {value!r}")
    return cores


@dataclass(frozen=True, slots=True, repr=False)
class Device:
    """One kind of accelerator and how many of it, as returned by :func:`GPU`, :func:`TPU`, ...

    ``device`` names the model (``"A100"``) and ``partition`` a slice of it (a MIG profile such
    as ``"1g.5gb"`` or a TPU topology such as ``"2x2"``). ``quantity`` must be at least 1.
    """

    quantity: int
    device_class: DeviceClass
    device: str | None = None
    partition: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or self.quantity < 1:
            raise ValueError(f"{self.device_class} quantity must be an int of at least 1, got {self.quantity!r}")
        if self.device_class not in get_args(DeviceClass):
            raise ValueError(f"Invalid device class {self.device_class!r}: must be one of {get_args(DeviceClass)}")

    def __repr__(self) -> str:
        extra = "".join(f", {name}={getattr(self, name)!r}" for name in ("device", "partition") if getattr(self, name))
        return f"Device({self.quantity}, {self.device_class!r}{extra})"


def _check_choice(kind: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"Invalid {kind} type: {value!r}. Must be one of {choices}")


def _canonical_gpu(name: str) -> str:
    canonical = _DEPRECATED_GPU_NAMES.get(name)
    if canonical is None:
        return name
    logger.warning("GPU type %r is deprecated, use %r instead.", name, canonical)
    return canonical


def GPU(device: GPUType, quantity: GPUQuantity, partition: str | None = None) -> Device:
    """``quantity`` NVIDIA GPUs of model ``device``, optionally a MIG ``partition`` of each."""
    name = _canonical_gpu(device)
    _check_choice("GPU", name, get_args(GPUType))
    allowed = _GPU_PARTITIONS.get(name)
    if partition is not None and allowed is not None and partition not in allowed:
        raise ValueError(f"Invalid partition for {name}: {partition!r}. Must be one of {allowed}")
    return Device(quantity=quantity, device_class="GPU", device=name, partition=partition)


def TPU(device: TPUType, partition: str | None = None) -> Device:
    """A Google TPU of model ``device``, optionally with a slice topology ``partition``."""
    _check_choice("TPU", device, get_args(TPUType))
    allowed = _TPU_PARTITIONS[device]
    if partition is not None and partition not in allowed:
        raise ValueError(f"Invalid partition for {device}: {partition!r}. Must be one of {allowed}")
    return Device(quantity=1, device_class="TPU", device=device, partition=partition)


def Neuron(device: NeuronType) -> Device:
    """An AWS Neuron accelerator (Inferentia or Trainium) of model ``device``."""
    _check_choice("Neuron", device, get_args(NeuronType))
    return Device(quantity=1, device_class="NEURON", device=device)


def AMD_GPU(device: AMD_GPUType) -> Device:
    """An AMD Instinct GPU of model ``device``."""
    _check_choice("AMD GPU", device, get_args(AMD_GPUType))
    return Device(quantity=1, device_class="AMD_GPU", device=device)


def HABANA_GAUDI(device: HABANA_GAUDIType) -> Device:
    """An Intel Habana Gaudi accelerator of model ``device``."""
    _check_choice("Habana Gaudi", device, get_args(HABANA_GAUDIType))
    return Device(quantity=1, device_class="HABANA_GAUDI", device=device)


def APPLE_SILICON() -> Device:
    """The Apple Silicon GPU of the machine the task runs on."""
    return Device(quantity=1, device_class="APPLE_SILICON", device="AppleSilicon")


_T = TypeVar("_T")
CPUQuantity = Union[int, float, str]
Quantity = Union[CPUQuantity, tuple[CPUQuantity, CPUQuantity]]


def _pair(field: str, value: _T | tuple[_T, _T]) -> tuple[_T, _T]:
    if isinstance(value, tuple):
        if len(value) != 2:
            raise ValueError(f"{field} tuple must have exactly two elements (request, limit), got {value!r}")
        return value[0], value[1]
    return value, value


def _parse_accelerator(spec: str) -> Device:
    name, colon, count = spec.rpartition(":")
    # Apple Silicon is the only accelerator that may be named without a count.
    name, count = (name, count) if colon else (spec, "1" if spec == "AppleSilicon" else "")
    name = _canonical_gpu(name)
    known = _ACCELERATOR_COUNTS.get(name)
    if known is None or not count.isdigit() or int(count) not in known[1]:
        raise ValueError(
            f"gpu must be '<device>:<count>' with a known device and count, such as 'A100:2', got {spec!r}. "
            f"Known devices and counts: "
            + "; ".join(f"{n}: {', '.join(map(str, counts))}" for n, (_, counts) in _ACCELERATOR_COUNTS.items())
        )
    return Device(quantity=int(count), device_class=known[0], device=name)


@dataclass
class Resources:
    """What a task asks of the machine it runs on.

    ``cpu`` is a core count or a quantity string (``2``, ``0.5``, ``"500m"``), ``memory``, ``disk``
    and ``shm`` are quantity strings (``"2Gi"``, ``"500Mi"``, ``"1G"``). ``cpu`` and ``memory`` also
    take a ``(request, limit)`` tuple. ``gpu`` is a count of GPUs, an accelerator string such as
    ``"A100:2"``, or a :class:`Device` from :func:`GPU`, :func:`TPU` and friends. ``shm="auto"``
    sizes shared memory to the node. Bad values raise ``ValueError`` naming them.
    """

    cpu: Quantity | None = None
    memory: str | tuple[str, str] | None = None
    gpu: str | int | Device | None = None
    disk: str | None = None
    shm: str | Literal["auto"] | None = None

    def __post_init__(self) -> None:
        if self.cpu is not None:
            cpu: tuple[CPUQuantity, CPUQuantity] = _pair("cpu", self.cpu)
            self._check_order("cpu", cpu_to_cores(cpu[0]), cpu_to_cores(cpu[1]))
        if self.memory is not None:
            memory: tuple[str, str] = _pair("memory", self.memory)
            self._check_order("memory", quantity_to_bytes(memory[0]), quantity_to_bytes(memory[1]))
        if self.disk is not None:
            quantity_to_bytes(self.disk, "disk")
        if self.shm is not None and self.shm != "auto":
            quantity_to_bytes(self.shm, "shm")
        self._check_gpu()

    def _check_order(self, field: str, request: float, limit: float) -> None:
        if request > limit:
            raise ValueError(f"{field} request must not exceed its limit, got {getattr(self, field)!r}")

    def _check_gpu(self) -> None:
        gpu = self.gpu
        if gpu is None or isinstance(gpu, Device):
            return
        if isinstance(gpu, str):
            device = _parse_accelerator(gpu)
            if ":" in gpu:  # later readers (and warnings) see the canonical name, not an alias
                self.gpu = f"{device.device}:{device.quantity}"
            return
        if isinstance(gpu, int) and not isinstance(gpu, bool):
            if gpu < 0:
                raise ValueError(f"gpu must be greater than or equal to 0, got {gpu}")
            return
        raise ValueError(
            "gpu must be an accelerator string such as 'A100:4', a device count, or a GPU()/TPU()/Device() "
            f"instance, got {type(gpu).__name__}: {gpu!r}"
        )

    def get_device(self) -> Device | None:
        """The accelerator asked for, as a :class:`Device`; ``None`` for no (or zero) GPUs."""
        if isinstance(self.gpu, Device):
            return self.gpu
        if isinstance(self.gpu, str):
            return _parse_accelerator(self.gpu)
        if self.gpu:
            return Device(quantity=self.gpu, device_class="GPU")
        return None

    def get_shared_memory(self) -> str | None:
        """The shared-memory size; ``""`` for ``"auto"`` (no fixed size), ``None`` when unset."""
        return "" if self.shm == "auto" else self.shm

    def cpu_cores(self, *, request: bool = False) -> float | None:
        """The CPU limit in cores (``"500m"`` -> 0.5); the request instead with ``request=True``."""
        if self.cpu is None:
            return None
        cpu: tuple[CPUQuantity, CPUQuantity] = _pair("cpu", self.cpu)
        return cpu_to_cores(cpu[0 if request else 1])

    def memory_bytes(self, *, request: bool = False) -> int | None:
        """The memory limit in bytes (``"2Gi"`` -> 2147483648); the request with ``request=True``."""
        if self.memory is None:
            return None
        memory: tuple[str, str] = _pair("memory", self.memory)
        return quantity_to_bytes(memory[0 if request else 1])
