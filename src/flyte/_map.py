"""``flyte.map``: call a task once per item, concurrently, and get the results in order."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import nullcontext
from typing import Any

from flyte._context import ActionContext, current_action
from flyte._group import group
from flyte._syncify import run_sync


def _group_name(func: Callable[..., Any], group_name: str | None) -> str:
    if group_name:
        return group_name
    target = getattr(func, "func", func)  # functools.partial
    return f"map_{getattr(target, 'short_name', getattr(target, '__name__', 'task'))}"


async def _gather(
    func: Callable[..., Any],
    iterables: tuple[Iterable[Any], ...],
    group_name: str | None,
    concurrency: int,
    return_exceptions: bool,
    parent: ActionContext | None,
) -> list[Any]:
    token = current_action.set(parent) if parent is not None else None
    try:
        with group(_group_name(func, group_name)) if parent is not None else nullcontext():
            # Every call is made here, in item order, so the children are named by their position.
            calls = [func(*items) for items in zip(*iterables, strict=False)]
    finally:
        if token is not None:
            current_action.reset(token)
    limit = asyncio.Semaphore(concurrency) if concurrency > 0 else None

    async def settle(call: Any) -> Any:
        if not inspect.isawaitable(call):
            return call
        if limit is None:
            return await call
        async with limit:
            return await call

    return list(await asyncio.gather(*(settle(c) for c in calls), return_exceptions=return_exceptions))


class _Map:
    """Callable as ``flyte.map(...)`` (iterate it) and ``flyte.map.aio(...)`` (``async for``)."""

    def __call__(
        self,
        func: Callable[..., Any],
        *args: Iterable[Any],
        group_name: str | None = None,
        concurrency: int = 0,
        return_exceptions: bool = True,
    ) -> Iterator[Any]:
        """Calls ``func`` with one item of each iterable at a time; yields results in item order.

        ``concurrency`` caps the calls in flight (0: no cap). With ``return_exceptions`` (the
        default) a failed call yields its exception instead of stopping the map.
        """
        if concurrency < 0:
            raise ValueError(f"flyte.map: concurrency must be >= 0, got {concurrency}")
        parent = current_action.get()
        if parent is not None and parent.run.on_loop_thread():
            raise RuntimeError(
                "flyte.map(...) blocks, so it cannot be iterated in async code; "
                "use `async for result in flyte.map.aio(...)` there"
            )
        gathering = _gather(func, args, group_name, concurrency, return_exceptions, parent)
        if parent is None:
            return iter(run_sync(gathering))
        return iter(asyncio.run_coroutine_threadsafe(gathering, parent.run.loop).result())

    async def aio(
        self,
        func: Callable[..., Any],
        *args: Iterable[Any],
        group_name: str | None = None,
        concurrency: int = 0,
        return_exceptions: bool = True,
    ) -> AsyncIterator[Any]:
        """The async form: ``async for result in flyte.map.aio(task, items)``."""
        if concurrency < 0:
            raise ValueError(f"flyte.map: concurrency must be >= 0, got {concurrency}")
        results = await _gather(func, args, group_name, concurrency, return_exceptions, current_action.get())
        for result in results:
            yield result


map = _Map()
