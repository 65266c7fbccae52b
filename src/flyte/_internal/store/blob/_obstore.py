"""The obstore-backed store: one bucket of memory, S3, GCS or Azure, addressed by full URIs.

Streaming goes through obstore's buffered reader (ranged GETs, seekable) and writer (a
multipart upload in parts of :data:`PART_SIZE`, several in flight), adapted to standard
``io`` objects so that callers get ``readinto``, ``readline``, iteration and context managers.

obstore's network I/O does not survive ``fork``: once a process has used an S3, GCS or Azure
store, a forked child hangs on its first request, even with a new store. Start workers that
touch these stores with ``spawn``/``forkserver`` or a fresh interpreter. (Memory stores made in
the child work.)
"""

from __future__ import annotations

import asyncio
import io
import os
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import obstore
from obstore.exceptions import NotFoundError

from flyte._internal.store.blob._local import atomic_writer
from flyte._internal.store.blob._protocol import ObjectInfo
from flyte._internal.store.blob._uri import missing, split
from flyte._internal.store.blob._writer import PublishingWriter

if TYPE_CHECKING:
    from obstore import ObjectMeta, ReadableFile, WritableFile
    from obstore.store import ObjectStore

PART_SIZE = 8 * 1024 * 1024
"""Multipart upload part size, and the size of the reader's ranged GETs. S3 needs 5 MiB or more;
against SeaweedFS, 5, 8 and 16 MiB parts streamed alike, and smaller parts hold less memory."""

MAX_CONCURRENCY = 4
"""Parts in flight per writer. Against SeaweedFS, 12 streamed no faster than 4 (often slower),
and each costs a PART_SIZE buffer; a distant store, bound by latency, may want more."""

# Small writes gather here before crossing into obstore, which costs a call per write.
_WRITE_BUFFER = 1024 * 1024
# Reads smaller than this are served from a local buffer; larger ones go straight through.
_READ_BUFFER = 256 * 1024
_LIST_PAGE = 1000
_NOT_FOUND = (FileNotFoundError, NotFoundError)


class ObstoreBlobStore:
    """A :class:`~flyte._internal.store.blob.BlobStore` over one obstore bucket (``scheme://bucket``)."""

    def __init__(self, scheme: str, bucket: str, store: ObjectStore) -> None:
        self._scheme = scheme
        self._bucket = bucket
        self._root = f"{scheme}://{bucket}"
        self._store = store

    def __repr__(self) -> str:
        return f"ObstoreBlobStore({self._root!r})"

    def put(self, uri: str, data: bytes) -> None:
        """Stores ``data`` at ``uri`` in one request."""
        obstore.put(self._store, self._key(uri), data)

    def get(self, uri: str) -> bytes:
        """The object's bytes; FileNotFoundError naming ``uri`` if there is none."""
        key = self._key(uri)
        with _named_missing(uri):
            return obstore.get(self._store, key).bytes().to_bytes()

    def open_read(self, uri: str) -> io.BufferedReader:
        """A buffered, seekable reader over ranged GETs."""
        key = self._key(uri)
        with _named_missing(uri):
            reader = obstore.open_reader(self._store, key, buffer_size=PART_SIZE)
        return io.BufferedReader(_RangeReader(reader), buffer_size=_READ_BUFFER)

    def open_write(self, uri: str, *, part_size: int = PART_SIZE, max_concurrency: int = MAX_CONCURRENCY) -> BinaryIO:
        """A writer that uploads in parts as data comes and completes the object on close.

        ``part_size`` and ``max_concurrency`` tune the multipart upload (see :data:`PART_SIZE`).
        """
        writer = obstore.open_writer(
            self._store, self._key(uri), buffer_size=part_size, max_concurrency=max_concurrency
        )
        return _ObjectWriter(_PartSink(writer), buffer_size=_WRITE_BUFFER)

    def list(self, prefix_uri: str) -> Iterator[ObjectInfo]:
        """Every object under the prefix, sorted by URI.

        The whole listing is gathered before the first result: S3-compatible stores do not all
        keep S3's lexical order (SeaweedFS lists ``a/b/c`` before ``a/b-c``).
        """
        pages = obstore.list(self._store, self._prefix(prefix_uri), chunk_size=_LIST_PAGE)
        return iter(_by_uri(info for page in pages for info in self._infos(page)))

    def has_objects_under(self, prefix_uri: str) -> bool:
        """Whether any object lies under the folder-like ``prefix_uri`` (one listing request)."""
        found = obstore.list_with_delimiter(self._store, self._prefix(prefix_uri))
        return bool(found["objects"] or found["common_prefixes"])

    async def has_objects_under_async(self, prefix_uri: str) -> bool:
        """Async :meth:`has_objects_under`."""
        found = await obstore.list_with_delimiter_async(self._store, self._prefix(prefix_uri))
        return bool(found["objects"] or found["common_prefixes"])

    def exists(self, uri: str) -> bool:
        """Whether an object exists at ``uri`` (one HEAD request)."""
        try:
            obstore.head(self._store, self._key(uri))
        except _NOT_FOUND:
            return False
        return True

    def delete(self, uri: str) -> None:
        """Removes the object; a missing one is no error."""
        with suppress(*_NOT_FOUND):
            obstore.delete(self._store, self._key(uri))

    def copy(self, src_uri: str, dst_uri: str) -> None:
        """Copies inside the store (server side where the store supports it)."""
        src, dst = self._key(src_uri), self._key(dst_uri)
        if src == dst:
            # S3 refuses to copy an object onto itself; there is nothing to do but check it exists.
            if not self.exists(src_uri):
                raise missing(src_uri)
            return
        with _named_missing(src_uri):
            obstore.copy(self._store, src, dst)

    def upload_file(self, local_path: Path, uri: str) -> None:
        """Uploads the file, in parts when it is larger than one part."""
        obstore.put(
            self._store,
            self._key(uri),
            Path(local_path),
            chunk_size=PART_SIZE,
            max_concurrency=MAX_CONCURRENCY,
        )

    def download_file(self, uri: str, local_path: Path) -> None:
        """Streams the object into a temporary file that replaces ``local_path`` when complete."""
        key = self._key(uri)
        with _named_missing(uri):
            result = obstore.get(self._store, key)
        with atomic_writer(Path(local_path)) as f:
            for chunk in result.stream(min_chunk_size=PART_SIZE):
                f.write(chunk)

    async def put_async(self, uri: str, data: bytes) -> None:
        """Async :meth:`put`."""
        await obstore.put_async(self._store, self._key(uri), data)

    async def get_async(self, uri: str) -> bytes:
        """Async :meth:`get`."""
        key = self._key(uri)
        with _named_missing(uri):
            result = await obstore.get_async(self._store, key)
            return (await result.bytes_async()).to_bytes()

    async def exists_async(self, uri: str) -> bool:
        """Async :meth:`exists`."""
        try:
            await obstore.head_async(self._store, self._key(uri))
        except _NOT_FOUND:
            return False
        return True

    async def delete_async(self, uri: str) -> None:
        """Async :meth:`delete`."""
        with suppress(*_NOT_FOUND):
            await obstore.delete_async(self._store, self._key(uri))

    async def copy_async(self, src_uri: str, dst_uri: str) -> None:
        """Async :meth:`copy`."""
        src, dst = self._key(src_uri), self._key(dst_uri)
        if src == dst:
            if not await self.exists_async(src_uri):
                raise missing(src_uri)
            return
        with _named_missing(src_uri):
            await obstore.copy_async(self._store, src, dst)

    async def upload_file_async(
        self, local_path: Path, uri: str, *, part_size: int = PART_SIZE, max_concurrency: int = MAX_CONCURRENCY
    ) -> None:
        """Async :meth:`upload_file`; ``part_size`` and ``max_concurrency`` tune the multipart upload."""
        await obstore.put_async(
            self._store,
            self._key(uri),
            Path(local_path),
            chunk_size=part_size,
            max_concurrency=max_concurrency,
        )

    async def download_file_async(self, uri: str, local_path: Path) -> None:
        """Async :meth:`download_file`; chunks are written to disk on a worker thread."""
        key = self._key(uri)
        with _named_missing(uri):
            result = await obstore.get_async(self._store, key)
        with atomic_writer(Path(local_path)) as f:
            async for chunk in result.stream(min_chunk_size=PART_SIZE):
                await asyncio.to_thread(f.write, chunk)

    def list_async(self, prefix_uri: str) -> AsyncIterator[ObjectInfo]:
        """Async :meth:`list`."""
        return self._sorted_async(obstore.list(self._store, self._prefix(prefix_uri), chunk_size=_LIST_PAGE))

    def _key(self, uri: str) -> str:
        key = self._prefix(uri)
        if key is None:
            raise ValueError(f"'{uri}' names a bucket, not an object")
        return key

    def _prefix(self, uri: str) -> str | None:
        scheme, bucket, key = split(uri)
        if (scheme, bucket) != (self._scheme, self._bucket):
            raise ValueError(f"'{uri}' is not in this store ({self._root})")
        return key or None

    def _infos(self, page: Sequence[ObjectMeta]) -> Iterator[ObjectInfo]:
        return (ObjectInfo(f"{self._root}/{meta['path']}", meta["size"]) for meta in page)

    async def _sorted_async(self, pages: AsyncIterator[Sequence[ObjectMeta]]) -> AsyncIterator[ObjectInfo]:
        found = [info async for page in pages for info in self._infos(page)]
        for info in _by_uri(found):
            yield info


class _RangeReader(io.RawIOBase):
    """obstore's reader as a raw stream, so io.BufferedReader can add the rest of the file API."""

    def __init__(self, reader: ReadableFile) -> None:
        self._reader = reader

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._reader.read(len(buffer))
        size = len(data)
        memoryview(buffer).cast("B")[:size] = memoryview(data)
        return size

    def readall(self) -> bytes:
        return self._reader.read().to_bytes()

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._reader.seek(offset, whence)

    def tell(self) -> int:
        return self._reader.tell()

    def close(self) -> None:
        if not self.closed:
            self._reader.close()
        super().close()


class _PartSink(io.RawIOBase):
    """obstore's writer as a raw stream; closing it does not complete the upload (see below)."""

    def __init__(self, writer: WritableFile) -> None:
        self.writer = writer

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        # obstore keeps the buffer it is given until the part is sent, while io.BufferedWriter
        # hands over views of memory it reuses (its own buffer, or the caller's): copy first.
        return self.writer.write(bytes(data))


class _ObjectWriter(PublishingWriter):
    """Completes the multipart upload on close; a discarded writer never completes it."""

    raw: _PartSink

    def _publish(self) -> None:
        self.raw.writer.close()

    def _abandon(self) -> None:
        # obstore has no abort: an upload never completed leaves no object, and stores expire
        # the unfinished parts by their own rules.
        pass


def _by_uri(infos: Iterable[ObjectInfo]) -> list[ObjectInfo]:
    return sorted(infos, key=lambda info: info.uri)


@contextmanager
def _named_missing(uri: str) -> Generator[None, None, None]:
    try:
        yield
    except _NOT_FOUND:
        # obstore's message is a page of HTTP debugging; the URI says all a caller needs.
        raise missing(uri) from None
