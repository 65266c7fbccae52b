"""guess_interface: the interface of a task whose code is not at hand, from its literal types."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from typing import Any

from flyte._internal.serde import NativeInterface, TypeEngine
from flyte._internal.serde._base import CONVERSION_ERRORS


def _section(interface: Any, name: str) -> dict[str, str]:
    section = interface.get(name) if isinstance(interface, Mapping) else getattr(interface, name, None)
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise TypeError(f"the interface's {name} must map names to literal types, got {type(section).__name__}")
    return dict(section)


def _guess(literal_type: str) -> Any:
    try:
        return TypeEngine.guess_python_type(literal_type)
    except ValueError:
        return Any  # a type this process cannot rebuild: values come back as their literals


def guess_interface(
    interface: Mapping[str, Mapping[str, str]] | Any | None,
    default_inputs: Mapping[str, Any] | Iterable[str] | None = None,
) -> NativeInterface:
    """A :class:`~flyte.models.NativeInterface` with types guessed from literal types.

    ``interface`` has ``inputs`` and ``outputs`` (keys of a mapping, or attributes), each mapping
    names to literal types (:meth:`TypeEngine.to_literal_type` texts); a NativeInterface is
    read through its literal types, as a process without its code would. A type that cannot be
    rebuilt here becomes ``Any``. ``default_inputs`` names the inputs that have a default: as
    a mapping of name to literal, the default is decoded with the guessed type; as bare names
    (or when decoding fails), the input is marked ``NativeInterface.has_default``.
    """
    if interface is None:
        return NativeInterface.from_types({}, {})
    if isinstance(interface, NativeInterface):
        # What a process without the task's code would make of it: its literal types.
        if default_inputs is None:
            default_inputs = [n for n, (_, d) in interface.inputs.items() if d is not inspect.Parameter.empty]
        interface = {
            "inputs": {n: t.get_literal_type() for n, t in interface.input_transformers.items()},
            "outputs": {n: TypeEngine.to_literal_type(tp) for n, tp in interface.outputs.items()},
        }
    defaults: dict[str, Any] = {}
    if isinstance(default_inputs, Mapping):
        defaults = dict(default_inputs)
    elif default_inputs is not None:
        defaults = {name: NativeInterface.has_default for name in default_inputs}
    inputs: dict[str, tuple[Any, Any]] = {}
    for name, literal_type in _section(interface, "inputs").items():
        tp = _guess(literal_type)
        default: Any = inspect.Parameter.empty
        if name in defaults:
            default = NativeInterface.has_default
            literal = defaults[name]
            if literal is not NativeInterface.has_default:
                try:
                    default = TypeEngine.to_python_value(literal, tp)
                except CONVERSION_ERRORS:
                    default = NativeInterface.has_default  # the server still knows the value
        inputs[name] = (tp, default)
    outputs = {name: _guess(lt) for name, lt in _section(interface, "outputs").items()}
    return NativeInterface.from_types(inputs, outputs)
