"""Command-line options made from a task's inputs.

One option per input, named after it (``--my_param`` and ``--my-param`` both work), required
when the input has no default, with the default shown in help otherwise. ``bool`` inputs are
flag pairs (``--x/--no-x``); everything else is parsed by :mod:`flyte.cli._values`, and a value
that does not fit becomes :class:`click.BadParameter` naming the option and the problem.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import inspect
import json
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import click

from flyte.cli._values import (
    ValueProblem,
    field_types,
    format_duration,
    is_json_type,
    is_pydantic_model,
    non_none,
    parse_text,
    type_text,
)

__all__ = ["ValueType", "option_for", "task_options"]

# click made ParamType generic in 8.3; older versions (still supported) cannot be subscripted.
if TYPE_CHECKING:
    _ParamType = click.ParamType[Any, Any]
else:
    _ParamType = click.ParamType


class ValueType(_ParamType):
    """The click type of one task input: parses command-line text with :func:`parse_text`.

    Values that are not text (the task's own defaults) are taken as they are.
    """

    def __init__(self, tp: Any) -> None:
        self.tp = tp
        self.name = _metavar(tp)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Parses ``value``; a misfit becomes :class:`click.BadParameter` saying why."""
        if not isinstance(value, str):
            return value
        try:
            return parse_text(value, self.tp)
        except ValueProblem as e:
            self.fail(str(e), param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """The placeholder shown in help: ``INTEGER``, ``[RED|GREEN]``, ``JSON``, ..."""
        return self.name


def _metavar(tp: Any) -> str:
    inner = non_none(tp)[0]
    if typing.get_origin(inner) is typing.Literal:
        return "[" + "|".join(str(c) for c in typing.get_args(inner)) + "]"
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return "[" + "|".join(m.name for m in inner) + "]"
    names = {str: "TEXT", int: "INTEGER", float: "FLOAT", bool: "BOOLEAN", dt.datetime: "DATETIME"}
    names.update({dt.date: "DATE", dt.timedelta: "DURATION"})
    return names.get(inner, "JSON" if is_json_type(inner) else "VALUE")


def _describe(tp: Any) -> str:
    inner, optional = non_none(tp)
    notes = {
        dt.datetime: "ISO 8601, e.g. 2024-05-01T12:00:00",
        dt.date: "ISO 8601, e.g. 2024-05-01",
        dt.timedelta: "seconds, or e.g. 1h30m, 2d, 45s, 250ms",
    }
    if inner in notes:
        text = notes[inner]
    elif isinstance(inner, type) and issubclass(inner, enum.Enum):
        text = f"{inner.__name__}, by name or value"
    elif is_json_type(inner) and inner is not Any:
        text = f"{type_text(inner)} as JSON"
        if dataclasses.is_dataclass(inner) or is_pydantic_model(inner):
            text += f" object {{{', '.join(_fields(inner))}}}"
    elif inner in (str, int, float):
        text = ""  # the metavar says it all
    else:
        text = type_text(inner)
    return "; ".join(part for part in (text, "optional" if optional else "") if part)


def _fields(record: Any) -> list[str]:
    """``name: type`` of each field a JSON object for ``record`` may have."""
    if isinstance(record, type) and dataclasses.is_dataclass(record):
        hints = field_types(record)
        return [f"{f.name}: {type_text(hints.get(f.name, Any))}" for f in dataclasses.fields(record) if f.init]
    return [f"{name}: {type_text(info.annotation)}" for name, info in record.model_fields.items()]


def _shown_default(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, dt.timedelta):
        return format_duration(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float)):
        return str(value) if value != "" else '""'
    try:
        is_record = dataclasses.is_dataclass(value) and not isinstance(value, type)
        plain = dataclasses.asdict(value) if is_record else value
        plain = plain.model_dump(mode="json") if hasattr(plain, "model_dump") else plain
        return json.dumps(plain, default=str)
    except (TypeError, ValueError):
        return repr(value)


def option_for(name: str, tp: Any, default: Any) -> click.Option:
    """The option of task input ``name`` of type ``tp``; ``default`` is ``inspect.Parameter.empty``
    when the input has none, which makes the option required (unless ``tp`` is Optional)."""
    inner, optional = non_none(tp)
    spellings = [name] + ([name.replace("_", "-")] if "_" in name else [])
    settings: dict[str, Any] = {}
    if default is not inspect.Parameter.empty:
        settings["default"] = default
    elif optional:
        settings["default"] = None
    else:
        # No default at all, not even None: click >= 8.3 takes an explicit None as a value.
        settings["required"] = True
    if inner is bool:
        decls = [f"--{s}/--no-{s}" for s in spellings]
        flag = settings.get("default")
        shown = "" if flag is None else f"--{name}" if flag else f"--no-{name}"
        help_text = _with_default("optional" if optional else "", shown)
        return click.Option([*decls, name], help=help_text, **settings)
    help_text = _with_default(_describe(tp), _shown_default(settings.get("default")))
    return click.Option([*(f"--{s}" for s in spellings), name], type=ValueType(tp), help=help_text, **settings)


def _with_default(text: str, shown: str) -> str:
    # click puts a default it is given as text in parentheses; written here it reads plainly.
    return f"{text}  [default: {shown}]".strip() if shown else text


def task_options(inputs: Mapping[str, tuple[Any, Any]]) -> list[click.Option]:
    """One option per input of a task interface (``name -> (type, default)``), in order."""
    return [option_for(name, tp, default) for name, (tp, default) in inputs.items()]
