"""Reading what the server stores: encoded inputs and outputs, and errors, as Python values.

With the task's code at hand, payloads are decoded with its interface, exactly as in the run.
Without it (a run fetched by name), literals are decoded generically: msgpack-native values
(numbers, strings, bytes, lists, dicts, None) come back as they are, so plain types read the
same; records come back as dicts of their fields, tuples as lists, and pickled values are
unpickled (or, when ``unpickle`` is false, shown as :class:`PickledValue` placeholders).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgpack

from flyte._internal.engine.error_mapping import error_from_record
from flyte._internal.engine.offload import from_stored
from flyte._internal.serde import unpack
from flyte._internal.serde._codec import PICKLE_EXT_CODE
from flyte._internal.serde._pickle import unpickle_literal
from flyte._run import ActionOutputs, _as_outputs, _returns_tuple

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte._task import AsyncFunctionTaskTemplate
    from flyte.errors import BaseRuntimeError

__all__ = ["PickledValue", "decode_inputs", "decode_literal", "decode_outputs", "error_from_info"]


class PickledValue:
    """A pickled value left as it is: reading it would need its classes (and trusting it)."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __repr__(self) -> str:
        return f"<pickled value, {self.size} bytes>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PickledValue) and other.size == self.size

    def __hash__(self) -> int:
        return hash(("PickledValue", self.size))


def decode_literal(literal: Any, *, unpickle: bool = True) -> Any:
    """A literal as a plain Python value, without knowing its type."""
    if isinstance(literal, msgpack.ExtType):
        if literal.code == PICKLE_EXT_CODE and unpickle:
            return unpickle_literal(literal)
        return PickledValue(len(literal.data))
    if isinstance(literal, list):
        return [decode_literal(item, unpickle=unpickle) for item in literal]
    if isinstance(literal, dict):
        return {key: decode_literal(value, unpickle=unpickle) for key, value in literal.items()}
    return literal


def decode_inputs(
    payload: bytes | None,
    task: AsyncFunctionTaskTemplate[Any, Any, Any] | None = None,
    *,
    unpickle: bool = True,
) -> dict[str, Any]:
    """The named inputs of a stored inputs payload (offloaded payloads are fetched)."""
    if payload is None:
        return {}
    blob = from_stored(payload)
    if task is not None:
        return task.interface.decode_inputs(blob)
    literals = unpack(blob)
    return {str(name): decode_literal(lit, unpickle=unpickle) for name, lit in literals.items()}


def decode_outputs(
    payload: bytes | None,
    task: AsyncFunctionTaskTemplate[Any, Any, Any] | None = None,
    *,
    unpickle: bool = True,
) -> ActionOutputs:
    """The outputs of a stored outputs payload, as local runs return them.

    With the task, a tuple result becomes several outputs; without it the result is one output
    (``o0``), since nothing tells a tuple from a list.
    """
    if payload is None:
        return ActionOutputs((None,))
    blob = from_stored(payload)
    if task is not None:
        return _as_outputs(task.interface.decode_output(blob), _returns_tuple(task))
    return ActionOutputs((decode_literal(unpack(blob), unpickle=unpickle),))


def error_from_info(info: wire.ErrorInfo) -> BaseRuntimeError:
    """The flyte error an action's stored error stands for, with its traceback."""
    return error_from_record(info.code, info.kind, info.message, info.traceback)
