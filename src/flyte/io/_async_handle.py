"""The async view of a store handle that ``async with f.open()`` gives.

Every call on the handle runs on one worker thread of its own, in the order the calls were
made, so the event loop never blocks on I/O. A thread hop per call would leave the loop and the
worker taking turns; two overlaps keep them both busy instead:

- write-behind: ``await fh.write(b)`` returns once the write is queued, waiting only while more
  than :data:`WRITE_BEHIND` bytes are queued. A write starts when it is called, so a library that
  writes without awaiting (``df.to_csv(fh)``) still writes everything. A failed write is raised
  by a later write or by the close, which then discards the object.
- read-ahead: in binary reads, ``await fh.read(n)`` also starts the next ``read(n)``; any other
  call first moves the position back over a read-ahead nobody consumed.
"""

from __future__ import annotations

import asyncio
import io
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

T = TypeVar("T")

#: Bytes queued for writing before ``await fh.write`` waits: enough to keep the worker busy.
WRITE_BEHIND = 8 << 20
#: Bytes of lines fetched per trip to the worker thread when iterating lines asynchronously.
LINE_BATCH = 1 << 20


class Op(Generic[T]):
    """One call already running on the worker thread; await it for its result."""

    __slots__ = ("_future",)

    def __init__(self, future: Future[T]) -> None:
        self._future = future

    def __await__(self) -> Generator[Any, None, T]:
        # Wrapped only when awaited, so a call nobody awaits leaves no asyncio future behind.
        return asyncio.wrap_future(self._future).__await__()


class _Queued:
    """What ``write`` returns: awaiting it waits until the queue is short enough again."""

    __slots__ = ("_handle", "_size")

    def __init__(self, handle: AsyncHandle, size: int) -> None:
        self._handle = handle
        self._size = size

    def __await__(self) -> Generator[Any, None, int]:
        yield from self._handle._drain(WRITE_BEHIND).__await__()
        return self._size


class AsyncHandle:
    """``await fh.read(n)``, ``await fh.write(b)``, ``await fh.seek(n)``, ``async for line in fh``."""

    def __init__(self, handle: IO[Any], pool: ThreadPoolExecutor, mode: str, read_ahead: bool = True) -> None:
        self._handle = handle
        self._read_ahead = read_ahead and mode == "rb"
        self._pool = pool
        self._writes: deque[tuple[Future[Any], int]] = deque()
        self._queued = 0
        self._ahead: tuple[Future[Any], int] | None = None
        #: The mode the file was opened in; libraries such as pandas look at it.
        self.mode = mode

    # -- reading --------------------------------------------------------------------------------

    def read(self, size: int = -1) -> Op[Any]:
        """Up to ``size`` bytes (characters in text mode); everything left when ``size`` < 0."""
        if size is None or size < 0 or not self._read_ahead:
            return self._call(self._handle.read, size)
        if self._ahead is not None and self._ahead[1] == size:
            current = self._ahead[0]
        else:
            self._rewind()
            current = self._pool.submit(self._handle.read, size)
        self._ahead = (self._pool.submit(self._handle.read, size), size)
        return Op(current)

    def readline(self, size: int = -1) -> Op[Any]:
        """The next line, or an empty value at the end."""
        return self._call(self._handle.readline, size)

    def readlines(self, hint: int = -1) -> Op[list[Any]]:
        """The remaining lines as a list; with ``hint`` > 0, lines until about that many bytes."""
        return self._call(self._handle.readlines, hint)

    async def __aiter__(self) -> AsyncIterator[Any]:
        """The lines of the file, fetched from the worker thread in batches."""
        while lines := await self._call(self._handle.readlines, LINE_BATCH):
            for line in lines:
                yield line

    def _rewind(self) -> None:
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self._pool.submit(self._unread, ahead[0])

    def _unread(self, ahead: Future[Any]) -> None:
        # Runs after the read-ahead on the same worker, so its result is there.
        if ahead.exception() is None and ahead.result():
            self._handle.seek(-len(ahead.result()), io.SEEK_CUR)

    # -- writing --------------------------------------------------------------------------------

    def write(self, data: Any) -> _Queued:
        """Queues ``data`` for writing; awaiting the result waits only while the queue is full."""
        self._raise_failed_write()
        if not isinstance(data, (bytes, str)):
            # The caller may reuse a mutable buffer as soon as the await returns.
            data = bytes(data)
        self._writes.append((self._pool.submit(self._handle.write, data), len(data)))
        self._queued += len(data)
        return _Queued(self, len(data))

    async def _drain(self, limit: int) -> None:
        self._raise_failed_write()
        while self._queued > limit:
            future, size = self._writes[0]
            await asyncio.wrap_future(future)
            self._writes.popleft()
            self._queued -= size

    def _raise_failed_write(self) -> None:
        # Drops finished writes; a failed one stays queued, so the close discards the object.
        while self._writes and self._writes[0][0].done():
            future, size = self._writes[0]
            failure = future.exception()
            if failure is not None:
                raise failure
            self._writes.popleft()
            self._queued -= size

    # -- positions and the rest of the file API -------------------------------------------------

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> Op[int]:
        """Moves to ``offset``; returns the new position."""
        return self._call(self._handle.seek, offset, whence)

    def tell(self) -> Op[int]:
        """The current position."""
        return self._call(self._handle.tell)

    def flush(self) -> Op[None]:
        """Hands buffered data to the store (the object still completes only on close)."""
        return self._call(self._handle.flush)

    @property
    def closed(self) -> bool:
        """Whether the handle is closed."""
        return bool(self._handle.closed)

    def readable(self) -> bool:
        """Whether the handle reads."""
        return self.mode.startswith("r")

    def writable(self) -> bool:
        """Whether the handle writes."""
        return not self.readable()

    def seekable(self) -> bool:
        """Whether :meth:`seek` works: always for reads."""
        return self.readable()

    def _call(self, fn: Callable[..., T], *args: Any) -> Op[T]:
        self._rewind()
        return Op(self._pool.submit(fn, *args))

    # -- closing --------------------------------------------------------------------------------

    async def aclose(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        """Closes once queued calls are done; a failed write or block discards what was written."""
        self._ahead = None  # the position no longer matters
        try:
            failure = await asyncio.wrap_future(self._pool.submit(self._finish, exc_type, exc, tb))
        finally:
            self._pool.shutdown(wait=False)
        if failure is not None:
            raise failure

    def _finish(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> BaseException | None:
        # Runs after every earlier call on the same worker, so all writes are done here.
        failure = next((e for f, _ in self._writes if (e := f.exception()) is not None), None)
        if failure is not None and exc is None:
            close_handle(self._handle, type(failure), failure, failure.__traceback__)
            return failure
        close_handle(self._handle, exc_type, exc, tb)
        return None


def close_handle(
    handle: IO[Any], exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
) -> None:
    """Closes a handle as its ``with`` block would: committing a write, or discarding it on error."""
    if exc is not None and isinstance(handle, io.TextIOWrapper):
        # A text wrapper's own exit would commit: hand the error to the store's writer instead.
        handle.detach().__exit__(exc_type, exc, tb)
        return
    handle.__exit__(exc_type, exc, tb)
