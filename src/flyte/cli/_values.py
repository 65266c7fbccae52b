"""Values given on the command line, turned into the Python types of a task's inputs.

- ``str``, ``int``, ``float`` as themselves; ``bool`` as true/false (options use flag pairs);
- ``datetime`` and ``date`` in ISO 8601 (``2024-05-01T12:00:00``, ``2024-05-01``);
- ``timedelta`` as seconds (``90``, ``1.5``) or amounts with units (``1h30m``, ``2d``, ``250ms``);
- an ``Enum`` by member name or value; a ``Literal`` by value;
- lists, dicts, tuples, sets, dataclasses and pydantic models as JSON, checked against the type
  and turned into it (nested dataclasses and models included);
- ``Optional[T]`` as ``T`` with ``None`` as default.

A value that does not fit raises :class:`ValueProblem` saying why, with its place inside JSON.
No click here: these functions are plain parsers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import re
import sys
import types
import typing
from collections import abc
from pathlib import Path
from typing import Any

__all__ = [
    "ValueProblem",
    "field_types",
    "format_duration",
    "from_json",
    "is_json_type",
    "is_pydantic_model",
    "non_none",
    "parse_duration",
    "parse_text",
    "type_text",
]

_NONE = type(None)
_UNION_ORIGINS: tuple[Any, ...] = (typing.Union, types.UnionType)
_LIST_ORIGINS: tuple[Any, ...] = (list, set, frozenset, abc.Sequence, abc.MutableSequence, abc.Set)
_DICT_ORIGINS: tuple[Any, ...] = (dict, abc.Mapping, abc.MutableMapping)
_JSON_SCALARS: dict[Any, tuple[type | tuple[type, ...], str]] = {
    bool: (bool, "true or false"),
    int: (int, "an integer"),
    float: ((int, float), "a number"),
    str: (str, "a string"),
}
_DURATION_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|d|h|m|s)")


class ValueProblem(ValueError):
    """A value that does not fit its type; the message says why (and where, inside JSON)."""


def _problem(where: str, message: str) -> ValueProblem:
    return ValueProblem(f"at {where}: {message}" if where else message)


def non_none(tp: Any) -> tuple[Any, bool]:
    """``(T, True)`` for ``Optional[T]``, else ``(tp, False)``; ``Annotated`` extras dropped."""
    tp = _bare(tp)
    if typing.get_origin(tp) in _UNION_ORIGINS:
        args = typing.get_args(tp)
        rest = [a for a in args if a is not _NONE]
        if len(rest) < len(args):
            return (_bare(rest[0]) if len(rest) == 1 else typing.Union[tuple(rest)]), True
    return tp, False


def _bare(tp: Any) -> Any:
    return typing.get_args(tp)[0] if typing.get_origin(tp) is typing.Annotated else tp


def is_pydantic_model(tp: Any) -> bool:
    """Whether ``tp`` is a pydantic model class."""
    # A model's module imported pydantic already; never import it just to ask.
    pydantic = sys.modules.get("pydantic")
    return pydantic is not None and isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def is_json_type(tp: Any) -> bool:
    """Whether values of ``tp`` are given as JSON on the command line."""
    origin = typing.get_origin(tp) or tp
    return (
        tp is Any
        or origin in (*_LIST_ORIGINS, *_DICT_ORIGINS, tuple)
        or dataclasses.is_dataclass(tp)
        or is_pydantic_model(tp)
    )


def type_text(tp: Any) -> str:
    """A short, readable name of a type: ``int``, ``list[int]``, ``Point``, ``Optional[str]``."""
    if tp is Any:
        return "Any"
    if tp is None or tp is _NONE:
        return "None"
    tp, optional = non_none(tp)
    if optional:
        return f"Optional[{type_text(tp)}]"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in _UNION_ORIGINS:
        return " | ".join(type_text(a) for a in args)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in args)}]"
    if origin is not None:
        inside = ", ".join("..." if a is Ellipsis else type_text(a) for a in args)
        return f"{getattr(origin, '__name__', repr(origin))}[{inside}]"
    return str(getattr(tp, "__name__", repr(tp)))


def parse_duration(text: str) -> dt.timedelta:
    """Seconds (``90``, ``1.5``) or amounts with units ``d h m s ms`` (``1h30m``, ``2d``)."""
    compact = text.strip().lower().replace(" ", "")
    try:
        return dt.timedelta(seconds=float(compact))
    except ValueError:
        pass
    if compact and _DURATION_PART.sub("", compact) == "":
        return dt.timedelta(seconds=sum(float(n) * _DURATION_UNITS[u] for n, u in _DURATION_PART.findall(compact)))
    raise ValueProblem(f"{text!r} is not a duration (give seconds, or e.g. 1h30m, 2d, 45s, 250ms)")


def format_duration(value: dt.timedelta) -> str:
    """``value`` in the compact form :func:`parse_duration` reads: ``1h30m``, ``2d``, ``0.25s``."""
    seconds = value.total_seconds()
    parts = []
    for unit in ("d", "h", "m"):
        amount, seconds = divmod(seconds, _DURATION_UNITS[unit])
        if amount:
            parts.append(f"{int(amount)}{unit}")
    if seconds or not parts:
        parts.append(f"{seconds:g}s")
    return "".join(parts)


def _parse_datetime(text: str) -> dt.datetime:
    try:
        # Python 3.10's parser does not take the common "Z" suffix for UTC.
        return dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueProblem(f"{text!r} is not an ISO 8601 date-time (e.g. 2024-05-01T12:00:00)") from None


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise ValueProblem(f"{text!r} is not an ISO 8601 date (e.g. 2024-05-01)") from None


def _enum_member(tp: type[enum.Enum], value: Any) -> enum.Enum:
    for member in tp:
        if value == member.name or value == member.value or str(value) == str(member.value):
            return member
    names = ", ".join(m.name for m in tp)
    raise ValueProblem(f"{value!r} is not a {tp.__name__} (one of {names}, by name or value)")


def _literal_member(tp: Any, value: Any) -> Any:
    for choice in typing.get_args(tp):
        if value == choice or (isinstance(value, str) and value == str(choice)):
            return choice
    raise ValueProblem(f"{value!r} is not one of {', '.join(repr(c) for c in typing.get_args(tp))}")


def parse_text(text: str, tp: Any) -> Any:
    """Turns the command-line text of a value into ``tp``; raises :class:`ValueProblem`."""
    inner, optional = non_none(tp)
    if optional and text.strip().lower() in ("none", "null"):
        return None
    tp = inner
    origin = typing.get_origin(tp)
    if origin in _UNION_ORIGINS:
        return _first_fit(typing.get_args(tp), lambda member: parse_text(text, member), text, tp)
    if origin is typing.Literal:
        return _literal_member(tp, text)
    if tp is str:
        return text
    if tp is bool:
        lowered = text.strip().lower()
        if lowered in ("true", "1", "yes", "on", "false", "0", "no", "off"):
            return lowered in ("true", "1", "yes", "on")
        raise ValueProblem(f"{text!r} is not a boolean (true or false)")
    if tp is int:
        try:
            return int(text)
        except ValueError:
            raise ValueProblem(f"{text!r} is not an integer") from None
    if tp is float:
        try:
            return float(text)
        except ValueError:
            raise ValueProblem(f"{text!r} is not a number") from None
    if tp is dt.datetime:
        return _parse_datetime(text)
    if tp is dt.date:
        return _parse_date(text)
    if tp is dt.timedelta:
        return parse_duration(text)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_member(tp, text)
    data_ref = _data_reference(text, tp)
    if data_ref is not None:
        return data_ref
    if is_json_type(tp):
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError as e:
            if tp is Any:
                return text
            raise ValueProblem(f"not valid JSON ({e.msg} at column {e.colno})") from None
        return from_json(decoded, tp)
    raise ValueProblem(f"values of type {type_text(tp)} cannot be given on the command line")


def _data_reference(text: str, tp: Any) -> Any:
    """A File, Dir or DataFrame input given as a local path or a store URI; None for other types."""
    io = sys.modules.get("flyte.io")
    if io is None or not isinstance(tp, type) or not issubclass(tp, (io.File, io.Dir, io.DataFrame)):
        return None
    remote = "://" in text and not text.startswith("file://")
    ref: Any = tp
    try:
        if issubclass(tp, io.DataFrame):
            return io.DataFrame.from_existing_remote(text if remote else str(Path(text).resolve()))
        if remote:
            return ref.from_existing_remote(text)
        return ref.from_local_sync(text)
    except (OSError, ValueError) as e:
        raise ValueProblem(str(e)) from None


def _first_fit(members: tuple[Any, ...], attempt: Any, value: Any, tp: Any, where: str = "") -> Any:
    for member in members:
        try:
            return attempt(member)
        except ValueProblem:
            continue
    raise _problem(where, f"{value!r} fits none of {type_text(tp)}")


def _expect(value: Any, kind: type | tuple[type, ...], what: str, where: str) -> None:
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _as_tuple(kind)):
        raise _problem(where, f"expected {what}, got {json.dumps(value, default=repr)}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def from_json(value: Any, tp: Any, where: str = "") -> Any:
    """Checks decoded JSON ``value`` against ``tp`` and builds it: lists, dicts, tuples, sets,
    dataclasses, pydantic models, enums and dates, nested. ``where`` is the path for messages."""
    if tp is Any:
        return value
    inner, optional = non_none(tp)
    if value is None:
        if optional:
            return None
        raise _problem(where, f"expected {type_text(tp)}, got null")
    tp = inner
    # A bare ``list`` or ``tuple`` is its own origin: it takes items of any type.
    origin = typing.get_origin(tp) or tp
    args = typing.get_args(tp)
    if origin in _UNION_ORIGINS:
        return _first_fit(args, lambda member: from_json(value, member, where), value, tp, where)
    if origin is typing.Literal:
        return _literal_member(tp, value)
    if tp in _JSON_SCALARS:
        kind, what = _JSON_SCALARS[tp]
        _expect(value, kind, what, where)
        return float(value) if tp is float else value
    if tp in (dt.datetime, dt.date, dt.timedelta) or (isinstance(tp, type) and issubclass(tp, enum.Enum)):
        if isinstance(value, tp):
            return value
        if tp is dt.timedelta and isinstance(value, (int, float)) and not isinstance(value, bool):
            return dt.timedelta(seconds=value)
        if not isinstance(value, str) and not issubclass(tp, enum.Enum):
            raise _problem(where, f"expected a {tp.__name__} as an ISO 8601 string, got {value!r}")
        try:
            return parse_text(value, tp) if isinstance(value, str) else _enum_member(tp, value)
        except ValueProblem as e:
            raise _problem(where, str(e)) from None
    if origin in _LIST_ORIGINS:
        _expect(value, (list, tuple, set, frozenset), "a JSON list", where)
        items = [from_json(v, args[0] if args else Any, f"{where}[{i}]") for i, v in enumerate(value)]
        if origin in (set, frozenset, abc.Set):
            return frozenset(items) if origin is frozenset else set(items)
        return items
    if origin is tuple:
        return _tuple_from_json(value, args, where)
    if origin in _DICT_ORIGINS:
        _expect(value, dict, "a JSON object", where)
        key_tp, value_tp = args if args else (Any, Any)
        return {
            _key(k, key_tp, where): from_json(v, value_tp, f"{where}.{k}" if where else str(k))
            for k, v in value.items()
        }
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass_from_json(value, tp, where)
    if is_pydantic_model(tp):
        return _model_from_json(value, tp, where)
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise _problem(where, f"values of type {type_text(tp)} cannot be given on the command line")


def _key(key: Any, tp: Any, where: str) -> Any:
    # JSON object keys are always strings: read them as the declared key type.
    if isinstance(key, str) and tp not in (str, Any):
        try:
            return parse_text(key, tp)
        except ValueProblem as e:
            raise _problem(where, f"key {key!r}: {e}") from None
    return from_json(key, tp, where)


def _tuple_from_json(value: Any, args: tuple[Any, ...], where: str) -> tuple[Any, ...]:
    _expect(value, (list, tuple), "a JSON list", where)
    if not args or (len(args) == 2 and args[1] is Ellipsis):
        item = args[0] if args else Any
        return tuple(from_json(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if len(value) != len(args):
        raise _problem(where, f"expected a list of {len(args)} items, got {len(value)}")
    return tuple(from_json(v, t, f"{where}[{i}]") for i, (v, t) in enumerate(zip(value, args, strict=True)))


def field_types(record: type) -> dict[str, Any]:
    """The field types of dataclass ``record``; a field whose annotation cannot be resolved
    (a name imported only for type checking) takes any value rather than failing the command."""
    try:
        return typing.get_type_hints(record)
    except Exception:  # NameError, or TypeError for syntax this Python cannot evaluate
        return {f.name: f.type if not isinstance(f.type, str) else Any for f in dataclasses.fields(record)}


def _dataclass_from_json(value: Any, tp: type, where: str) -> Any:
    if isinstance(value, tp):
        return value
    _expect(value, dict, f"a JSON object for {tp.__name__}", where)
    fields = {f.name: f for f in dataclasses.fields(tp) if f.init}
    unknown = sorted(set(value) - set(fields))
    if unknown:
        raise _problem(where, f"unknown field {unknown[0]!r} for {tp.__name__} (fields: {', '.join(fields)})")
    hints = field_types(tp)
    kwargs: dict[str, Any] = {}
    for name, field in fields.items():
        path = f"{where}.{name}" if where else name
        if name in value:
            kwargs[name] = from_json(value[name], hints.get(name, Any), path)
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise _problem(where, f"missing field {name!r} of {tp.__name__}")
    return tp(**kwargs)


def _model_from_json(value: Any, tp: Any, where: str) -> Any:
    if isinstance(value, tp):
        return value
    _expect(value, dict, f"a JSON object for {tp.__name__}", where)
    pydantic = sys.modules["pydantic"]
    try:
        return tp.model_validate(value)
    except pydantic.ValidationError as e:
        first = e.errors()[0]
        location = ".".join(str(p) for p in first["loc"])
        path = ".".join(p for p in (where, location) if p)
        raise _problem(path, f"{first['msg']} ({tp.__name__})") from None
