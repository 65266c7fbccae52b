"""Cache-key form of literals: what a value looks like to the task cache.

Some values carry more than their content in their literal: a File with a content hash is still
stored with its path, yet two Files of the same content should hit the same cache entry. While
:func:`cache_form` is active, transformers of such types return the form the cache key should
see; every container transformer passes that through unchanged, whatever the nesting.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_active: ContextVar[bool] = ContextVar("flyte_cache_form", default=False)


@contextmanager
def cache_form() -> Iterator[None]:
    """Within the block, literals are made in their cache-key form."""
    token = _active.set(True)
    try:
        yield
    finally:
        _active.reset(token)


def in_cache_form() -> bool:
    """Whether literals are being made for a cache key."""
    return _active.get()
