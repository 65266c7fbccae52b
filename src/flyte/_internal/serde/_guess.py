"""Reading literal types back into Python types: what a task's interface looks like without its code.

A literal type is the :meth:`TypeTransformer.schema` text of a type (``"int"``,
``"list[dict[str,float]]"``, ``"dataclass:Point{x:float,y:float}"``). Built-in forms are parsed
here; records come back as new classes of the same shape (dataclasses, TypedDicts, NamedTuples),
enums as new Enums of the same values, and pickled types as :class:`FlytePickle`.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import enum
import re
import typing
from collections.abc import Callable
from typing import Any, NamedTuple, TypedDict

from ._pickle import FlytePickle

_NAMED: dict[str, Any] = {
    "none": type(None),
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "bytes": bytes,
    "any": Any,
    "datetime": dt.datetime,
    "date": dt.date,
    "time": dt.time,
    "timedelta": dt.timedelta,
}
_ENUM_REPR = re.compile(r"^<[\w.]+: (.*)>$", re.DOTALL)
# Subscripted with types computed at run time, which static checkers cannot follow.
_TUPLE: Any = tuple
_LITERAL: Any = typing.Literal
_UNION: Any = typing.Union
_LIST: Any = list
_SET: Any = set
_FROZENSET: Any = frozenset
_DICT: Any = dict
_OPEN = "[{("
_CLOSE = "]})"


def split_top(text: str, sep: str = ",") -> list[str]:
    """Splits ``text`` on ``sep`` outside brackets and quoted strings; empty text gives ``[]``."""
    if not text:
        return []
    parts: list[str] = []
    depth = 0
    quote = ""
    start = 0
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return parts


def _inside(text: str, prefix: str, close: str) -> str | None:
    """The text between ``prefix`` and a final ``close``, or None when ``text`` is not of that form."""
    if text.startswith(prefix) and text.endswith(close):
        return text[len(prefix) : -1]
    return None


def parse_literal_type(text: str, registered: Callable[[str], Any | None]) -> Any:
    """The Python type of the literal type ``text``.

    ``registered`` is asked first (it returns the type of a registered transformer whose schema
    is ``text``, or None). Raises :class:`ValueError` for a text no rule reads.
    """
    found = registered(text)
    if found is not None:
        return found
    if text in _NAMED:
        return _NAMED[text]

    def parse(part: str) -> Any:
        return parse_literal_type(part, registered)

    for prefix, build in _GENERICS.items():
        body = _inside(text, prefix + "[", "]")
        if body is not None:
            args = [parse(p) for p in split_top(body)]
            if not args or (prefix != "union" and len(args) != (2 if prefix == "dict" else 1)):
                raise ValueError(f"wrong number of types in {text!r}")
            return build(args)
    body = _inside(text, "tuple[", "]")
    if body is not None:
        parts = split_top(body)
        if len(parts) == 2 and parts[1] == "...":
            return _TUPLE[parse(parts[0]), ...]
        return _TUPLE[tuple(parse(p) for p in parts)] if parts else tuple[()]
    body = _inside(text, "literal[", "]")
    if body is not None:
        try:
            values = tuple(_literal_value(p) for p in split_top(body))
        except (ValueError, SyntaxError):
            raise ValueError(f"cannot read the values of {text!r}") from None
        return _LITERAL[values]
    if text.startswith("pickle:"):
        return FlytePickle
    if text.startswith("enum:"):
        return _enum(text)
    for kind, build_record in _RECORDS.items():
        if text.startswith(kind + ":") and text.endswith("}"):
            name, _, fields = text[len(kind) + 1 : -1].partition("{")
            hints = {}
            for field in split_top(fields):
                field_name, _, field_type = field.partition(":")
                hints[field_name] = Any if field_type.startswith("ref:") else parse(field_type)
            return build_record(name, hints)
    raise ValueError(f"no transformer reads the literal type {text!r}")


def _literal_value(text: str) -> Any:
    # An Enum member reads "<Color.RED: 'red'>": its literal is its value, so the value stands in.
    member = _ENUM_REPR.match(text)
    return ast.literal_eval(member.group(1) if member else text)


def _union(args: list[Any]) -> Any:
    return _UNION[tuple(args)]


def _pair(args: list[Any]) -> Any:
    if len(args) != 2:
        raise ValueError(f"a dict literal type has a key and a value type, got {len(args)} types")
    return _DICT[args[0], args[1]]


_GENERICS: dict[str, Callable[[list[Any]], Any]] = {
    "list": lambda a: _LIST[a[0]],
    "set": lambda a: _SET[a[0]],
    "frozenset": lambda a: _FROZENSET[a[0]],
    "dict": _pair,
    "union": _union,
}


def _enum(text: str) -> Any:
    name, _, rest = text[len("enum:") :].partition("(")
    keys = split_top(rest[:-1]) if rest.endswith(")") else []
    members: dict[str, Any] = {}
    for key in keys:
        try:
            value = ast.literal_eval(key)
        except (ValueError, SyntaxError):  # members stored by name: the name is the value
            value = key
        members[str(value)] = value
    if not members:
        raise ValueError(f"cannot read the members of {text!r}")
    return enum.Enum(_identifier(name), members)


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name.rpartition(".")[2])
    return cleaned if cleaned.isidentifier() else f"Guessed_{cleaned}"


def _dataclass(name: str, hints: dict[str, Any]) -> Any:
    return dataclasses.make_dataclass(_identifier(name), list(hints.items()))


def _typeddict(name: str, hints: dict[str, Any]) -> Any:
    return TypedDict(_identifier(name), hints)  # type: ignore[operator]


def _namedtuple(name: str, hints: dict[str, Any]) -> Any:
    return NamedTuple(_identifier(name), list(hints.items()))


_RECORDS: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "dataclass": _dataclass,
    "typeddict": _typeddict,
    "namedtuple": _namedtuple,
}
