"""Streaming a File: ``with f.open()`` in sync code, ``async with f.open()`` in async code.

Sync code gets the store's own file-like handle, so a read loop costs no event-loop round trip
per chunk; async code gets an :class:`~flyte.io._async_handle.AsyncHandle` over the same handle.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from flyte._internal.store.blob import get_store
from flyte.io._async_handle import AsyncHandle, close_handle
from flyte.io._compress import Compressed, codec_for
from flyte.io._hashing import HashingWriter

if TYPE_CHECKING:
    from flyte.io._file import File

MODES = ("rb", "r", "wb", "w")
#: Other spellings of :data:`MODES` the Flyte SDK accepts.
ALIASES = {"rt": "r", "wt": "w"}


def open_handle(file: File, mode: str, encoding: str | None, codec: str | None = None) -> IO[Any]:
    """Opens the store's sync handle on ``file``: decompressed or compressed with ``codec`` if
    given, hashed while written if the File has a hash method, text modes in a TextIOWrapper."""
    store = get_store(file.path)
    handle: Any
    if mode.startswith("r"):
        handle = store.open_read(file.path)
    else:
        handle = store.open_write(file.path)
        method = file.hash_method
        if method is not None:

            def record(digest: str) -> None:
                file.hash = digest

            handle = HashingWriter(handle, method, record)
    if codec is not None:
        handle = Compressed(handle, codec, mode)
    if mode.endswith("b"):
        return handle  # type: ignore[no-any-return]
    return io.TextIOWrapper(handle, encoding=encoding or "utf-8")


class Opener:
    """What :meth:`File.open` returns: a context manager for ``with`` and for ``async with``."""

    def __init__(self, file: File, mode: str, encoding: str | None, compression: str | None = None) -> None:
        mode = ALIASES.get(mode, mode)
        if mode not in MODES:
            known = (*MODES, *ALIASES)
            raise ValueError(f"File.open: mode must be one of {known}, got {mode!r} (for '{file.path}')")
        self._file = file
        self._mode = mode
        self._encoding = encoding
        self._codec = codec_for(compression, file.path)
        self._handle: IO[Any] | None = None
        self._async: AsyncHandle | None = None

    def __enter__(self) -> IO[Any]:
        self._handle = open_handle(self._file, self._mode, self._encoding, self._codec)
        return self._handle

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._handle is not None
        close_handle(self._handle, exc_type, exc, tb)

    async def __aenter__(self) -> AsyncHandle:
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="flyte-file")
        try:
            handle = await asyncio.wrap_future(
                pool.submit(open_handle, self._file, self._mode, self._encoding, self._codec)
            )
        except BaseException:
            pool.shutdown(wait=False)
            raise
        # Seeking back over a read-ahead would decompress again from the start: no read-ahead then.
        self._async = AsyncHandle(handle, pool, self._mode, read_ahead=self._codec is None)
        return self._async

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._async is not None
        await self._async.aclose(exc_type, exc, tb)
