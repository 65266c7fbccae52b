"""Transformers of the types with a fixed set of values: Enum and typing.Literal."""

from __future__ import annotations

import enum
import typing
from typing import Any

from ._base import TypeTransformer, TypeTransformerFailedError, describe, mismatch, refuse_pickled, type_text

# Literal types msgpack stores natively and that unpack to a hashable value.
_SCALARS = (type(None), bool, int, float, str, bytes)


class EnumTransformer(TypeTransformer[enum.Enum]):
    """An ``Enum`` class: a member is stored as its value.

    When a value is not a plain scalar (a tuple, an object) members are stored by name, since
    such values would not survive msgpack unchanged.
    """

    passthrough = True

    def __init__(self, enum_type: type[enum.Enum]) -> None:
        super().__init__(type_text(enum_type), enum_type)
        self._enum = enum_type
        self._by_value = all(type(m.value) in _SCALARS for m in enum_type)

    def to_literal(self, value: enum.Enum) -> Any:
        """The member's value (or name); a raw value instead of a member is refused."""
        if not isinstance(value, self._enum):
            raise mismatch(f"a member of {self.name}", value)
        return value.value if self._by_value else value.name

    def to_python_value(self, literal: Any) -> enum.Enum:
        """The member with that value (or name)."""
        refuse_pickled(self.name, literal)
        try:
            return self._enum(literal) if self._by_value else self._enum[literal]
        except (ValueError, KeyError):
            raise TypeTransformerFailedError(f"{literal!r} is not a member of {self.name}") from None

    def schema(self) -> str:
        """The enum's name and its members' values (or names)."""
        keys = [repr(m.value) if self._by_value else m.name for m in self._enum]
        return f"enum:{self.name}({','.join(keys)})"


class LiteralTransformer(TypeTransformer[Any]):
    """``typing.Literal[...]``: the value itself; an Enum member is stored as its value.

    Should two allowed values share a literal, every value is stored as its position in the
    Literal instead, so none is mistaken for another.

    A Literal whose values are of several types (``Literal[Color.RED, "medium", 3]``) is checked
    by type only, through ``loose``, the transformer of the union of those types: the flyte SDK
    accepts any value of those types there, and existing code passes such values.
    """

    passthrough = True

    def __init__(self, literal_type: Any, loose: TypeTransformer[Any] | None = None) -> None:
        super().__init__(type_text(literal_type), literal_type)
        self._loose = loose
        self._values: tuple[Any, ...] = typing.get_args(literal_type)
        lits = [v.value if isinstance(v, enum.Enum) else v for v in self._values]
        if len({(type(x), x) for x in lits}) < len(lits) or not all(type(x) in _SCALARS for x in lits):
            lits = list(range(len(self._values)))
        self._lits = lits
        # Keyed by type as well as value: True == 1, but Literal[1] must refuse True.
        self._index = {(type(v), v): i for i, v in enumerate(self._values)}
        self._by_lit = {(type(x), x): i for i, x in enumerate(lits)}

    def _position(self, value: Any) -> int | None:
        try:
            return self._index.get((type(value), value))
        except TypeError:  # an unhashable value cannot be one of the allowed values
            return None

    def to_literal(self, value: Any) -> Any:
        """The literal of the allowed value equal to ``value``."""
        if self._loose is not None:
            return self._loose.to_literal(value)
        i = self._position(value)
        if i is None:
            allowed = ", ".join(repr(v) for v in self._values)
            raise TypeTransformerFailedError(f"expected one of {allowed}, got {describe(value)}")
        return self._lits[i]

    def to_python_value(self, literal: Any) -> Any:
        """The allowed value whose literal this is."""
        refuse_pickled(self.name, literal)
        if self._loose is not None:
            return self._loose.to_python_value(literal)
        i = self._by_lit.get((type(literal), literal))
        if i is None:
            raise TypeTransformerFailedError(f"{literal!r} is not a value of {self.name}")
        return self._values[i]

    def is_exact(self, value: Any) -> bool:
        """Whether ``value`` is one of the allowed values (of one of their types, for a mixed Literal)."""
        if self._loose is not None:
            return self._loose.is_exact(value)
        return self._position(value) is not None

    def schema(self) -> str:
        """The allowed values."""
        return f"literal[{','.join(repr(v) for v in self._values)}]"
