"""Transformers of the scalar types msgpack stores natively: None, int, float, str, bool, bytes."""

from __future__ import annotations

import numbers
import operator
from typing import Any

from ._base import TypeTransformer, mismatch, refuse_pickled
from ._codec import INT_MAX, INT_MIN


def int_literal(value: int) -> Any:
    """``value`` itself, or its decimal text when msgpack cannot store it in 64 bits."""
    return value if INT_MIN <= value <= INT_MAX else str(value)


# ``_native_type`` on a transformer below: a value of exactly that type is its own literal (an
# int within 64 bits), which lets a list of them skip per-item conversion.


class NoneTransformer(TypeTransformer[None]):
    """``None``: the only value is ``None`` and its literal is ``None``."""

    passthrough = True

    def __init__(self) -> None:
        super().__init__("None", type(None))

    def to_literal(self, value: None) -> Any:
        """Returns ``None``; anything else is an error."""
        if value is not None:
            raise mismatch("None", value)
        return None

    def to_python_value(self, literal: Any) -> None:
        """Returns ``None``."""
        refuse_pickled("None", literal)
        return None

    def schema(self) -> str:
        """``"none"``."""
        return "none"


class IntTransformer(TypeTransformer[int]):
    """``int``: any integer, including ``bool`` and objects with ``__index__`` (numpy ints)."""

    # Not passed through: the value is converted (bool, numpy ints, int for float), so the
    # receiver must get the converted value, as it would in another process.
    passthrough = False
    _native_type = int

    def __init__(self) -> None:
        super().__init__("int", int)

    def to_literal(self, value: int) -> Any:
        """The integer itself, or its decimal text when it does not fit in 64 bits."""
        if type(value) is not int:
            try:
                value = operator.index(value)
            except TypeError:
                raise mismatch("int", value) from None
        return int_literal(value)

    def to_python_value(self, literal: Any) -> int:
        """The integer, parsing the decimal text of a big one."""
        if type(literal) is int:
            return literal
        refuse_pickled("int", literal)
        return int(literal)

    def schema(self) -> str:
        """``"int"``."""
        return "int"


class FloatTransformer(TypeTransformer[float]):
    """``float``: real numbers; an ``int`` is accepted and becomes a ``float``."""

    # Not passed through: the value is converted (bool, numpy ints, int for float), so the
    # receiver must get the converted value, as it would in another process.
    passthrough = False
    _native_type = float

    def __init__(self) -> None:
        super().__init__("float", float)

    def to_literal(self, value: float) -> Any:
        """The value as a 64-bit float."""
        if type(value) is float:
            return value
        if isinstance(value, numbers.Real):
            return float(value)
        raise mismatch("float", value)

    def to_python_value(self, literal: Any) -> float:
        """The float."""
        if type(literal) is float:
            return literal
        refuse_pickled("float", literal)
        return float(literal)

    def schema(self) -> str:
        """``"float"``."""
        return "float"


class StrTransformer(TypeTransformer[str]):
    """``str``: text, stored as a msgpack string."""

    passthrough = True
    _native_type = str

    def __init__(self) -> None:
        super().__init__("str", str)

    def to_literal(self, value: str) -> Any:
        """The text; a ``str`` subclass (a ``StrEnum`` member) becomes its plain text."""
        if type(value) is str:
            return value
        if isinstance(value, str):
            return str.__str__(value)
        raise mismatch("str", value)

    def to_python_value(self, literal: Any) -> str:
        """The text."""
        if type(literal) is not str:
            refuse_pickled("str", literal)
        return literal  # type: ignore[no-any-return]

    def schema(self) -> str:
        """``"str"``."""
        return "str"


class BoolTransformer(TypeTransformer[bool]):
    """``bool``: only ``True`` and ``False``; ``0`` and ``1`` are refused."""

    passthrough = True
    _native_type = bool

    def __init__(self) -> None:
        super().__init__("bool", bool)

    def to_literal(self, value: bool) -> Any:
        """The boolean."""
        if type(value) is not bool:
            raise mismatch("bool", value)
        return value

    def to_python_value(self, literal: Any) -> bool:
        """The boolean."""
        if type(literal) is bool:
            return literal
        refuse_pickled("bool", literal)
        return bool(literal)

    def schema(self) -> str:
        """``"bool"``."""
        return "bool"


class BytesTransformer(TypeTransformer[bytes]):
    """``bytes``: binary data; ``bytearray`` and ``memoryview`` are accepted and copied."""

    passthrough = True
    _native_type = bytes

    def __init__(self) -> None:
        super().__init__("bytes", bytes)

    def to_literal(self, value: bytes) -> Any:
        """The bytes."""
        if type(value) is bytes:
            return value
        if isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        raise mismatch("bytes", value)

    def to_python_value(self, literal: Any) -> bytes:
        """The bytes."""
        if type(literal) is bytes:
            return literal
        refuse_pickled("bytes", literal)
        return bytes(literal)

    def schema(self) -> str:
        """``"bytes"``."""
        return "bytes"
