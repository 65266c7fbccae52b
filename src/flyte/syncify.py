"""Write an API once, async, and call it from sync code too: ``@syncify`` and :class:`Syncify`.

A function, method or async generator wrapped by a :class:`Syncify` is called as usual from sync
code (``f(x)``, ``for item in gen()``) and awaited from async code (``await f.aio(x)``,
``async for item in gen.aio()``). Either way it runs on the instance's own event loop, on a
background thread: async clients that remember the loop they were created on (HTTP pools,
database drivers) keep working across calls as long as every call goes through the same
instance. The caller's context variables travel with each call.

Example::

    from flyte.syncify import syncify

    @syncify
    async def fetch(x: str) -> str:
        return f"Hello {x}"

    fetch("World")              # from sync code
    await fetch.aio("World")    # from async code
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import inspect
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

__all__ = ["Syncify", "syncify"]

R = TypeVar("R")


class Syncify:
    """Runs wrapped async code on one background event loop of its own, named ``name``."""

    def __init__(self, name: str = "flyte_syncify") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def __call__(self, obj: Any) -> Any:
        """Wraps an async function or method, an async generator function, or a ``classmethod`` /
        ``staticmethod`` of one; returns the object to call synchronously, with ``.aio``."""
        if isinstance(obj, (classmethod, staticmethod)):
            wrapped = self(obj.__func__)
            wrapped._binds = "class" if isinstance(obj, classmethod) else "nothing"
            return wrapped
        if inspect.isasyncgenfunction(obj) or inspect.iscoroutinefunction(obj):
            return _Wrapped(self, obj)
        raise TypeError(f"syncify wraps async functions and async generators, not {obj!r}")

    def _background_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name=self.name, daemon=True).start()
                self._loop = loop
            return self._loop

    def _submit(self, coro: Coroutine[Any, Any, R]) -> concurrent.futures.Future[R]:
        """Starts the coroutine on the background loop, in a copy of the caller's context."""
        loop = self._background_loop()
        context = contextvars.copy_context()
        result: concurrent.futures.Future[R] = concurrent.futures.Future()

        def start() -> None:
            task = context.run(loop.create_task, coro)
            task.add_done_callback(functools.partial(_settle, result))

        loop.call_soon_threadsafe(start)
        return result

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        """Runs the coroutine on the background loop and waits for its result."""
        if self._in_loop():
            coro.close()
            raise RuntimeError(
                f"a function wrapped by Syncify({self.name!r}) was called synchronously from its own event loop: "
                "await its .aio() form instead"
            )
        return self._submit(coro).result()

    async def run_aio(self, coro: Coroutine[Any, Any, R]) -> R:
        """Awaits the coroutine on the background loop (directly, when already on it)."""
        if self._in_loop():
            return await coro
        return await asyncio.wrap_future(self._submit(coro))

    def _in_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False


def _settle(result: concurrent.futures.Future[Any], task: asyncio.Task[Any]) -> None:
    if task.cancelled():
        result.cancel()
    elif task.exception() is not None:
        result.set_exception(task.exception())
    else:
        result.set_result(task.result())


class _Wrapped:
    """A wrapped async function (or async generator function): sync when called, async via ``aio``."""

    def __init__(self, syncer: Syncify, func: Callable[..., Any], bound: Any = None) -> None:
        self._syncer = syncer
        self._func = func
        self._bound = bound
        self._binds = "instance"  # what attribute access binds: "instance", "class" or "nothing"
        self._generator = inspect.isasyncgenfunction(func)
        functools.update_wrapper(self, func)

    def _call(self, *args: Any, **kwargs: Any) -> Any:
        if self._bound is not None:
            return self._func(self._bound, *args, **kwargs)
        return self._func(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._generator:
            return self._iterate(self._call(*args, **kwargs))
        return self._syncer.run(self._call(*args, **kwargs))

    def aio(self, *args: Any, **kwargs: Any) -> Any:
        """The async form: a coroutine to await, or an async iterator for an async generator."""
        if self._generator:
            return self._iterate_aio(self._call(*args, **kwargs))
        return self._syncer.run_aio(self._call(*args, **kwargs))

    def _iterate(self, generator: AsyncIterator[Any]) -> Iterator[Any]:
        while True:
            try:
                yield self._syncer.run(_next(generator))
            except StopAsyncIteration:
                return

    async def _iterate_aio(self, generator: AsyncIterator[Any]) -> AsyncIterator[Any]:
        while True:
            try:
                yield await self._syncer.run_aio(_next(generator))
            except StopAsyncIteration:
                return

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if self._binds == "class":
            return _Wrapped(self._syncer, self._func, objtype if objtype is not None else type(obj))
        if obj is None or self._binds == "nothing":
            return self
        return _Wrapped(self._syncer, self._func, obj)


async def _next(generator: AsyncIterator[R]) -> R:
    return await generator.__anext__()


syncify = Syncify()
"""The default instance: ``@syncify`` on an async function or method."""
