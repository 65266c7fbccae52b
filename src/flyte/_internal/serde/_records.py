"""Transformers of record types with named, typed fields: dataclass, TypedDict, NamedTuple."""

from __future__ import annotations

import abc
import dataclasses
import threading
import typing
from collections.abc import Callable
from typing import Any

from ._base import (
    CONVERSION_ERRORS,
    TypeTransformer,
    TypeTransformerFailedError,
    mismatch,
    nested_error,
    refuse_pickled,
    type_text,
)
from ._hints import resolve_hints

Resolver = Callable[[Any], TypeTransformer[Any]]

# Records may refer to themselves (a tree node with a list of children). Their schemas are
# built under one lock with the records being described on a stack, so a record met again
# while describing itself is written as a reference instead of recursing forever.
_schema_lock = threading.RLock()
_describing: list[type] = []

_TYPEDDICT_QUALIFIERS = {"Required", "NotRequired", "ReadOnly"}


class RecordTransformer(TypeTransformer[Any]):
    """Shared machinery: fields resolved on first use, and a recursion-safe schema.

    Resolving lazily is what lets a record refer to itself: the engine caches the record's
    transformer before any field asks for it.
    """

    #: The family named in the schema: ``dataclass``, ``typeddict`` or ``namedtuple``.
    kind = "record"

    def __init__(self, record: type, resolve: Resolver) -> None:
        super().__init__(type_text(record), record)
        self._resolve = resolve
        self._fields: list[tuple[str, TypeTransformer[Any]]] | None = None
        self._schema: str | None = None

    @property
    def fields(self) -> list[tuple[str, TypeTransformer[Any]]]:
        """``(name, transformer)`` of each stored field, in declaration order."""
        if self._fields is None:
            self._fields = [(name, self._resolve(tp)) for name, tp in self._declared()]
        return self._fields

    @abc.abstractmethod
    def _declared(self) -> list[tuple[str, Any]]:
        """``(name, annotation)`` of the fields a literal stores."""

    def schema(self) -> str:
        """``<kind>:<name>{field:schema,...}``; a record inside itself is ``ref:<name>``."""
        # The cached text is the standalone one; inside another record's schema, references
        # to the records being described must be recomputed.
        if self._schema is not None and not _describing:
            return self._schema
        with _schema_lock:
            if self.python_type in _describing:
                return f"ref:{self.name}"
            outermost = not _describing
            _describing.append(self.python_type)
            try:
                text = f"{self.kind}:{self.name}{{{','.join(f'{n}:{t.schema()}' for n, t in self.fields)}}}"
            finally:
                _describing.pop()
            # Only the standalone text is the same wherever it is computed first.
            if outermost:
                self._schema = text
            return text


class DataclassTransformer(RecordTransformer):
    """A dataclass: a map of field name to literal, rebuilt through the constructor.

    Fields with ``init=False`` are stored too and set back after construction. A field
    missing from an older literal takes its default, and a field no longer declared is
    ignored, so a dataclass may gain and lose fields between runs.
    """

    kind = "dataclass"

    def __init__(self, record: type, resolve: Resolver) -> None:
        super().__init__(record, resolve)
        self._no_init = {f.name for f in dataclasses.fields(record) if not f.init}
        self._required = [
            f.name
            for f in dataclasses.fields(record)
            if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        ]

    def _declared(self) -> list[tuple[str, Any]]:
        hints = resolve_hints(self.python_type)
        return [(f.name, hints.get(f.name, Any)) for f in dataclasses.fields(self.python_type)]

    def to_literal(self, value: Any) -> Any:
        """``{field: literal}`` for every field that is set.

        A dict stands for the dataclass it describes (``{"query": "q"}`` for ``Query(query="q")``):
        its keys must be fields, the required ones present; the others take their defaults.
        """
        if isinstance(value, dict):
            return self._literal_of_mapping(value)
        if not isinstance(value, self.python_type):
            raise mismatch(self.name, value)
        out = {}
        for name, t in self.fields:
            try:
                item = getattr(value, name)
            except AttributeError:  # an init=False field without default that was never set
                continue
            try:
                out[name] = t.to_literal(item)
            except CONVERSION_ERRORS as e:
                raise nested_error(f".{name}", e) from None
        return out

    def _literal_of_mapping(self, value: dict[str, Any]) -> dict[str, Any]:
        transformers = dict(self.fields)
        unknown = sorted(k for k in value if k not in transformers or k in self._no_init)
        if unknown:
            raise TypeTransformerFailedError(f"{self.name} has no field(s) {unknown} to set")
        missing = [k for k in self._required if k not in value]
        if missing:
            raise TypeTransformerFailedError(f"{self.name} is missing the required field(s) {missing}")
        out = {}
        for name, item in value.items():
            try:
                out[name] = transformers[name].to_literal(item)
            except CONVERSION_ERRORS as e:
                raise nested_error(f".{name}", e) from None
        return out

    def to_python_value(self, literal: Any) -> Any:
        """The dataclass, built with its constructor."""
        refuse_pickled(self.name, literal)
        kwargs: dict[str, Any] = {}
        late: dict[str, Any] = {}
        for name, t in self.fields:
            if name in literal:
                (late if name in self._no_init else kwargs)[name] = t.to_python_value(literal[name])
        obj = self.python_type(**kwargs)
        for name, item in late.items():
            # object.__setattr__ also works on frozen dataclasses.
            object.__setattr__(obj, name, item)
        return obj


class TypedDictTransformer(RecordTransformer):
    """A ``TypedDict``: a map of its declared keys; required keys must be present."""

    kind = "typeddict"

    def __init__(self, record: type, resolve: Resolver) -> None:
        super().__init__(record, resolve)
        self._required: frozenset[str] | None = None

    def _declared(self) -> list[tuple[str, Any]]:
        hints = resolve_hints(self.python_type)
        # With string annotations, typing cannot see Required/NotRequired when it builds the
        # class, so __required_keys__ may be wrong; the resolved annotations settle it.
        required = set(getattr(self.python_type, "__required_keys__", hints))
        for key, tp in hints.items():
            while (qualifier := _qualifier(tp)) is not None:
                if qualifier == "NotRequired":
                    required.discard(key)
                elif qualifier == "Required":
                    required.add(key)
                tp = typing.get_args(tp)[0]
        self._required = frozenset(required)
        return [(k, _strip_qualifiers(tp)) for k, tp in hints.items()]

    def to_literal(self, value: Any) -> Any:
        """``{key: literal}`` for each key present."""
        if not isinstance(value, dict):
            raise mismatch(self.name, value)
        fields = self.fields
        missing = [k for k in self._required or () if k not in value]
        if missing:
            raise TypeTransformerFailedError(f"{self.name} is missing the required key(s) {sorted(missing)}")
        known = {k for k, _ in fields}
        extra = [k for k in value if k not in known]
        if extra:
            raise TypeTransformerFailedError(f"{self.name} has no key(s) {extra!r}")
        out = {}
        for key, t in fields:
            if key in value:
                try:
                    out[key] = t.to_literal(value[key])
                except CONVERSION_ERRORS as e:
                    raise nested_error(f"[{key!r}]", e) from None
        return out

    def to_python_value(self, literal: Any) -> Any:
        """The dict with each value rebuilt."""
        refuse_pickled(self.name, literal)
        return {key: t.to_python_value(literal[key]) for key, t in self.fields if key in literal}


class NamedTupleTransformer(RecordTransformer):
    """A ``NamedTuple``: an array of the fields' literals in order; missing trailing fields
    take their defaults when rebuilt."""

    kind = "namedtuple"

    def _declared(self) -> list[tuple[str, Any]]:
        hints = resolve_hints(self.python_type)
        return [(name, hints.get(name, Any)) for name in self.python_type._fields]

    def to_literal(self, value: Any) -> Any:
        """The list of the fields' literals."""
        if not isinstance(value, self.python_type):
            raise mismatch(self.name, value)
        out = []
        for (name, t), item in zip(self.fields, value, strict=True):
            try:
                out.append(t.to_literal(item))
            except CONVERSION_ERRORS as e:
                raise nested_error(f".{name}", e) from None
        return out

    def to_python_value(self, literal: Any) -> Any:
        """The named tuple; fields missing from an older, shorter literal take their defaults."""
        refuse_pickled(self.name, literal)
        items = zip(self.fields, literal, strict=False)
        return self.python_type(*(t.to_python_value(v) for (_, t), v in items))


def _qualifier(tp: Any) -> str | None:
    name = getattr(typing.get_origin(tp), "_name", None)
    return name if name in _TYPEDDICT_QUALIFIERS else None


def _strip_qualifiers(tp: Any) -> Any:
    while _qualifier(tp) is not None:
        tp = typing.get_args(tp)[0]
    return tp


def is_typeddict(tp: Any) -> bool:
    """Whether ``tp`` is a TypedDict class (from ``typing`` or ``typing_extensions``)."""
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__required_keys__")


def is_namedtuple(tp: Any) -> bool:
    """Whether ``tp`` is a ``NamedTuple`` or ``collections.namedtuple`` class."""
    return isinstance(tp, type) and issubclass(tp, tuple) and hasattr(tp, "_fields")
