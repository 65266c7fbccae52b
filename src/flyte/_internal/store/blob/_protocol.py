"""The blob store contract: where task data (files, folders, tables, large values) lives.

A store is addressed by URI (a plain path, ``file:///...``, ``memory://bucket/...``,
``s3://bucket/key``, ``gs://``, ``abfs://``/``az://``). Every method has a sync form, for sync
tasks and streaming, and the I/O-heavy ones an async form; streaming handles are sync file-like
objects so that a loop reading a large file costs no event-loop round trip per chunk.

Every method refuses a URI with a ``..`` segment (ValueError naming it), and a missing object
raises FileNotFoundError whose message names the URI.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object: its full URI and its size in bytes."""

    uri: str
    size: int


@runtime_checkable
class BlobStore(Protocol):
    """Reads and writes objects under URIs of one or more schemes."""

    def put(self, uri: str, data: bytes) -> None:
        """Stores ``data`` at ``uri``, replacing what was there."""

    def get(self, uri: str) -> bytes:
        """The whole object at ``uri``; FileNotFoundError naming the URI when there is none."""

    def open_read(self, uri: str) -> io.BufferedReader:
        """A seekable binary reader over the object (read, readinto, seek, tell, iteration, close)."""

    def open_write(self, uri: str) -> BinaryIO:
        """A binary writer; the object appears complete at ``uri`` when the writer is closed.

        Until then readers see the previous object or none; a ``with`` block that raises
        discards what was written and leaves the previous object in place.
        """

    def list(self, prefix_uri: str) -> Iterator[ObjectInfo]:
        """Every object under the prefix (recursively), in lexical order of URI.

        The prefix is a folder: ``.../a`` lists ``.../a/x`` but neither ``.../ab`` nor ``.../a``
        itself. URIs come back in the form the prefix was written in (plain path or URI).
        """

    def exists(self, uri: str) -> bool:
        """Whether an object exists at ``uri`` (a folder is not an object)."""

    def delete(self, uri: str) -> None:
        """Removes the object (no error if it does not exist)."""

    def copy(self, src_uri: str, dst_uri: str) -> None:
        """Copies one object to another URI of the same store."""

    def upload_file(self, local_path: Path, uri: str) -> None:
        """Streams a local file to ``uri`` (never reads it whole into memory)."""

    def download_file(self, uri: str, local_path: Path) -> None:
        """Streams the object at ``uri`` to a local file (parent folders are created).

        The file appears complete or not at all.
        """

    async def put_async(self, uri: str, data: bytes) -> None:
        """Async :meth:`put`."""

    async def get_async(self, uri: str) -> bytes:
        """Async :meth:`get`."""

    async def exists_async(self, uri: str) -> bool:
        """Async :meth:`exists`."""

    async def delete_async(self, uri: str) -> None:
        """Async :meth:`delete`."""

    async def copy_async(self, src_uri: str, dst_uri: str) -> None:
        """Async :meth:`copy`."""

    async def upload_file_async(self, local_path: Path, uri: str) -> None:
        """Async :meth:`upload_file`."""

    async def download_file_async(self, uri: str, local_path: Path) -> None:
        """Async :meth:`download_file`."""

    def list_async(self, prefix_uri: str) -> AsyncIterator[ObjectInfo]:
        """Async :meth:`list`."""
