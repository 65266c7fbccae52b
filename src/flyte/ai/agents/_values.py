"""JSON in, JSON out: typing an LLM's tool arguments and rendering tool results as text."""

from __future__ import annotations

import dataclasses
import json
from typing import Any


def input_types(target: Any) -> dict[str, Any]:
    """``name -> type`` of the inputs of a task or function; empty when they cannot be read."""
    from flyte._task import TaskTemplate
    from flyte.models import NativeInterface

    if isinstance(target, TaskTemplate):
        return target.native_interface.get_input_types()
    if not callable(target):
        return {}
    try:
        return NativeInterface.from_callable(getattr(target, "__wrapped__", target)).get_input_types()
    except Exception:
        # Builtins, lambdas over *args, partials: the tool still runs, arguments stay as JSON.
        return {}


def coerce_arguments(target: Any, arguments: dict[str, Any]) -> dict[str, Any]:
    """The LLM's JSON ``arguments`` as values of the target's input types (a dict becomes a
    dataclass, a list of numbers a ``list[float]``...); what does not fit is passed as given, so
    that the call itself reports the mismatch."""
    from pydantic import TypeAdapter, ValidationError

    types = input_types(target)
    coerced: dict[str, Any] = {}
    for name, value in arguments.items():
        tp = types.get(name)
        if tp is None:
            coerced[name] = value
            continue
        try:
            coerced[name] = TypeAdapter(tp).validate_python(value)
        except (ValidationError, TypeError, ValueError, AttributeError):
            coerced[name] = value
    return coerced


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON data: dataclasses and pydantic models as dicts, files as their
    fields (``path``...), anything else unknown as its ``str``."""
    from pydantic import TypeAdapter
    from pydantic_core import PydanticSerializationError

    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    try:
        return TypeAdapter(type(value)).dump_python(value, mode="json")
    except (PydanticSerializationError, TypeError, ValueError, AttributeError):
        return str(value)
    except Exception:
        # pydantic raises its own schema errors for types it cannot describe at all.
        return str(value)


def result_text(value: Any) -> str:
    """A tool's result as the text the LLM reads: strings as they are, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(to_jsonable(value), default=str)


def abbreviate(value: Any, max_chars: int = 500) -> str:
    """:func:`result_text` cut to ``max_chars`` (for events and reports)."""
    text = result_text(value)
    if len(text) <= max_chars:
        return text
    return f"{text[:max_chars]}... [+{len(text) - max_chars} chars]"
