"""The flyte SDK's TypeEngine conveniences, on flyte's literals (msgpack-able Python values).

Each function here backs a :class:`TypeEngine` classmethod of the same name; they are
synchronous, like the rest of flyte's type engine. The forms are:

* a *literal type* is the :meth:`TypeTransformer.schema` text of a type (``"list[int]"``);
* a *literal map* is a dict of name to literal, or the msgpack bytes of one (as a task's
  encoded inputs are);
* an *offloaded literal* is the reference flyte stores in place of a large payload.
"""

from __future__ import annotations

import collections.abc as cabc
import enum
import types
import typing
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import msgpack

from ._base import CONVERSION_ERRORS, TypeTransformerFailedError, describe, type_text
from ._codec import pack, unpack
from ._pickle import FlytePickle

if TYPE_CHECKING:
    from ._engine import TypeEngine

_NONE_TYPES = (None, type(None), Any, object)


def admits_none(tp: Any) -> bool:
    """Whether ``None`` is a value of ``tp``: ``None``, ``Any``, ``Optional[...]``, a Literal with None."""
    if tp in _NONE_TYPES:
        return True
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return admits_none(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType or origin is typing.Literal:
        return any(a is None or admits_none(a) for a in typing.get_args(tp))
    return False


def takes_tuple(tp: Any) -> bool:
    """Whether a tuple may be a value of ``tp``: a tuple type, a Sequence, ``Any``, a pickle marker,
    or a Union with one of those."""
    if tp in (Any, object):
        return True
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return takes_tuple(typing.get_args(tp)[0])
    if origin is typing.Union or origin is types.UnionType:
        return any(takes_tuple(a) for a in typing.get_args(tp))
    cls = origin or tp
    return isinstance(cls, type) and (issubclass(cls, (tuple, FlytePickle)) or cls is cabc.Sequence)


def to_literal_checks(python_val: Any, python_type: Any, expected: Any = None) -> None:
    """Raises :class:`TypeTransformerFailedError` for values no task input or output may hold.

    A tuple needs a tuple type (``tuple[int, str]``, a NamedTuple, ``Any``...), and ``None`` a
    type that admits it. ``expected`` (a literal type) is accepted for the flyte SDK's signature.
    """
    if isinstance(python_val, tuple) and not takes_tuple(python_type):
        raise TypeTransformerFailedError(
            f"a tuple was given where the type is {type_text(python_type)}: declare a typed tuple "
            "such as tuple[int, str], or a NamedTuple"
        )
    if python_val is None and not admits_none(python_type):
        raise TypeTransformerFailedError(f"None was given where the type is {type_text(python_type)}")


def as_literal_map(lm: Mapping[str, Any] | bytes | None) -> dict[str, Any]:
    """A literal map as a dict: msgpack bytes are unpacked, None is empty."""
    if lm is None:
        return {}
    if isinstance(lm, (bytes, bytearray, memoryview)):
        lm = unpack(bytes(lm))
    if not isinstance(lm, Mapping):
        raise TypeError(f"expected a literal map (a dict or its msgpack bytes), got {describe(lm)}")
    return dict(lm)


def literal_map_to_kwargs(
    engine: type[TypeEngine],
    lm: Mapping[str, Any] | bytes,
    python_types: Mapping[str, Any] | None = None,
    literal_types: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Python values of a literal map, each decoded with its type.

    The types are ``python_types``, or guessed from ``literal_types``; one must be given.
    """
    if python_types is None and literal_types is None:
        raise ValueError("literal_map_to_kwargs needs python_types or literal_types")
    if literal_types:
        types_ = {name: engine.guess_python_type(lt) for name, lt in literal_types.items()}
    else:
        types_ = dict(python_types or {})
    literals = as_literal_map(lm)
    if not types_:
        return {}
    if len(literals) > len(types_):
        raise ValueError(f"received {len(literals)} input values but the interface declares {len(types_)}")
    kwargs = {}
    for name, literal in literals.items():
        if name not in types_:
            raise ValueError(f"received an input '{name}' the interface does not declare")
        try:
            kwargs[name] = engine.to_python_value(literal, types_[name])
        except CONVERSION_ERRORS as e:
            raise TypeTransformerFailedError(f"cannot convert input '{name}' to {type_text(types_[name])}: {e}") from e
    return kwargs


def dict_to_literal_map(
    engine: type[TypeEngine], d: Mapping[str, Any], type_hints: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The literal of each value of ``d``: typed by ``type_hints``, else by its own class."""
    hints = type_hints or {}
    out = {}
    for name, value in d.items():
        tp = hints.get(name, type(value))
        try:
            out[name] = engine.to_literal(value, tp)
        except CONVERSION_ERRORS as e:
            raise TypeError(
                f"type conversion failed for variable '{name}': expected {type_text(tp)}, got {describe(value)}: {e}"
            ) from e
    return out


def named_tuple_to_variable_map(engine: type[TypeEngine], t: Any) -> dict[str, str]:
    """``field -> literal type`` of a NamedTuple class, in field order."""
    hints = typing.get_type_hints(t)
    fields: Iterable[str] = getattr(t, "_fields", hints)
    return {name: engine.to_literal_type(hints.get(name, Any)) for name in fields}


def unwrap_offloaded_literal(lv: Any) -> Any:
    """The literal behind an offload reference (fetched from the blob store); others unchanged.

    ``lv`` may be a literal or the stored msgpack bytes of one.
    """
    from flyte._internal.model.offload import from_stored

    stored = lv if isinstance(lv, bytes) else (pack(lv) if isinstance(lv, msgpack.ExtType) else None)
    if stored is None:
        return lv
    payload = from_stored(stored)
    if payload is stored and not isinstance(lv, bytes):
        return lv  # an extension value that is not a reference
    return unpack(payload)


def readable(literal: Any) -> Any:
    """A JSON-friendly rendering of a literal: pickles and bytes are summarised, enums valued."""
    if isinstance(literal, msgpack.ExtType):
        from ._codec import PICKLE_EXT_CODE

        if literal.code == PICKLE_EXT_CODE:
            return f"<pickled value, {len(literal.data)} bytes>"
        return f"<extension value {literal.code}, {len(literal.data)} bytes>"
    if isinstance(literal, (bytes, bytearray)):
        return f"<{len(literal)} bytes>"
    if isinstance(literal, enum.Enum):
        return literal.value
    if isinstance(literal, dict):
        if set(literal) >= {"path", "format", "hash"} and isinstance(literal.get("path"), str):
            return literal["path"]  # a File or Dir: its location says it best
        return {str(k): readable(v) for k, v in literal.items()}
    if isinstance(literal, (list, tuple)):
        return [readable(v) for v in literal]
    return literal
