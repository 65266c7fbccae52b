"""The fallbacks: ``Any`` (msgpack-native values as they are) and cloudpickle for the rest."""

from __future__ import annotations

import logging
import typing
from typing import Any

import msgpack

from ._base import TypeTransformer, TypeTransformerFailedError, describe, mismatch, type_text
from ._codec import INT_MAX, INT_MIN, PICKLE_EXT_CODE

logger = logging.getLogger("flyte")

_NATIVE_SCALARS = (str, bool, float, bytes, type(None))

# (reason, type) pairs already warned about: each is logged once per process.
_warned: set[tuple[str, Any]] = set()


def _warn_once(reason: str, tp: Any, message: str) -> None:
    key = (reason, tp)
    if key in _warned:
        return
    _warned.add(key)
    logger.warning(message, type_text(tp))


def pickle_value(value: Any) -> msgpack.ExtType:
    """Cloudpickles ``value`` into a msgpack extension value."""
    # Imported on first use: cloudpickle is heavy and most programs never need it.
    import cloudpickle

    try:
        data = cloudpickle.dumps(value)
    except Exception as e:  # pickling raises many types (PicklingError, TypeError, AttributeError)
        raise TypeTransformerFailedError(f"cannot pickle {describe(value)}: {e}") from e
    return msgpack.ExtType(PICKLE_EXT_CODE, data)


def unpickle_literal(literal: Any) -> Any:
    """Rebuilds a value pickled by :func:`pickle_value`.

    Unpickling runs whatever code the pickle names: only the transformers of types stored
    pickled call this, and readers without the task's code only when asked to.
    """
    if not isinstance(literal, msgpack.ExtType) or literal.code != PICKLE_EXT_CODE:
        raise TypeTransformerFailedError(f"expected a pickled value, got {describe(literal)}")
    import pickle

    return pickle.loads(literal.data)


def is_native(value: Any) -> bool:
    """Whether msgpack stores ``value`` and gives it back equal and of the same types.

    Tuples are not native (they come back as lists), nor are integers beyond 64 bits.
    """
    t = type(value)
    if t in _NATIVE_SCALARS:
        return True
    if t is int:
        return bool(INT_MIN <= value <= INT_MAX)
    if t is list:
        return all(is_native(v) for v in value)
    if t is dict:
        return all(_is_native_key(k) and is_native(v) for k, v in value.items())
    return False


def _is_native_key(key: Any) -> bool:
    t = type(key)
    return t in _NATIVE_SCALARS or (t is int and INT_MIN <= key <= INT_MAX)


class PickleTransformer(TypeTransformer[Any]):
    """A type no transformer handles: values are cloudpickled (``msgpack.ExtType(1, ...)``).

    Pickles tie the data to the Python and library versions that wrote them, so the first use
    of each such type logs a warning suggesting a registered transformer.
    """

    def __init__(self, python_type: Any) -> None:
        super().__init__(type_text(python_type), python_type)
        origin = typing.get_origin(python_type) or python_type
        self._check: type | None = origin if isinstance(origin, type) else None
        _warn_once(
            "declared",
            python_type,
            "flyte has no type transformer for %s: its values are pickled with cloudpickle, which "
            "ties them to this Python and its library versions. Register one with "
            "flyte.types.TypeEngine.register to store them portably.",
        )

    def to_literal(self, value: Any) -> Any:
        """The pickled value; it must be an instance of the declared class when that is a class."""
        if self._check is not None:
            try:
                fits = isinstance(value, self._check)
            except TypeError:  # a Protocol that is not runtime-checkable cannot be checked
                fits = True
            if not fits:
                raise mismatch(self.name, value)
        return pickle_value(value)

    def to_python_value(self, literal: Any) -> Any:
        """The unpickled value."""
        return unpickle_literal(literal)

    def schema(self) -> str:
        """``pickle:<type>``."""
        return f"pickle:{self.name}"


class AnyTransformer(TypeTransformer[Any]):
    """``Any`` and missing annotations: msgpack-native values as they are, others pickled.

    Native means ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes`` and lists and dicts
    of them; anything else (a tuple, a dataclass) is pickled whole, with a warning logged once
    per type suggesting an annotation.
    """

    def __init__(self) -> None:
        super().__init__("Any", Any)

    def to_literal(self, value: Any) -> Any:
        """``value`` itself when native, else its pickle."""
        if is_native(value):
            return value
        _warn_once(
            "any",
            type(value),
            "A %s value was given where the type is Any or not annotated: it is pickled with "
            "cloudpickle. Annotate the input or output with its type to store it portably.",
        )
        return pickle_value(value)

    def to_python_value(self, literal: Any) -> Any:
        """The literal, unpickled when it is a pickle."""
        if isinstance(literal, msgpack.ExtType):
            return unpickle_literal(literal)
        return literal

    def is_exact(self, value: Any) -> bool:
        """Never: in a union, ``Any`` takes only what no other variant takes."""
        return False

    def schema(self) -> str:
        """``"any"``."""
        return "any"
