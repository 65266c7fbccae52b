"""Resolving annotations, including the strings ``from __future__ import annotations`` leaves."""

from __future__ import annotations

import inspect
import logging
import sys
import types
import typing
from typing import Any

logger = logging.getLogger("flyte")


def resolve_hints(obj: Any) -> dict[str, Any]:
    """The annotations of a function or class, evaluated, ``Annotated`` kept.

    A name that cannot be resolved (a class defined inside a function, a type imported only
    under ``TYPE_CHECKING``) makes its annotation ``Any`` with a warning, rather than failing
    the whole object: the value is then pickled, which still works.
    """
    try:
        return typing.get_type_hints(obj, include_extras=True)
    except Exception:  # NameError, or TypeError from syntax this Python cannot evaluate
        pass
    hints: dict[str, Any] = {}
    for raw, globalns in _raw_annotations(obj):
        for name, annotation in raw.items():
            hints[name] = _resolve_one(obj, name, annotation, globalns)
    return hints


def _raw_annotations(obj: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    # A class merges the annotations of its bases, each resolved in the module defining it.
    if isinstance(obj, type):
        return [
            (inspect.get_annotations(base), getattr(sys.modules.get(base.__module__), "__dict__", {}))
            for base in reversed(obj.__mro__)
        ]
    target = typing.cast(Any, obj)
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    return [(getattr(obj, "__annotations__", {}), getattr(target, "__globals__", {}))]


def _resolve_one(owner: Any, name: str, annotation: Any, globalns: dict[str, Any]) -> Any:
    shim = types.SimpleNamespace(__annotations__={name: annotation}, __globals__=globalns)
    try:
        return typing.get_type_hints(shim, include_extras=True)[name]
    except Exception:
        logger.warning(
            "Cannot resolve the annotation %r of %r in %s; it is treated as Any.",
            annotation,
            name,
            getattr(owner, "__qualname__", owner),
        )
        return Any
