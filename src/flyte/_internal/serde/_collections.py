"""Transformers of the built-in containers: list, set, dict and tuple."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._base import (
    CONVERSION_ERRORS,
    TypeTransformer,
    TypeTransformerFailedError,
    locate_failure,
    mismatch,
    nested_error,
    refuse_pickled,
    type_text,
)
from ._codec import INT_MAX, INT_MIN, pack


def _fit(ints: list[int]) -> bool:
    # Whether msgpack can store every int as it is.
    return not ints or (min(ints) >= INT_MIN and max(ints) <= INT_MAX)


class ListTransformer(TypeTransformer[list[Any]]):
    """``list[T]`` (and ``Sequence[T]``, which also takes tuples): an array of the items' literals."""

    def __init__(self, python_type: Any, item: TypeTransformer[Any], accepts: tuple[type, ...] = (list,)) -> None:
        super().__init__(type_text(python_type), python_type)
        self._item = item
        self._accepts = accepts
        self._native: type | None = getattr(item, "_native_type", None)

    def to_literal(self, value: list[Any]) -> Any:
        """The list of the items' literals."""
        if not isinstance(value, self._accepts):
            raise mismatch(self.name, value)
        native = self._native
        # Large lists of plain scalars are common task inputs; checking them in bulk is
        # several times faster than converting them one by one.
        if native is not None and set(map(type, value)) <= {native} and (native is not int or _fit(value)):
            return list(value)
        convert = self._item.to_literal
        try:
            return [convert(v) for v in value]
        except CONVERSION_ERRORS as e:
            raise locate_failure(convert, ((f"[{i}]", v) for i, v in enumerate(value)), e) from None

    def to_python_value(self, literal: Any) -> list[Any]:
        """The list of the items rebuilt."""
        refuse_pickled(self.name, literal)
        convert = self._item.to_python_value
        return [convert(v) for v in literal]

    def schema(self) -> str:
        """``list[<item>]``."""
        return f"list[{self._item.schema()}]"


class SetTransformer(TypeTransformer[Any]):
    """``set[T]`` and ``frozenset[T]``: an array of the items' literals in a canonical order.

    Iteration order of a set of strings changes from one process to the next (string hashing
    is randomised), so the literals are sorted by their encoding: the same set always gives the
    same bytes and the same inputs hash.
    """

    def __init__(self, python_type: Any, item: TypeTransformer[Any], frozen: bool) -> None:
        super().__init__(type_text(python_type), python_type)
        self._item = item
        self._frozen = frozen
        self.passthrough = frozen and item.passthrough

    def to_literal(self, value: Any) -> Any:
        """The sorted list of the items' literals."""
        if not isinstance(value, (set, frozenset)):
            raise mismatch(self.name, value)
        convert = self._item.to_literal
        try:
            lits = [convert(v) for v in value]
        except CONVERSION_ERRORS as e:
            raise locate_failure(convert, ((f"{{{v!r}}}", v) for v in value), e) from None
        lits.sort(key=pack)
        return lits

    def to_python_value(self, literal: Any) -> Any:
        """The set (or frozenset) of the items rebuilt."""
        refuse_pickled(self.name, literal)
        convert = self._item.to_python_value
        items = [convert(v) for v in literal]
        return frozenset(items) if self._frozen else set(items)

    def schema(self) -> str:
        """``set[<item>]`` or ``frozenset[<item>]``."""
        return f"{'frozenset' if self._frozen else 'set'}[{self._item.schema()}]"


class DictTransformer(TypeTransformer[dict[Any, Any]]):
    """``dict[K, V]``: a msgpack map when every key's literal is text, else ``[key, value]`` pairs.

    Pairs keep keys whose literal is an array (tuples) or a pickled value usable. Entries keep
    their insertion order: it is part of the value users see, and a dict built the same way
    always encodes the same.
    """

    def __init__(self, python_type: Any, key: TypeTransformer[Any], value: TypeTransformer[Any]) -> None:
        super().__init__(type_text(python_type), python_type)
        self._key = key
        self._value = value

    def to_literal(self, value: dict[Any, Any]) -> Any:
        """A map (or a list of pairs) of the keys' and values' literals."""
        if not isinstance(value, (dict, Mapping)):
            raise mismatch(self.name, value)
        kconv = self._key.to_literal
        vconv = self._value.to_literal
        try:
            pairs = [(kconv(k), vconv(v)) for k, v in value.items()]
        except CONVERSION_ERRORS as e:
            raise self._locate(value, e) from None
        if all(type(k) is str for k, _ in pairs):
            return dict(pairs)
        return [[k, v] for k, v in pairs]

    def _locate(self, value: Mapping[Any, Any], err: Exception) -> Exception:
        for k, v in value.items():
            for segment, convert, item in ((f"[key {k!r}]", self._key, k), (f"[{k!r}]", self._value, v)):
                try:
                    convert.to_literal(item)
                except CONVERSION_ERRORS as e:
                    return nested_error(segment, e)
        return nested_error("", err)

    def to_python_value(self, literal: Any) -> dict[Any, Any]:
        """The dict rebuilt from a map or from pairs."""
        refuse_pickled(self.name, literal)
        kconv = self._key.to_python_value
        vconv = self._value.to_python_value
        pairs = literal.items() if isinstance(literal, dict) else literal
        return {kconv(k): vconv(v) for k, v in pairs}

    def schema(self) -> str:
        """``dict[<key>,<value>]``."""
        return f"dict[{self._key.schema()},{self._value.schema()}]"


class TupleTransformer(TypeTransformer[tuple[Any, ...]]):
    """``tuple[A, B]`` (one type per position) and ``tuple[T, ...]``: an array of literals."""

    def __init__(self, python_type: Any, items: list[TypeTransformer[Any]], variadic: bool) -> None:
        super().__init__(type_text(python_type), python_type)
        self._items = items
        self._variadic = variadic
        self.passthrough = all(t.passthrough for t in items)

    def to_literal(self, value: tuple[Any, ...]) -> Any:
        """The list of the items' literals; a fixed tuple must have the declared length."""
        if not isinstance(value, tuple):
            raise mismatch(self.name, value)
        if self._variadic:
            convert = self._items[0].to_literal
            try:
                return [convert(v) for v in value]
            except CONVERSION_ERRORS as e:
                raise locate_failure(convert, ((f"[{i}]", v) for i, v in enumerate(value)), e) from None
        if len(value) != len(self._items):
            raise TypeTransformerFailedError(
                f"expected {self.name} of {len(self._items)} items, got a tuple of {len(value)} items"
            )
        lits = []
        for i, (t, v) in enumerate(zip(self._items, value, strict=True)):
            try:
                lits.append(t.to_literal(v))
            except CONVERSION_ERRORS as e:
                raise nested_error(f"[{i}]", e) from None
        return lits

    def to_python_value(self, literal: Any) -> tuple[Any, ...]:
        """The tuple of the items rebuilt."""
        refuse_pickled(self.name, literal)
        if self._variadic:
            convert = self._items[0].to_python_value
            return tuple(convert(v) for v in literal)
        return tuple(t.to_python_value(v) for t, v in zip(self._items, literal, strict=True))

    def schema(self) -> str:
        """``tuple[<a>,<b>]`` or ``tuple[<item>,...]``."""
        if self._variadic:
            return f"tuple[{self._items[0].schema()},...]"
        return f"tuple[{','.join(t.schema() for t in self._items)}]"
