"""flyte.io.Dir: a reference to a stored folder of files, passed between tasks by path.

Like :class:`~flyte.io.File`, every I/O method blocks in sync code and is awaited in async code.
Folders exist only through the files in them (object stores have no folders), so an empty
folder does not survive an upload to an object store.
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import shutil
from collections.abc import AsyncIterator, Coroutine, Iterable, Iterator
from pathlib import Path
from typing import Any

from flyte._context import current_action
from flyte._internal.data import new_data_uri, raw_data_prefix
from flyte._internal.store.blob import BlobStore, ObjectInfo, get_store, is_local, join
from flyte._syncify import run_sync
from flyte.io._dual import dual, dual_async, dual_async_classmethod
from flyte.io._file import File, local_path_of
from flyte.io._lazy import local_uploader
from flyte.io._local import cached_copy, check_relative, check_uri, download_folder, in_place, normalize
from flyte.io._ref import _Ref

#: Files moved at the same time by an upload or download of a folder.
CONCURRENCY = 32
#: The path of :class:`EmptyDir`: no real local path or URI can be this.
EMPTY_DIR_PATH = "::flyte-empty-dir::"


class Dir(_Ref):
    """A folder in local storage or an object store.

    Attributes: ``path`` (absolute local path or URI), ``name``, ``format`` and ``hash`` (a
    key that cache keys use instead of the path). ``os.fspath(d)`` gives a local folder,
    downloading a remote one on first use.
    """

    __slots__ = ()

    model_schema_extra = {"description": "A directory reference with an optional format type.", "x-flyte-type": "dir"}

    # -- making folders ---------------------------------------------------------------------------

    @dual_async_classmethod
    async def from_local(
        cls: type[Dir],
        local_path: str | os.PathLike[str],
        remote_destination: str | None = None,
        dir_cache_key: str | None = None,
    ) -> Dir:
        """A Dir of the local folder at ``local_path``.

        Outside a task, when raw data stays on this machine, the folder is not copied: the Dir
        points at it. Otherwise its files are uploaded, several at a time, under the raw-data
        prefix (or to ``remote_destination``); inside a task even to a local prefix, since the
        folder may be temporary, unless it is under the prefix already (see
        :func:`~flyte.io._local.in_place`). ``dir_cache_key`` is a hash standing for the content.
        """
        source = Path(local_path).expanduser().absolute()
        if not source.exists():
            raise FileNotFoundError(f"Dir.from_local: no folder at '{local_path}'")
        if not source.is_dir():
            raise NotADirectoryError(f"Dir.from_local: '{local_path}' is a file; use File.from_local")
        if remote_destination is None and in_place(source, raw_data_prefix()):
            folder = cls(str(source), hash=dir_cache_key)
            if current_action.get() is None:
                folder.lazy_uploader = local_uploader(source, dir_cache_key, folder=True)
            return folder
        if remote_destination is not None:
            check_uri(remote_destination)
        target = normalize(remote_destination or new_data_uri(source.name))
        await _upload_tree(source, target)
        return cls(target, hash=dir_cache_key)

    from_local_sync = from_local.blocking

    @classmethod
    def from_existing_remote(cls, remote_path: str, dir_cache_key: str | None = None) -> Dir:
        """A Dir of files already stored under ``remote_path``; ``dir_cache_key`` is its known hash."""
        check_uri(remote_path)
        return cls(normalize(remote_path), hash=dir_cache_key)

    @classmethod
    def new_remote(cls, dir_name: str | None = None, hash: str | None = None) -> Dir:
        """A Dir at a fresh location under the raw-data prefix; write files into it with
        ``d.new_file(name).open("wb")``."""
        return cls(normalize(new_data_uri(dir_name)), hash=hash)

    @classmethod
    def empty(cls) -> Dir:
        """A Dir standing for "no folder was produced": see :class:`EmptyDir`."""
        return EmptyDir()

    @property
    def is_empty(self) -> bool:
        """Whether this is the "no folder" Dir of :meth:`empty` (or :class:`EmptyDir`), also after
        passing between tasks. A real folder with no files is not "empty" in this sense."""
        return self.path == EMPTY_DIR_PATH

    def new_file(self, name: str) -> File:
        """A File at ``name`` (a relative path) inside this folder, to write with ``open("wb")``."""
        return File(join(self.path, check_relative(name, "Dir.new_file: file name")))

    # -- listing ----------------------------------------------------------------------------------

    def walk(self, recursive: bool = True, max_depth: int | None = None, file_pattern: str = "*") -> Walk:
        """The folder's files, as File objects: ``for f in d.walk()`` or ``async for f in d.walk()``.

        ``recursive=False`` (or ``max_depth=1``) keeps the top-level files; ``file_pattern``
        is a glob matched against file names.
        """
        if max_depth is not None and max_depth < 1:
            raise ValueError(f"Dir.walk: max_depth must be at least 1, got {max_depth}")
        return Walk(self, 1 if not recursive else max_depth, file_pattern)

    def walk_sync(
        self, recursive: bool = True, file_pattern: str = "*", max_depth: int | None = None
    ) -> Iterator[File]:
        """The SDK's blocking :meth:`walk`."""
        return iter(self.walk(recursive, max_depth, file_pattern))

    @dual
    def list_files(self) -> list[File]:
        """The files at the top of the folder (not in its subfolders), as the flyte SDK lists them;
        ``walk()`` goes down."""
        return list(self.walk(recursive=False))

    list_files_sync = list_files.blocking

    @dual
    def get_file(self, file_name: str) -> File | None:
        """The file at ``file_name`` (a relative path) in this folder, or None if there is none."""
        uri = join(self.path, check_relative(file_name, "Dir.get_file: file name"))
        return File(uri) if get_store(uri).exists(uri) else None

    get_file_sync = get_file.blocking

    @dual
    def exists(self) -> bool:
        """Whether the folder exists (for an object store: whether any file is under it)."""
        if is_local(self.path):
            return local_path_of(self.path).is_dir()
        return next(iter(get_store(self.path).list(self.path)), None) is not None

    exists_sync = exists.blocking

    @dual_async
    async def download(self, local_path: str | os.PathLike[str] | None = None) -> str:
        """A local copy of the folder; its absolute path.

        ``local_path`` is the destination folder (created if needed), by default a new
        temporary one. A local folder with no destination is not copied.
        """
        if is_local(self.path) and local_path is None:
            source = local_path_of(self.path)
            if not source.is_dir():
                raise FileNotFoundError(f"Dir.download: no folder at '{self.path}'")
            return str(source)
        target = download_folder(local_path)
        await self._fetch_into(target)
        return str(target)

    download_sync = download.blocking

    def __fspath__(self) -> str:
        """A local folder with the files; a remote folder is downloaded once per process, on demand."""
        if is_local(self.path):
            return str(local_path_of(self.path))
        return cached_copy(self.path, self.name, lambda dest: run_sync(self._fetch_into(dest)))

    async def _fetch_into(self, target: Path) -> None:
        if is_local(self.path):
            source = local_path_of(self.path)
            if not source.is_dir():
                raise FileNotFoundError(f"Dir.download: no folder at '{self.path}'")
            await asyncio.to_thread(shutil.copytree, source, target, dirs_exist_ok=True)
            return
        store = get_store(self.path)
        infos = [info async for info in store.list_async(self.path)]
        if not infos:
            raise FileNotFoundError(f"Dir.download: nothing is stored under '{self.path}'")
        target.mkdir(parents=True, exist_ok=True)
        await _bounded(store.download_file_async(info.uri, target / relative(self.path, info.uri)) for info in infos)


class EmptyDir(Dir):
    """A Dir meaning "no folder was produced", for a task that may or may not make one.

    Return it where a ``Dir`` is declared (``Optional[Dir]`` works too, but cannot tell apart a
    missing value from a missing field in some containers). The receiving task gets a plain
    Dir whose :attr:`~Dir.is_empty` is True: test that rather than ``isinstance``.
    """

    __slots__ = ()
    base_kind = Dir

    def __init__(
        self, path: object = None, name: str | None = None, format: str | None = None, hash: str | None = None
    ) -> None:
        # The path (and name) are always the sentinel's, whatever is given.
        super().__init__(EMPTY_DIR_PATH, name="", format=format, hash=hash)
        self.name = ""


class Walk:
    """The files of a Dir: iterate with ``for`` in sync code, ``async for`` in async code."""

    def __init__(self, folder: Dir, max_depth: int | None, pattern: str) -> None:
        self._dir = folder
        self._max_depth = max_depth
        self._pattern = pattern

    def _file(self, info: ObjectInfo) -> File | None:
        rel = relative(self._dir.path, info.uri)
        if self._max_depth is not None and rel.count("/") >= self._max_depth:
            return None
        name = rel.rpartition("/")[2]
        if self._pattern != "*" and not fnmatch.fnmatchcase(name, self._pattern):
            return None
        return File(normalize(info.uri), name=name)

    def _check_local(self) -> None:
        path = self._dir.path
        if is_local(path) and not local_path_of(path).is_dir():
            raise FileNotFoundError(f"Dir.walk: no folder at '{path}'")

    def __iter__(self) -> Iterator[File]:
        self._check_local()
        for info in get_store(self._dir.path).list(self._dir.path):
            file = self._file(info)
            if file is not None:
                yield file

    async def __aiter__(self) -> AsyncIterator[File]:
        self._check_local()
        async for info in get_store(self._dir.path).list_async(self._dir.path):
            file = self._file(info)
            if file is not None:
                yield file


def relative(folder: str, uri: str) -> str:
    """The path of ``uri`` inside ``folder``, with ``/`` separators."""
    base = folder.rstrip("/") + "/"
    if not uri.startswith(base):
        raise ValueError(f"'{uri}' is not inside '{folder}'")
    return uri[len(base) :]


async def _upload_tree(source: Path, target: str) -> None:
    """Uploads every file under the local folder ``source`` to the same place under ``target``."""
    if is_local(target):
        # A local store keeps an empty folder too, which the next task can then walk.
        await asyncio.to_thread(local_path_of(target).mkdir, parents=True, exist_ok=True)
    store = get_store(target)
    members = await asyncio.to_thread(_local_members, source)
    await _bounded(_upload(store, source / rel, join(target, rel)) for rel in members)


async def _upload(store: BlobStore, source: Path, uri: str) -> None:
    try:
        await store.upload_file_async(source, uri)
    except OSError as e:
        # The store's message may name neither side (a dangling link, a file removed meanwhile).
        raise type(e)(e.errno, f"Dir.from_local: cannot upload '{source}' to '{uri}': {e.strerror or e}") from e


def _local_members(root: Path) -> list[str]:
    return [
        Path(os.path.relpath(os.path.join(folder, name), root)).as_posix()
        for folder, _, names in os.walk(root)
        for name in names
    ]


async def _bounded(jobs: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Awaits the coroutines of ``jobs``, at most :data:`CONCURRENCY` at a time.

    Workers pull from ``jobs`` lazily, so a folder of many files never has a coroutine per file
    waiting; the first failure cancels the other workers and is raised.
    """
    pending = iter(jobs)

    async def worker() -> None:
        for job in pending:
            await job

    workers = [asyncio.ensure_future(worker()) for _ in range(CONCURRENCY)]
    try:
        await asyncio.gather(*workers)
    except BaseException:
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        raise
