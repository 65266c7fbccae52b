"""Custom context: string key-values that flow from a task to every task it calls."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from types import MappingProxyType

from flyte._context import current_action

_outside_runs: dict[str, str] = {}


def get_custom_context() -> dict[str, str]:
    """The custom context visible here (inside a task: the task's, plus any set around this point)."""
    current = current_action.get()
    if current is None:
        return dict(_outside_runs)
    return dict(current.custom_context)


@contextmanager
def custom_context(**context: str) -> Iterator[None]:
    """Adds key-values to the custom context for the task calls made inside the block."""
    for key, value in context.items():
        if not isinstance(value, str):
            raise TypeError(f"custom_context values must be strings; '{key}' is {type(value).__name__}")
    current = current_action.get()
    if current is None:
        saved = dict(_outside_runs)
        _outside_runs.update(context)
        try:
            yield
        finally:
            _outside_runs.clear()
            _outside_runs.update(saved)
        return
    merged = MappingProxyType({**current.custom_context, **context})
    token = current_action.set(dataclasses.replace(current, custom_context=merged))
    try:
        yield
    finally:
        current_action.reset(token)
