"""Batches of a table read one at a time: what ``DataFrame.iter()`` gives."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Generator, Iterator
from typing import Any

_END = object()


class FrameBatches:
    """Batches of a table, read as they are asked for: iterate with ``for`` or ``async for``.

    ``await df.iter()`` gives the same object, as the Flyte SDK's async ``iter`` does.
    """

    def __init__(self, make: Callable[[], Iterator[Any]]) -> None:
        self._make = make
        self._batches: Iterator[Any] | None = None

    def _iterator(self) -> Iterator[Any]:
        if self._batches is None:
            self._batches = self._make()
        return self._batches

    def __iter__(self) -> Iterator[Any]:
        return self

    def __next__(self) -> Any:
        return next(self._iterator())

    def __aiter__(self) -> FrameBatches:
        return self

    async def __anext__(self) -> Any:
        # Reading a batch blocks; a worker thread keeps the event loop free meanwhile.
        batch = await asyncio.to_thread(next, self._iterator(), _END)
        if batch is _END:
            raise StopAsyncIteration
        return batch

    def __await__(self) -> Generator[Any, None, FrameBatches]:
        return self._itself().__await__()

    async def _itself(self) -> FrameBatches:
        return self

    def close(self) -> None:
        """Stops reading and releases the open file, if any."""
        batches = self._batches
        if inspect.isgenerator(batches):
            batches.close()


def slices(table: Any, size: int) -> Iterator[Any]:
    """The rows of the arrow ``table`` in slices of at most ``size`` rows (no copy)."""
    for start in range(0, table.num_rows, size):
        yield table.slice(start, size)
