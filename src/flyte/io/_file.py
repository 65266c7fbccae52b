"""flyte.io.File: a reference to one stored file, passed between tasks by path, never by content.

Every I/O method works as the spec prints it in a sync task (``content = f.read()``) and awaited
in an async one (``content = await f.read()``); see :mod:`flyte.io._dual`. The ``*_sync`` names
of the SDK always block.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from flyte._context import ctx, current_action
from flyte._internal.data import check_plain_name, new_data_uri, raw_data_prefix
from flyte._internal.store.blob import get_store, is_local, join, local_path
from flyte.io._dual import dual, dual_classmethod
from flyte.io._hashing import CHUNK, HashingWriter, HashSpec, hash_local_file, resolve
from flyte.io._lazy import local_uploader
from flyte.io._local import cached_copy, check_uri, download_target, in_place, normalize
from flyte.io._ref import _Ref
from flyte.io._streams import Opener
from flyte.io._tables import table_format, write_table


class File(_Ref):
    """A file in local storage or an object store (``s3://``, ``gs://``, ``memory://`` ...).

    Attributes: ``path`` (absolute local path or URI), ``name``, ``format`` (``File["csv"]``
    sets it) and ``hash`` (a content hash that cache keys use instead of the path).

    A File is also path-like: ``open(f)``, ``pd.read_csv(f)`` and ``f.endswith(".csv")`` work,
    a remote file being downloaded to a local cache on first use.
    """

    __slots__ = ("hash_method",)

    model_schema_extra = {"description": "A file reference with an optional format type.", "x-flyte-type": "file"}

    def __init__(
        self,
        path: str | os.PathLike[str],
        name: str | None = None,
        format: str | None = None,
        hash: str | None = None,
        hash_method: HashSpec = None,
    ) -> None:
        precomputed, method = resolve(hash_method)
        super().__init__(path, name, format, hash or precomputed)
        #: Computes :attr:`hash` while the file is written through :meth:`open`; not stored.
        self.hash_method = method

    # -- making files -----------------------------------------------------------------------------

    @dual_classmethod
    def from_local(
        cls: type[File],
        local_path: str | os.PathLike[str],
        remote_destination: str | None = None,
        hash_method: HashSpec = None,
    ) -> File:
        """A File of the local file at ``local_path``.

        Outside a task, when raw data stays on this machine, the file is not copied: the File
        points at its absolute path. Otherwise it is uploaded under the raw-data prefix (or to
        ``remote_destination``); inside a task even to a local prefix, since the file may be
        temporary, unless it is under the prefix already (see :func:`~flyte.io._local.in_place`).
        ``hash_method`` is a precomputed hash (str) or a hash method run over the content; either
        becomes the File's :attr:`hash`.
        """
        source = Path(local_path).expanduser().absolute()
        if not source.exists():
            raise FileNotFoundError(f"File.from_local: no file at '{local_path}'")
        if source.is_dir():
            raise IsADirectoryError(f"File.from_local: '{local_path}' is a folder; use Dir.from_local")
        precomputed, method = resolve(hash_method)
        if remote_destination is None and in_place(source, raw_data_prefix()):
            known = precomputed or (hash_local_file(source, method) if method else None)
            file = cls(str(source), hash=known)
            if current_action.get() is None:
                file.lazy_uploader = local_uploader(source, known)
            return file
        if remote_destination is not None:
            check_uri(remote_destination)
        target = normalize(remote_destination or new_data_uri(source.name))
        store = get_store(target)
        if method is None:
            store.upload_file(source, target)
            return cls(target, hash=precomputed)
        # One pass over the data both uploads and hashes it.
        digest: list[str] = []
        with source.open("rb") as src, HashingWriter(store.open_write(target), method, digest.append) as dst:
            shutil.copyfileobj(src, dst, CHUNK)
        return cls(target, hash=digest[0])

    from_local_sync = from_local.blocking

    @classmethod
    def from_existing_remote(cls, remote_path: str, file_cache_key: str | None = None) -> File:
        """A File of data already stored at ``remote_path``; ``file_cache_key`` is its known hash."""
        check_uri(remote_path)
        return cls(normalize(remote_path), hash=file_cache_key)

    @classmethod
    def new_remote(cls, file_name: str | None = None, hash_method: HashSpec = None) -> File:
        """A File at a fresh location under the raw-data prefix, to write with ``open("wb")``.

        ``file_name`` must be a plain file name; ``hash_method`` computes the hash as data is
        written (or is the hash itself, when a string).
        """
        return cls(normalize(new_data_uri(file_name)), hash_method=hash_method)

    @classmethod
    def named_remote(cls, name: str) -> File:
        """A File at a path fixed by ``name`` within the running task: the same on every attempt.

        Unlike :meth:`new_remote`, a retried task finds what an earlier attempt wrote there.
        The path is ``<run base dir>/<action name>/<name>``; ``name`` must be a plain file name.
        Only inside a task (ValueError elsewhere).
        """
        check_plain_name(name)
        task = ctx()
        if task is None:
            raise ValueError("File.named_remote() requires an active task execution context")
        folder = join(task.run_base_dir, task.action.name)
        if is_local(folder):
            local_path(folder).expanduser().mkdir(parents=True, exist_ok=True)
        return cls(normalize(join(folder, name)))

    @dual_classmethod
    def from_string(cls: type[File], text: str, name: str, encoding: str = "utf-8") -> File:
        """A new File under the raw-data prefix holding ``text``; ``name`` is a plain file name."""
        if not isinstance(text, str):
            raise TypeError(f"File.from_string expects str, got {type(text).__name__}")
        target = normalize(new_data_uri(name))
        get_store(target).put(target, text.encode(encoding))
        return cls(target, name=name)

    from_string_sync = from_string.blocking

    @dual_classmethod
    def from_dataframe(cls: type[File], df: Any, name: str) -> File:
        """A new File under the raw-data prefix holding ``df`` (pandas, polars or pyarrow).

        Parquet by default; csv when ``name`` ends in ``.csv`` or the type is ``File["csv"]``.
        """
        fmt = table_format(name, cls.required_format)
        target = normalize(new_data_uri(name))
        with get_store(target).open_write(target) as fh:
            write_table(df, fh, fmt)
        return cls(target, name=name, format=fmt)

    from_dataframe_sync = from_dataframe.blocking

    # -- reading and writing ----------------------------------------------------------------------

    @dual
    def read(self, encoding: str = "utf-8") -> str | bytes:
        """The whole content: text when it decodes with ``encoding``, else the bytes (a parquet
        file, an image) rather than an error."""
        data: bytes = self.read_bytes.sync()
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            return data

    @dual
    def read_bytes(self) -> bytes:
        """The whole content as bytes."""
        return get_store(self.path).get(self.path)

    def open(
        self,
        mode: str = "rb",
        block_size: int | None = None,
        cache_type: str = "readahead",
        cache_options: dict[str, Any] | None = None,
        compression: str | None = None,
        encoding: str | None = None,
        **kwargs: Any,
    ) -> Opener:
        """A stream over the file, for ``with`` (the store's own handle) or ``async with``.

        Modes ``"rb"``, ``"r"`` (or ``"rt"``), ``"wb"``, ``"w"`` (or ``"wt"``). Reads are
        seekable and iterate by line; nothing is read or buffered whole. A write becomes visible
        when the block ends and is discarded if it raises. ``compression`` (``"gzip"``, ``"bz2"``,
        ``"xz"``, or ``"infer"`` from the file name) compresses what is written and decompresses
        what is read. ``block_size``, ``cache_type``, ``cache_options`` and further keyword
        arguments are the Flyte SDK's tuning hints for its storage layer; they are accepted and
        change nothing here, where the store streams on its own terms.
        """
        return Opener(self, mode, encoding, compression)

    #: The SDK's name for :meth:`open` used with ``with``.
    open_sync = open

    @dual
    def download(self, local_path: str | os.PathLike[str] | None = None) -> str:
        """A local copy of the file; its absolute path.

        ``local_path`` is the destination (a folder receives the file under its name); by
        default a new temporary folder. A local file with no destination is not copied.
        """
        if is_local(self.path):
            source = local_path_of(self.path)
            if not source.is_file():
                raise FileNotFoundError(f"File.download: no file at '{self.path}'")
            if local_path is None:
                return str(source)
            target = download_target(local_path, self.name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            return str(target)
        target = download_target(local_path, self.name)
        get_store(self.path).download_file(self.path, target)
        return str(target)

    download_sync = download.blocking

    @dual
    def exists(self) -> bool:
        """Whether the file exists."""
        if is_local(self.path):
            return local_path_of(self.path).is_file()
        return get_store(self.path).exists(self.path)

    exists_sync = exists.blocking

    # -- path-like --------------------------------------------------------------------------------

    def __fspath__(self) -> str:
        """A local path to the content; a remote file is downloaded once per process, on demand."""
        if is_local(self.path):
            return str(local_path_of(self.path))
        store = get_store(self.path)
        return cached_copy(self.path, self.name, lambda dest: store.download_file(self.path, dest))

    def endswith(self, suffix: str | tuple[str, ...]) -> bool:
        """Whether the path ends with ``suffix``, as :meth:`str.endswith`."""
        return self.path.endswith(suffix)

    def __str__(self) -> str:
        return self.path


def local_path_of(path: str) -> Path:
    """The absolute local path of a local reference."""
    return local_path(path).expanduser().absolute()
