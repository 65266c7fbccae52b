"""The local-folder store: plain paths and ``file://`` URIs, served with plain Python file I/O.

Writes go to a temporary file beside the destination and are renamed over it when complete
(``os.replace`` is atomic within a folder), so a reader sees the old file or the new one, never
a part. Temporary files carry :data:`PARTIAL_SUFFIX` and are left out of listings.
"""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import BinaryIO

from flyte._internal.store.blob import _uri
from flyte._internal.store.blob._protocol import ObjectInfo
from flyte._internal.store.blob._uri import join, local_path, missing
from flyte._internal.store.blob._writer import PublishingWriter

PARTIAL_SUFFIX = ".flyte-partial"
"""Ends the name of a file still being written; listings skip such files."""

# Longer destination names are cut in the temporary name, which must stay under NAME_MAX.
_MAX_TEMP_STEM = 100


class LocalBlobStore:
    """A :class:`~flyte._internal.store.blob.BlobStore` over the local file system."""

    def put(self, uri: str, data: bytes) -> None:
        """Writes ``data`` to the file at ``uri`` atomically, creating parent folders."""
        with self.open_write(uri) as f:
            f.write(data)

    def get(self, uri: str) -> bytes:
        """The file's bytes; FileNotFoundError naming ``uri`` if there is no file."""
        with self.open_read(uri) as f:
            return f.read()

    def open_read(self, uri: str) -> io.BufferedReader:
        """The file opened for binary reading (a real file object)."""
        path = local_path(uri)
        try:
            return open(path, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise missing(uri) from None

    def open_write(self, uri: str) -> BinaryIO:
        """A writer to a temporary file that replaces the file at ``uri`` on close."""
        return atomic_writer(local_path(uri))

    def list(self, prefix_uri: str) -> Iterator[ObjectInfo]:
        """Every file under the folder ``prefix_uri``, recursively, sorted by URI."""
        return _walk(local_path(prefix_uri), prefix_uri)

    def exists(self, uri: str) -> bool:
        """Whether a file (not a folder) exists at ``uri``."""
        return local_path(uri).is_file()

    def delete(self, uri: str) -> None:
        """Removes the file; a missing file or a folder is left alone."""
        path = local_path(uri)
        if not path.is_dir():
            path.unlink(missing_ok=True)

    def copy(self, src_uri: str, dst_uri: str) -> None:
        """Copies the file atomically; nothing happens when both name the same file."""
        _copy_file(local_path(src_uri), local_path(dst_uri), src_uri)

    def upload_file(self, local_path: Path, uri: str) -> None:
        """Copies ``local_path`` to ``uri``; nothing happens when both name the same file."""
        _copy_file(Path(local_path), _uri.local_path(uri), str(local_path))

    def download_file(self, uri: str, local_path: Path) -> None:
        """Copies the file at ``uri`` to ``local_path``; nothing happens when they are the same."""
        _copy_file(_uri.local_path(uri), Path(local_path), uri)

    async def put_async(self, uri: str, data: bytes) -> None:
        """Async :meth:`put` (on a worker thread)."""
        await asyncio.to_thread(self.put, uri, data)

    async def get_async(self, uri: str) -> bytes:
        """Async :meth:`get` (on a worker thread)."""
        return await asyncio.to_thread(self.get, uri)

    async def exists_async(self, uri: str) -> bool:
        """Async :meth:`exists` (on a worker thread)."""
        return await asyncio.to_thread(self.exists, uri)

    async def delete_async(self, uri: str) -> None:
        """Async :meth:`delete` (on a worker thread)."""
        await asyncio.to_thread(self.delete, uri)

    async def copy_async(self, src_uri: str, dst_uri: str) -> None:
        """Async :meth:`copy` (on a worker thread)."""
        await asyncio.to_thread(self.copy, src_uri, dst_uri)

    async def upload_file_async(self, local_path: Path, uri: str) -> None:
        """Async :meth:`upload_file` (on a worker thread)."""
        await asyncio.to_thread(self.upload_file, local_path, uri)

    async def download_file_async(self, uri: str, local_path: Path) -> None:
        """Async :meth:`download_file` (on a worker thread)."""
        await asyncio.to_thread(self.download_file, uri, local_path)

    def list_async(self, prefix_uri: str) -> AsyncIterator[ObjectInfo]:
        """Async :meth:`list`; the folder is walked on a worker thread."""
        return _walk_async(local_path(prefix_uri), prefix_uri)


def atomic_writer(final: Path) -> BinaryIO:
    """A writer to a temporary file beside ``final`` that is renamed over it on close."""
    temp = _temp_beside(final)
    return _AtomicFileWriter(io.FileIO(temp, "xb"), temp, final)


class _AtomicFileWriter(PublishingWriter):
    """Writes a temporary file and renames it over the destination on close."""

    def __init__(self, raw: io.FileIO, temp: Path, final: Path) -> None:
        super().__init__(raw)
        self._temp = temp
        self._final = final

    def _publish(self) -> None:
        os.replace(self._temp, self._final)

    def _abandon(self) -> None:
        self._temp.unlink(missing_ok=True)


def _walk(root: Path, prefix_uri: str) -> Iterator[ObjectInfo]:
    found: dict[str, int] = {}
    for folder, _, names in os.walk(root):
        relative = os.path.relpath(folder, root)
        for name in names:
            if name.endswith(PARTIAL_SUFFIX):
                continue
            try:
                size = os.stat(os.path.join(folder, name)).st_size
            except FileNotFoundError:
                continue  # deleted since the walk saw it, or a dangling link
            member = name if relative == "." else f"{Path(relative).as_posix()}/{name}"
            found[join(prefix_uri, member)] = size
    for uri in sorted(found):
        yield ObjectInfo(uri, found[uri])


async def _walk_async(root: Path, prefix_uri: str) -> AsyncIterator[ObjectInfo]:
    for info in await asyncio.to_thread(lambda: [*_walk(root, prefix_uri)]):
        yield info


def _temp_beside(final: Path) -> Path:
    final.parent.mkdir(parents=True, exist_ok=True)
    stem = final.name[:_MAX_TEMP_STEM]
    return final.with_name(f".{stem}.{secrets.token_hex(6)}{PARTIAL_SUFFIX}")


def _copy_file(src: Path, dst: Path, src_name: str) -> None:
    try:
        if dst.exists() and os.path.samefile(src, dst):
            return
    except FileNotFoundError:
        raise missing(src_name) from None
    temp = _temp_beside(dst)
    try:
        # copyfile uses the kernel's zero-copy paths (copy_file_range, sendfile) where it can.
        shutil.copyfile(src, temp)
        os.replace(temp, dst)
    except BaseException as e:
        temp.unlink(missing_ok=True)
        if isinstance(e, (FileNotFoundError, IsADirectoryError)) and not src.is_file():
            raise missing(src_name) from None
        raise
