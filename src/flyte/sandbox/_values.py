"""Values crossing the sandbox boundary: flyte.io handles travel as tagged dicts."""

from __future__ import annotations

from typing import Any

_TAG = "__flyte_io_type__"


def _io_classes() -> dict[str, Any]:
    from flyte.io import DataFrame, Dir, File

    return {"File": File, "Dir": Dir, "DataFrame": DataFrame}


def to_sandbox(value: Any) -> Any:
    """``value`` in a form Monty can hold: File, Dir and DataFrame become tagged dicts."""
    if isinstance(value, (list, tuple)):
        converted = [to_sandbox(v) for v in value]
        return converted if isinstance(value, list) else tuple(converted)
    if isinstance(value, dict):
        return {k: to_sandbox(v) for k, v in value.items()}
    if isinstance(value, (str, bytes, int, float, type(None), set, frozenset)):
        return value
    for tag, cls in _io_classes().items():
        if isinstance(value, cls):
            return {_TAG: tag, **value.model_dump()}
    return value


def from_sandbox(value: Any) -> Any:
    """The host value of something that came out of the sandbox (the inverse of :func:`to_sandbox`)."""
    if isinstance(value, dict):
        tag = value.get(_TAG)
        if isinstance(tag, str) and tag in _io_classes():
            payload = {k: v for k, v in value.items() if k != _TAG}
            return _io_classes()[tag].model_validate(payload)
        return {k: from_sandbox(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_sandbox(v) for v in value]
    if isinstance(value, tuple):
        return tuple(from_sandbox(v) for v in value)
    return value
