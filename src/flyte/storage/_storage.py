"""The functions of :mod:`flyte.storage`: moving files and folders between this machine and the
stores, streaming, and checking paths, all through the blob layer's ``get_store``.

Local paths may be relative and may hold ``..`` (they are made absolute first); store URIs may
not hold ``..`` segments (ValueError naming the URI).
"""

from __future__ import annotations

import asyncio
import functools
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from flyte._internal.store.blob import BlobStore, get_store, is_local, local_path
from flyte._internal.store.blob import join as join_uri
from flyte._internal.store.blob._uri import split
from flyte.storage._files import AsyncReadableFile, AsyncWritableFile

if TYPE_CHECKING:
    from flyte._internal.store.blob._obstore import ObstoreBlobStore

_MiB = 1024 * 1024
_DEFAULT_BATCH_SIZE = 32
# S3 refuses multipart parts (but the last) under 5 MiB, and any upload of more than 10,000 parts;
# the margin leaves room for part sizes rounded by the store.
_MIN_PART_SIZE = 5 * _MiB
_MAX_PARTS = 9000


def is_remote(path: Path | str) -> bool:
    """Whether ``path`` names a store (``s3://``, ``gs://``, ``memory://`` ...) rather than this machine.

    A :class:`~pathlib.Path`, a plain path and a ``file://`` URI are local.
    """
    return not isinstance(path, Path) and not is_local(path)


def join(*paths: str) -> str:
    """The parts joined with ``/``, as :func:`os.path.join` does: an absolute part (``/x``)
    restarts the path, and an empty last part leaves a trailing separator."""
    return os.path.join(*paths)


def get_random_local_path(file_path_or_file_name: Path | str | None = None) -> Path:
    """A path in a new, private temporary folder, for downloads.

    With ``file_path_or_file_name``, the path ends in its last component (its folder is
    created, the file is not); without, it is a fresh name that nothing exists at yet.
    """
    folder = Path(tempfile.mkdtemp(prefix="flyte-tmp-")) / secrets.token_hex(16)
    tail = os.path.basename(file_path_or_file_name) if file_path_or_file_name else ""
    if tail:
        folder.mkdir()
        return folder / tail
    return folder


def get_random_local_directory() -> Path:
    """A new, empty folder in a new, private temporary folder."""
    folder = get_random_local_path()
    folder.mkdir()
    return folder


async def get(
    from_path: str,
    to_path: str | Path | None = None,
    recursive: bool = False,
    **kwargs: Any,
) -> str:
    """Downloads a stored file (or, with ``recursive``, a folder) to this machine.

    Args:
        from_path: The file or folder: a store URI or a local path.
        to_path: Where to put it. ``None``: a new temporary folder, keeping the source's name.
            For a file, a path ending in a separator or naming an existing folder gets the
            source's name appended. For a folder, the folder that receives its contents.
        recursive: Download everything under ``from_path``, keeping relative paths.
        kwargs: Not supported: the flyte SDK passes them to fsspec, which is not used here.

    Returns:
        The local path of the file or folder.

    Raises:
        FileNotFoundError: nothing is stored at ``from_path``.
        IsADirectoryError: ``from_path`` is a folder and ``recursive`` is false.
        NotADirectoryError: ``from_path`` is a file and ``recursive`` is true.
    """
    _refuse_extra("get", kwargs)
    source = _normalize(from_path)
    name = os.path.basename(source.rstrip("/"))
    if to_path is None:
        target = get_random_local_path(name or None)
    else:
        target = Path(os.path.abspath(to_path))
        if not recursive and (str(to_path).endswith(os.sep) or target.is_dir()):
            target = target / name
    store = get_store(source)
    if recursive:
        await _get_folder(store, from_path, source, target)
    else:
        try:
            await store.download_file_async(source, target)
        except FileNotFoundError:
            if await _is_folder(store, source):
                raise IsADirectoryError(f"'{from_path}' is a folder: pass recursive=True to download it") from None
            raise FileNotFoundError(f"Nothing is stored at '{from_path}'") from None
    return str(target)


async def put(
    from_path: str,
    to_path: str | None = None,
    recursive: bool = False,
    batch_size: int | None = None,
    chunk_size: int | None = None,
    max_concurrency: int | None = None,
    **kwargs: Any,
) -> str:
    """Uploads a local file (or, with ``recursive``, a folder) to a store.

    Args:
        from_path: The local file or folder (a path or a ``file://`` URI).
        to_path: Where to put it: a store URI or a local path. ``None``: a new location under
            the current run's raw-data prefix (inside a task), else under the local one. A
            destination ending in ``/`` (or an existing local folder) gets the file's name appended.
        recursive: Upload the folder's files, keeping their paths relative to ``from_path``.
        batch_size: Files uploaded at once by a recursive upload; default ``$FLYTE_IO_BATCH_SIZE``
            or 32.
        chunk_size: The smallest multipart part size in bytes; default
            ``$FLYTE_IO_UPLOAD_CHUNK_SIZE`` or 8 MiB. Values under 5 MiB count as 5 MiB, and a
            large file gets larger parts so that it needs at most 9,000. Object stores only.
        max_concurrency: Parts of one file uploaded at once; default
            ``$FLYTE_IO_UPLOAD_MAX_CONCURRENCY`` or 4. Object stores only.
        kwargs: Not supported: the flyte SDK passes them to fsspec, which is not used here.

    Returns:
        The URI (or local path) the data was uploaded to.

    Raises:
        FileNotFoundError: there is nothing at ``from_path``.
        IsADirectoryError: ``from_path`` is a folder and ``recursive`` is false.
        NotADirectoryError: ``from_path`` is a file and ``recursive`` is true.
    """
    _refuse_extra("put", kwargs)
    source = local_path(_normalize(from_path))
    if not source.exists():
        raise FileNotFoundError(f"No file or folder at '{from_path}'")
    if source.is_dir() and not recursive:
        raise IsADirectoryError(f"'{from_path}' is a folder: pass recursive=True to upload it")
    if recursive and not source.is_dir():
        raise NotADirectoryError(f"'{from_path}' is a file: pass recursive=False to upload it")
    if to_path is None:
        from flyte._internal.data import new_data_uri

        to_path = new_data_uri(source.name or None)
    elif not recursive and (to_path.endswith("/") or (is_local(to_path) and os.path.isdir(_normalize(to_path)))):
        to_path = join(to_path, source.name)
    target = _normalize(to_path)
    store = get_store(target)
    parts = None if is_local(target) else _Parts(chunk_size, max_concurrency)
    if not recursive:
        await _upload(store, source, target, parts)
        return to_path
    files = await asyncio.to_thread(lambda: sorted(p for p in source.rglob("*") if p.is_file()))
    if is_local(target):
        # An object store has no empty folders, but a local copy of an empty folder should exist.
        await asyncio.to_thread(local_path(target).mkdir, parents=True, exist_ok=True)
    uploads = [
        functools.partial(_upload, store, file, join_uri(target, file.relative_to(source).as_posix()), parts)
        for file in files
    ]
    await _run_all(uploads, _positive(batch_size, "batch_size", "FLYTE_IO_BATCH_SIZE", _DEFAULT_BATCH_SIZE))
    return to_path


async def open(path: str, mode: str = "rb", **kwargs: Any) -> AsyncReadableFile | AsyncWritableFile:
    """Opens a stored (or local) file for async reading or writing, always in binary.

    Both kinds of file object work in ``async with``. A written file appears, whole, when the
    writer is closed; a block that raises publishes nothing.

    Args:
        path: A store URI or a local path.
        mode: ``"rb"`` (or ``"r"``) to read, ``"wb"`` (or ``"w"``) to write.
        kwargs: For writing only: ``chunk_size`` (or ``buffer_size``), the multipart part size,
            and ``max_concurrency``, the parts uploaded at once (object stores only).

    Raises:
        FileNotFoundError: reading, and nothing is stored at ``path``.
        ValueError: ``mode`` is not one of the above.
        TypeError: another keyword argument is given.
    """
    target = _normalize(path)
    store = get_store(target)
    if mode in ("rb", "r"):
        _refuse_extra("open", kwargs)
        return await asyncio.to_thread(_open_reader, store, target)
    if mode in ("wb", "w"):
        buffer_size = kwargs.pop("buffer_size", None)
        part_size = kwargs.pop("chunk_size", buffer_size)
        max_concurrency = kwargs.pop("max_concurrency", None)
        _refuse_extra("open", kwargs)
        parts = None if is_local(target) else _Parts(part_size, max_concurrency)
        return AsyncWritableFile(await asyncio.to_thread(_open_writer, store, target, parts, None))
    raise ValueError(f"open('{path}'): mode must be 'rb' or 'wb' ('r' and 'w' mean the same), got {mode!r}")


async def exists(path: str, **kwargs: Any) -> bool:
    """Whether a file or a folder exists at ``path`` (a store URI or a local path).

    In a store, a folder exists when an object lies under it.

    Args:
        path: The path to check.
        kwargs: Not supported: the flyte SDK passes them to fsspec, which is not used here.
    """
    _refuse_extra("exists", kwargs)
    target = _normalize(path)
    if is_local(target):
        return await asyncio.to_thread(os.path.exists, local_path(target))
    store = get_store(target)
    if split(target)[2] and await store.exists_async(target):
        return True
    return await _is_folder(store, target)


def exists_sync(path: str, **kwargs: Any) -> bool:
    """:func:`exists` for synchronous code (it blocks on the request)."""
    _refuse_extra("exists_sync", kwargs)
    target = _normalize(path)
    if is_local(target):
        return os.path.exists(local_path(target))
    store = get_store(target)
    if split(target)[2] and store.exists(target):
        return True
    return _obstore(store).has_objects_under(target)


async def get_stream(path: str, chunk_size: int = 10 * _MiB, **kwargs: Any) -> AsyncGenerator[bytes, None]:
    """Streams a stored (or local) file as chunks of at most ``chunk_size`` bytes::

        async for chunk in flyte.storage.get_stream("s3://bucket/big.bin"):
            process(chunk)

    Args:
        path: A store URI or a local path.
        chunk_size: The largest chunk, in bytes.
        kwargs: Not supported: the flyte SDK passes them to fsspec, which is not used here.

    Raises:
        FileNotFoundError: nothing is stored at ``path`` (on the first iteration).
        ValueError: ``chunk_size`` is not positive.
    """
    _refuse_extra("get_stream", kwargs)
    if chunk_size <= 0:
        raise ValueError(f"get_stream('{path}'): chunk_size must be positive, got {chunk_size}")
    target = _normalize(path)
    reader = await asyncio.to_thread(get_store(target).open_read, target)
    try:
        while chunk := await asyncio.to_thread(reader.read, chunk_size):
            yield chunk
    finally:
        reader.close()


async def put_stream(
    data_iterable: AsyncIterable[bytes] | Iterable[bytes] | bytes,
    *,
    name: str | None = None,
    to_path: str | None = None,
    size_hint: int | None = None,
    chunk_size: int | None = None,
    max_concurrency: int | None = None,
    **kwargs: Any,
) -> str:
    """Writes bytes, or a stream of chunks, to a stored (or local) file.

    The file appears, whole, once the stream is exhausted; if the stream raises, nothing is
    published (and the error propagates).

    Args:
        data_iterable: The content: bytes, or an async or plain iterable of bytes chunks.
        name: The file name when ``to_path`` is ``None``; a random one when both are ``None``.
        to_path: Where to write: a store URI or a local path. ``None``: a new location under
            the current run's raw-data prefix (inside a task), else under the local one.
        size_hint: The expected total size, which sizes multipart parts for very large streams.
        chunk_size: The smallest multipart part size, as for :func:`put`.
        max_concurrency: Parts uploaded at once, as for :func:`put`.
        kwargs: Not supported: the flyte SDK passes them to fsspec, which is not used here.

    Returns:
        The URI (or local path) written.

    Raises:
        ValueError: ``name`` is not a plain file name.
    """
    _refuse_extra("put_stream", kwargs)
    if to_path is None:
        from flyte._internal.data import new_data_uri

        to_path = new_data_uri(name)
    target = _normalize(to_path)
    store = get_store(target)
    parts = None if is_local(target) else _Parts(chunk_size, max_concurrency)
    writer = AsyncWritableFile(await asyncio.to_thread(_open_writer, store, target, parts, size_hint))
    async with writer:
        if isinstance(data_iterable, (bytes, bytearray, memoryview)):
            await writer.write(data_iterable)
        elif isinstance(data_iterable, AsyncIterable):
            async for chunk in data_iterable:
                await writer.write(chunk)
        else:
            for chunk in data_iterable:
                await writer.write(chunk)
    return to_path


# -- helpers ------------------------------------------------------------------------------------


class _Parts:
    """Multipart tuning of one upload to an object store: the smallest part size and the parts
    in flight. Made only for object stores, as it loads obstore."""

    def __init__(self, chunk_size: int | None, max_concurrency: int | None) -> None:
        from flyte._internal.store.blob._obstore import MAX_CONCURRENCY, PART_SIZE

        floor = _positive(chunk_size, "chunk_size", "FLYTE_IO_UPLOAD_CHUNK_SIZE", PART_SIZE)
        self.floor = max(floor, _MIN_PART_SIZE)
        self.max_concurrency = _positive(
            max_concurrency, "max_concurrency", "FLYTE_IO_UPLOAD_MAX_CONCURRENCY", MAX_CONCURRENCY
        )

    def part_size(self, total: int | None) -> int:
        """The part size for ``total`` bytes: the floor, or larger to stay within the part limit."""
        return max(self.floor, -(-total // _MAX_PARTS)) if total else self.floor


def _positive(value: int | None, parameter: str, variable: str, default: int) -> int:
    """``value``, else ``$variable``, else ``default``; values under 1 count as 1."""
    if value is None:
        raw = os.environ.get(variable)
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{variable} must be a whole number (the default {parameter}), got {raw!r}") from None
    return max(1, value)


def _normalize(path: str | Path) -> str:
    """A store URI unchanged; a local path or ``file://`` URI as an absolute path (so that a
    ``..`` in a plain path is resolved rather than refused by the blob layer)."""
    text = str(path)
    if not is_local(text):
        return text
    if text[:7].lower() == "file://":
        return str(local_path(text))
    return os.path.abspath(text)


def _refuse_extra(function: str, kwargs: dict[str, Any]) -> None:
    if kwargs:
        names = ", ".join(sorted(kwargs))
        raise TypeError(
            f"flyte.storage.{function}() got unsupported keyword arguments: {names} "
            "(the flyte SDK passes them to fsspec, which this implementation does not use)"
        )


def _obstore(store: BlobStore) -> ObstoreBlobStore:
    """``store`` as the obstore store every non-local URI gets."""
    from flyte._internal.store.blob._obstore import ObstoreBlobStore

    if not isinstance(store, ObstoreBlobStore):
        raise TypeError(f"{store!r} is not an object store")
    return store


def _open_reader(store: BlobStore, uri: str) -> AsyncReadableFile:
    reader = store.open_read(uri)
    size = reader.seek(0, os.SEEK_END)
    reader.seek(0)
    return AsyncReadableFile(reader, size)


def _open_writer(store: BlobStore, uri: str, parts: _Parts | None, size_hint: int | None) -> BinaryIO:
    if parts is None:
        return store.open_write(uri)
    return _obstore(store).open_write(uri, part_size=parts.part_size(size_hint), max_concurrency=parts.max_concurrency)


async def _upload(store: BlobStore, source: Path, uri: str, parts: _Parts | None) -> None:
    if parts is None:
        await store.upload_file_async(source, uri)
        return
    size = (await asyncio.to_thread(source.stat)).st_size
    await _obstore(store).upload_file_async(
        source, uri, part_size=parts.part_size(size), max_concurrency=parts.max_concurrency
    )


async def _is_folder(store: BlobStore, uri: str) -> bool:
    if is_local(uri):
        return local_path(uri).is_dir()
    return await _obstore(store).has_objects_under_async(uri)


async def _get_folder(store: BlobStore, from_path: str, source: str, target: Path) -> None:
    if is_local(source):
        folder = local_path(source)
        if folder.is_file():
            raise NotADirectoryError(f"'{from_path}' is a file: pass recursive=False to download it")
        if not folder.is_dir():
            raise FileNotFoundError(f"No folder at '{from_path}'")
        from flyte._internal.store.blob._local import PARTIAL_SUFFIX

        # Files still being written by the blob layer are left behind, as its listings leave them.
        ignore = shutil.ignore_patterns(f"*{PARTIAL_SUFFIX}")
        await asyncio.to_thread(shutil.copytree, folder, target, ignore=ignore, dirs_exist_ok=True)
        return
    _, _, prefix_key = split(source)
    downloads = []
    async for info in store.list_async(source):
        relative = split(info.uri)[2][len(prefix_key) :].lstrip("/") if prefix_key else split(info.uri)[2]
        if relative:
            destination = target.joinpath(*relative.split("/"))
            downloads.append(functools.partial(store.download_file_async, info.uri, destination))
    if not downloads:
        if split(source)[2] and await store.exists_async(source):
            raise NotADirectoryError(f"'{from_path}' is a file: pass recursive=False to download it")
        raise FileNotFoundError(f"Nothing is stored under '{from_path}'")
    await _run_all(downloads, _positive(None, "batch_size", "FLYTE_IO_BATCH_SIZE", _DEFAULT_BATCH_SIZE))


async def _run_all(jobs: Sequence[Callable[[], Awaitable[None]]], limit: int) -> None:
    """Runs the jobs, at most ``limit`` at a time; on the first failure the rest are cancelled."""
    semaphore = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[None]]) -> None:
        async with semaphore:
            await job()

    tasks = [asyncio.ensure_future(run(job)) for job in jobs]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
