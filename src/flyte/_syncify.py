"""Write an I/O API once, async, and offer its sync form from it.

``@syncify`` turns ``async def f(...)`` into an object that runs to completion when called
(``f(...)``) and gives the coroutine through ``f.aio(...)``. It works on functions and methods.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Coroutine, Generic, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def run_sync(coro: Coroutine[Any, Any, R]) -> R:
    """Runs a coroutine to completion from sync code, even where a loop is already running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # A loop is running in this thread (a notebook, or async code using the sync form): blocking
    # it would deadlock, so the coroutine gets a loop of its own on a helper thread.
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="flyte-sync") as pool:
        return pool.submit(context.run, asyncio.run, coro).result()


class Syncified(Generic[P, R]):
    """A callable running ``afunc`` synchronously, with ``.aio`` for the coroutine."""

    def __init__(self, afunc: Callable[P, Coroutine[Any, Any, R]]):
        self._afunc = afunc
        functools.update_wrapper(self, afunc)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return run_sync(self._afunc(*args, **kwargs))

    def aio(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, R]:
        """The coroutine form, for ``await``."""
        return self._afunc(*args, **kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return Syncified(self._afunc.__get__(obj, objtype))


def syncify(afunc: Callable[P, Coroutine[Any, Any, R]]) -> Syncified[P, R]:
    """Decorator: see the module docstring."""
    return Syncified(afunc)


class SyncWithAio(Generic[P, R]):
    """A function that never blocks, callable as is and awaitable through ``.aio``."""

    def __init__(self, func: Callable[P, R]):
        self._func = func
        functools.update_wrapper(self, func)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self._func(*args, **kwargs)

    async def aio(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """The awaitable form, for async code written against the async API."""
        return self._func(*args, **kwargs)


def with_aio(func: Callable[P, R]) -> SyncWithAio[P, R]:
    """Decorator: gives a non-blocking function an ``.aio`` form."""
    return SyncWithAio(func)
