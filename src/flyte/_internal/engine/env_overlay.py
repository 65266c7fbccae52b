"""Per-task environment variables inside one process.

Local tasks share a process, so writing a task's ``env_vars`` and secrets into ``os.environ``
would leak them into concurrent tasks of other environments. Instead ``os.environ`` is replaced,
the first time a task needs it, by a view that answers from the current task's overlay (held in a
ContextVar) before the real environment. ``os.getenv`` and ``os.environ[...]`` see the overlay;
the process environment itself is never changed.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

_overlay: ContextVar[Mapping[str, str] | None] = ContextVar("flyte_env_overlay", default=None)
_install_lock = threading.Lock()


class _OverlayEnviron(os._Environ):  # type: ignore[type-arg]
    """``os.environ`` with the current task's variables laid over it."""

    def __init__(self, base: Any):
        super().__init__(base._data, base.encodekey, base.decodekey, base.encodevalue, base.decodevalue)

    def __getitem__(self, key: str) -> str:
        layer = _overlay.get()
        if layer is not None and key in layer:
            return layer[key]
        return str(super().__getitem__(key))

    def __contains__(self, key: object) -> bool:
        layer = _overlay.get()
        if layer is not None and key in layer:
            return True
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        layer = _overlay.get()
        if layer is None:
            yield from super().__iter__()
            return
        yield from layer
        for key in super().__iter__():
            if key not in layer:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        """A plain dict of the environment as the current task sees it."""
        return {key: self[key] for key in self}


def install() -> None:
    """Replaces ``os.environ`` by the overlay view (once per process)."""
    if isinstance(os.environ, _OverlayEnviron):
        return
    with _install_lock:
        if not isinstance(os.environ, _OverlayEnviron):
            os.environ = _OverlayEnviron(os.environ)  # noqa: B003 - the view shares the real data


def set_overlay(variables: Mapping[str, str] | None) -> Any:
    """Makes ``variables`` visible to the current context; returns a token for :func:`reset`."""
    if variables:
        install()
    return _overlay.set(variables)


def reset(token: Any) -> None:
    """Undoes :func:`set_overlay`."""
    _overlay.reset(token)


def process_getenv(name: str) -> str | None:
    """The variable ``name`` of the process itself, whatever task's variables are laid over it."""
    token = _overlay.set(None)
    try:
        return os.environ.get(name)
    finally:
        _overlay.reset(token)


def current_overlay() -> Mapping[str, str] | None:
    """The variables laid over the environment in the current context, if any."""
    return _overlay.get()
