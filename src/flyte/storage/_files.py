"""The async file objects :func:`flyte.storage.open` returns, over the blob layer's sync streams.

Their methods mirror obstore's ``AsyncReadableFile`` and ``AsyncWritableFile`` (which the flyte
SDK returns), and both are async context managers. Every call that may touch the disk or the
network runs on a worker thread, so that the event loop never waits on I/O.
"""

from __future__ import annotations

import asyncio
import io
import os
from types import TracebackType
from typing import BinaryIO

from typing_extensions import Buffer, Self


class AsyncReadableFile:
    """A stored file opened for reading: buffered, seekable, returning bytes."""

    def __init__(self, reader: io.BufferedReader, size: int) -> None:
        self._reader = reader
        self._size = size

    @property
    def size(self) -> int:
        """The size of the file in bytes."""
        return self._size

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._reader.closed

    async def read(self, size: int | None = None, /) -> bytes:
        """Up to ``size`` bytes (all that is left when ``None``); ``b""`` at the end."""
        return await asyncio.to_thread(self._reader.read, -1 if size is None else size)

    async def readall(self) -> bytes:
        """All bytes from the current position to the end."""
        return await asyncio.to_thread(self._reader.read)

    async def readline(self) -> bytes:
        """The next line, with its ``\\n`` if it has one; ``b""`` at the end."""
        return await asyncio.to_thread(self._reader.readline)

    async def readlines(self, hint: int = -1, /) -> list[bytes]:
        """The remaining lines (stopping once ``hint`` bytes are read, when positive)."""
        return await asyncio.to_thread(self._reader.readlines, hint)

    async def seek(self, offset: int, whence: int = os.SEEK_SET, /) -> int:
        """Moves to ``offset`` from the start, the current position or the end (``whence`` 0,
        1, 2); returns the new position."""
        return await asyncio.to_thread(self._reader.seek, offset, whence)

    async def tell(self) -> int:
        """The current position."""
        return self._reader.tell()

    def seekable(self) -> bool:
        """Always ``True``: stored files are read by ranges."""
        return True

    def close(self) -> None:
        """Releases the file; a second call does nothing."""
        self._reader.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncWritableFile:
    """A stored file opened for writing.

    The file appears when :meth:`close` completes, whole; until then readers see the previous
    content (or nothing). An ``async with`` block that raises publishes nothing.
    """

    def __init__(self, writer: BinaryIO) -> None:
        self._writer = writer

    async def write(self, buffer: bytes | Buffer, /) -> int:
        """Appends the bytes-like ``buffer``; returns how many bytes that is."""
        # Copied now: the caller may reuse its buffer while the worker thread still writes it.
        data = bytes(buffer)
        return await asyncio.to_thread(self._writer.write, data)

    async def flush(self) -> None:
        """Pushes buffered bytes on towards the store (the file still appears only on close)."""
        await asyncio.to_thread(self._writer.flush)

    async def close(self) -> None:
        """Writes what is left and publishes the file; a second call does nothing."""
        await asyncio.to_thread(self._writer.close)

    async def closed(self) -> bool:
        """Whether the file was closed (a method, as on obstore's writer)."""
        return self._writer.closed

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # The blob layer's writers publish on a clean exit and discard on an exception.
        await asyncio.to_thread(self._writer.__exit__, exc_type, exc, tb)
