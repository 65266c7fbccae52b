"""``flyte.group``: a name shown around a set of task calls; no effect on execution."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from flyte._context import current_action


@contextmanager
def group(name: str) -> Iterator[None]:
    """Records the task calls made inside the block as members of the group ``name``."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"flyte.group needs a non-empty name, got {name!r}")
    parent = current_action.get()
    if parent is None:
        yield
        return
    token = current_action.set(dataclasses.replace(parent, group=name))
    try:
        yield
    finally:
        current_action.reset(token)
