"""Code bundles: the user's source files a server's workers need to run a task.

A bundle is a gzipped tar of the Python files of the modules loaded from under a project's root
folder (plus any extra files), named by the sha256 of its bytes. It is deterministic: entries
are sorted and carry fixed times, owners and modes, so the same sources always give the same
bytes and a server that has a bundle is never sent it again.

A worker finds a task through its module reference (:func:`task_module_ref`): a ``.py`` path
inside the bundle, loaded as a file the way ``flyte run`` loads one, or a dotted module name
(code installed on the worker) imported with importlib.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import shutil
import sys
import tarfile
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from flyte.errors import CodeBundleError

if TYPE_CHECKING:
    from flyte._task import AsyncFunctionTaskTemplate

__all__ = [
    "DEFAULT_BUNDLE_LIMITS",
    "Bundle",
    "BundleLimits",
    "build_bundle",
    "check_bundle",
    "extract_bundle",
    "task_module_ref",
]

# Folders whose files are never the user's own code, even when they sit under the root.
_EXCLUDED_DIRS = frozenset({".venv", "venv", ".git", "site-packages", "dist-packages", "__pycache__", ".tox", ".nox"})


@dataclass(frozen=True)
class Bundle:
    """A code bundle: its sha256 hex digest, its tar.gz bytes and the files in it (posix paths)."""

    hash: str
    data: bytes
    files: list[str]


def _inside(path: Path, root: Path) -> PurePosixPath | None:
    """``path`` relative to ``root`` (both resolved) or ``None`` when it lies elsewhere."""
    try:
        return PurePosixPath(path.relative_to(root).as_posix())
    except ValueError:
        return None


def _is_user_code(relative: PurePosixPath, root: Path) -> bool:
    if any(part in _EXCLUDED_DIRS for part in relative.parts[:-1]):
        return False
    # A virtual environment under any other name is recognised by its marker file.
    folder = root
    for part in relative.parts[:-1]:
        folder = folder / part
        if (folder / "pyvenv.cfg").is_file():
            return False
    return True


def _loaded_sources(root: Path) -> dict[str, Path]:
    """``relative path -> file`` of the loaded modules' source files under ``root``."""
    found: dict[str, Path] = {}
    for name, module in list(sys.modules.items()):
        if name == "flyte" or name.startswith("flyte."):
            continue  # workers run their own flyte, never one shipped with the code
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not file.endswith(".py"):
            continue
        path = Path(file).resolve()
        relative = _inside(path, root)
        if relative is not None and _is_user_code(relative, root) and path.is_file():
            found[relative.as_posix()] = path
    return found


def project_files(root: Path) -> list[Path]:
    """Every file under ``root`` that is the user's (not in a virtual environment, a VCS folder
    or a cache): what a ``copy_style="all"`` bundle ships."""
    root = Path(root).resolve()
    found = []
    for path in sorted(root.rglob("*")):
        relative = _inside(path, root)
        if relative is not None and path.is_file() and not path.is_symlink() and _is_user_code(relative, root):
            found.append(path)
    return found


def build_bundle(root: Path, extra_files: Iterable[Path] = ()) -> Bundle:
    """Bundles the source files of the modules loaded from under ``root``, plus ``extra_files``.

    Raises:
        CodeBundleError: an extra file does not exist or lies outside ``root``.
    """
    root = Path(root).resolve()
    files = _loaded_sources(root)
    for extra in extra_files:
        path = Path(extra).resolve()
        relative = _inside(path, root)
        if relative is None:
            raise CodeBundleError(f"cannot bundle {extra}: it is not inside the project root {root}")
        if not path.is_file():
            raise CodeBundleError(f"cannot bundle {extra}: no such file")
        files[relative.as_posix()] = path
    data = _tar_gz(sorted(files.items()))
    return Bundle(hashlib.sha256(data).hexdigest(), data, sorted(files))


def _tar_gz(entries: list[tuple[str, Path]]) -> bytes:
    buffer = io.BytesIO()
    # mtime=0 and no file name keep the gzip header free of anything that changes between builds.
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for name, path in entries:
            content = path.read_bytes()
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@dataclass(frozen=True)
class BundleLimits:
    """What a bundle may unpack to: ``max_bytes`` of file contents in at most ``max_files`` members."""

    max_bytes: int
    max_files: int


DEFAULT_BUNDLE_LIMITS = BundleLimits(max_bytes=512 * 1024 * 1024, max_files=20_000)
"""The limits a server applies unless it is told others."""

_CHUNK = 1 << 20

_FEED = 16 * 1024
"""Compressed bytes given to zlib at once: it copies what it has not used yet on every call, and
tarfile asks for 10 KiB at a time, so a big slice of a highly compressed stream is copied over and over."""

_HEADER_ROOM = 256 * 1024
"""Decompressed bytes tarfile may read between two members' contents (headers, long names, padding).

tarfile reads a whole header into memory: without this, a header of zeros declaring gigabytes
would cost gigabytes. Real headers take a few KiB, padding at most a record (10 KiB by default).
"""

_HEADER_BYTES_PER_MEMBER = 4096
"""Header bytes an archive may average a member: a path of ``_MAX_NAME`` characters takes
2.5 KiB, yet reading headers costs tarfile far more time a byte than reading contents costs."""

_MAX_GLOBAL_HEADERS = 16
"""Keys of pax global headers, which tarfile keeps for the whole archive (``git archive`` writes one)."""

_MAX_NAME = 1024
"""Characters in a member's path; none of its parts may take more than 255 bytes (a file name's limit)."""

_PATHS_BUDGET = 32 * 1024 * 1024
"""Bytes the paths remembered to find clashes may take: far more than 20,000 files need, yet
bounded however deep and varied the paths of a hostile archive are."""

_PATH_OVERHEAD = 100
"""A dictionary entry's share of memory besides its key, roughly."""


def _shown(name: str) -> str:
    """A member's name as a message shows it: a hostile one can be 200 KiB long."""
    return repr(name if len(name) <= 200 else name[:200] + "...")


def _refuse(name: str, why: str) -> CodeBundleError:
    return CodeBundleError(f"refusing bundle member {_shown(name)}: {why}")


def _checked_parts(member: tarfile.TarInfo) -> tuple[str, ...]:
    """The parts of a member's path, refused unless it is a plain file or folder inside the bundle."""
    name = member.name
    if not (member.isfile() or member.isdir()):
        raise _refuse(name, "only files and folders are allowed")
    if len(name) > _MAX_NAME or max(map(len, os.fsencode(name).split(b"/"))) > 255:
        raise _refuse(name, f"its path is longer than {_MAX_NAME} characters or has a part over 255 bytes")
    # What PurePosixPath(name).parts gives for a relative path, at a fraction of the cost of
    # either for the usual name (no empty or "." part): a bundle can have 20,000 of them.
    parts = tuple(name.split("/"))
    if "" in parts or "." in parts:
        parts = tuple(part for part in parts if part not in ("", "."))
    if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or (parts and ":" in parts[0]):
        raise _refuse(name, "it would be written outside the bundle's folder")
    if "\0" in name:
        raise _refuse(name, "a path cannot hold a NUL character")
    if not parts and member.isfile():
        raise _refuse(name, "a file cannot be the bundle's folder itself")
    return parts


class _Members:
    """Checks a bundle's members in the order a single pass reads them.

    What it remembers is bounded: the paths seen (to find clashes), at most ``_PATHS_BUDGET``
    bytes of them, and a few counters.
    """

    def __init__(self, limits: BundleLimits) -> None:
        self.limits = limits
        self.count = 0
        self.files = 0
        self.total = 0
        self.header_bytes = 0
        # Every path seen, and every folder above one: True for a file, False for a folder.
        self.is_file: dict[str, bool] = {}
        self.remembered = 0

    def count_headers(self, size: int) -> None:
        """Counts the bytes of the headers (and padding) read to find the next member."""
        self.header_bytes += size
        if self.header_bytes > _HEADER_ROOM + (self.count + 1) * _HEADER_BYTES_PER_MEMBER:
            raise CodeBundleError(
                f"not a valid code bundle: its headers average more than {_HEADER_BYTES_PER_MEMBER} bytes a member"
            )

    def admit(self, member: tarfile.TarInfo) -> str | None:
        """Checks one member before its contents are read; returns its normalised path (``None``
        for the bundle's own folder, an entry such as ``./`` that ``tar -C folder .`` writes)."""
        parts = _checked_parts(member)
        self.count += 1
        if self.count > self.limits.max_files:
            raise CodeBundleError(f"the code bundle has more than {self.limits.max_files} members")
        if not parts:
            return None
        path = "/".join(parts)
        seen = self.is_file.get(path)
        if member.isdir():
            if seen:
                raise _refuse(member.name, "a file of that name comes first")
        else:
            if seen:
                raise _refuse(member.name, "the bundle holds it twice")
            if seen is False:
                raise _refuse(member.name, "a folder of that name comes first")
            if member.size + self.total > self.limits.max_bytes:
                raise _refuse(member.name, f"the bundle would unpack to more than {self.limits.max_bytes} bytes")
            self.files += 1
        # From the nearest folder up: every folder above a remembered one is remembered already.
        for depth in range(len(parts) - 1, 0, -1):
            folder = "/".join(parts[:depth])
            above = self.is_file.get(folder)
            if above:
                raise _refuse(member.name, f"{_shown(folder)} is a file")
            if above is False:
                break
            self._remember(folder, False, member)
        if seen is None:
            self._remember(path, member.isfile(), member)
        return path

    def _remember(self, path: str, is_file: bool, member: tarfile.TarInfo) -> None:
        self.remembered += sys.getsizeof(path) + _PATH_OVERHEAD
        if self.remembered > _PATHS_BUDGET:
            raise _refuse(member.name, f"the bundle's paths add up to more than {_PATHS_BUDGET} bytes")
        self.is_file[path] = is_file

    def count_bytes(self, size: int, member: tarfile.TarInfo) -> None:
        """Counts bytes actually read from a member (its header may have understated them)."""
        self.total += size
        if self.total > self.limits.max_bytes:
            raise _refuse(member.name, f"the bundle unpacks to more than {self.limits.max_bytes} bytes")


class _Gunzip(io.RawIOBase):
    """The decompressed bytes of a gzip payload, produced a bounded piece at a time.

    It produces no more than the reader has been allowed (:meth:`allow`), so that tarfile never
    holds more than ``_HEADER_ROOM`` bytes of headers. :meth:`finish` reads what the tar reader
    left (padding) and checks that the gzip stream ended where the payload does: a truncated
    upload is caught even when the cut falls after the last tar member.
    """

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._position = 0
        self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        self._produced = 0
        self._ceiling = _HEADER_ROOM  # opening the archive reads its first header

    def readable(self) -> bool:
        """Always: this is a source of bytes."""
        return True

    def allow(self, contents: int) -> None:
        """Lets the reader have ``contents`` bytes of a member's data, then ``_HEADER_ROOM`` more."""
        self._ceiling = self._produced + contents + _HEADER_ROOM

    def readinto(self, buffer: Any) -> int:
        """Fills ``buffer`` with the next decompressed bytes (0 at the end of the stream).

        Raises:
            CodeBundleError: the reader wants more than it was allowed.
        """
        room = self._ceiling - self._produced
        # With no room left, one byte tells whether the stream ends here or goes on.
        out = self._inflate_up_to(min(len(buffer), room) or 1)
        if len(out) > room:
            raise CodeBundleError(
                f"not a valid code bundle: its headers or padding take more than {_HEADER_ROOM} bytes in a row"
            )
        buffer[: len(out)] = out
        self._produced += len(out)
        return len(out)

    def _inflate_up_to(self, size: int) -> bytes:
        tail = self._inflate.unconsumed_tail
        out = self._inflate.decompress(tail, size) if tail else b""
        while not out and not self._inflate.eof and self._position < len(self._data):
            chunk = self._data[self._position : self._position + _FEED]
            self._position += len(chunk)
            out = self._inflate.decompress(chunk, size)
        return out

    def finish(self) -> None:
        """Raises EOFError unless the whole payload was one complete gzip stream."""
        while self.read(_CHUNK):
            pass
        if not self._inflate.eof or self._inflate.unused_data or self._position < len(self._data):
            raise EOFError("the archive is truncated or has trailing data")


class _OnePass(tarfile.TarFile):
    """A tar archive read once, front to back, forgetting each member once past it."""

    members: list[tarfile.TarInfo]  # TarFile's own, undeclared in its stubs

    def next(self) -> tarfile.TarInfo | None:
        """The next member, or ``None`` at the end of the archive."""
        member = super().next()
        # TarFile keeps every member for random access a single pass never makes: kept, the
        # headers of thousands of members would pile up in memory.
        self.members.clear()
        return member


def _walk(data: bytes, limits: BundleLimits, dest: Path | None) -> list[str]:
    """Reads every member of the bundle in one pass; writes its files under ``dest`` if given."""
    members = _Members(limits)
    written: list[str] = []
    stream = _Gunzip(data)
    try:
        with _OnePass.open(fileobj=stream, mode="r|") as tar:
            passed = 0  # where the previous member's data ended, block-aligned
            while (member := tar.next()) is not None:
                members.count_headers(member.offset_data - passed)
                passed = tar.offset
                if len(tar.pax_headers) > _MAX_GLOBAL_HEADERS:
                    raise CodeBundleError(
                        f"not a valid code bundle: it has more than {_MAX_GLOBAL_HEADERS} pax global headers"
                    )
                path = members.admit(member)
                if path is not None and member.isdir():
                    if dest is not None:
                        (dest / path).mkdir(parents=True, exist_ok=True)
                elif path is not None:
                    stream.allow(member.size)
                    _copy(tar, member, members, dest / path if dest is not None else None)
                    written.append(path)
                stream.allow(0)
        stream.finish()
    except (tarfile.TarError, EOFError, zlib.error) as e:
        raise CodeBundleError(f"not a valid code bundle: {e or type(e).__name__}") from e
    if not members.files:
        raise CodeBundleError("the code bundle has no files")
    return written


def _copy(tar: tarfile.TarFile, member: tarfile.TarInfo, members: _Members, target: Path | None) -> None:
    """Reads a file member a chunk at a time, counting its bytes, into ``target`` if given."""
    source = tar.extractfile(member)
    assert source is not None  # a regular file always has contents
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") if target is not None else contextlib.nullcontext() as out:
        while chunk := source.read(_CHUNK):
            members.count_bytes(len(chunk), member)
            if out is not None:
                out.write(chunk)


def check_bundle(data: bytes, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS) -> None:
    """Checks bundle bytes without unpacking them to disk: a tar.gz of plain files and folders,
    each staying inside the bundle, none clashing with another, within ``limits``.

    The archive is read in one streaming pass holding a bounded amount of it in memory, however
    much it would unpack to.

    Raises:
        CodeBundleError: the same problems :func:`extract_bundle` refuses, naming the member.
    """
    _walk(data, limits, None)


def extract_bundle(data: bytes, dest: Path, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS) -> list[str]:
    """Unpacks bundle bytes into the folder ``dest`` and returns the files written (posix paths).

    Files are streamed to disk in a temporary folder beside ``dest``, which is renamed into place
    at the end: ``dest`` appears whole or not at all, and a refused bundle leaves nothing behind.
    If another process unpacked the same bundle meanwhile, its folder is kept.

    Raises:
        CodeBundleError: the bytes are not a whole tar.gz, a member is a link, a device, an
            absolute path or a path that would land outside ``dest``, two members clash, a path
            or the headers are oversized, or the bundle is over ``limits``; the message names
            the member.
    """
    dest = Path(dest).resolve()
    # The thread as well as the process: a server may unpack one bundle on two threads at once
    # (a zygote per bundle and image, each started on a thread of its own).
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        written = _walk(data, limits, partial)
        try:
            os.replace(partial, dest)
        except OSError:
            if not dest.is_dir():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return written


def task_module_ref(task: AsyncFunctionTaskTemplate[Any, Any, Any], root: Path) -> str:
    """Where a worker finds ``task``: its source file relative to ``root`` (posix) when inside it,
    else its module's dotted name.

    Raises:
        CodeBundleError: the task was defined where no file or module can be found again (a
            notebook cell or an interactive session).
    """
    module_name: str = task.func.__module__
    module = sys.modules.get(module_name)
    file = getattr(module, "__file__", None)
    if isinstance(file, str) and file.endswith(".py"):
        relative = _inside(Path(file).resolve(), Path(root).resolve())
        if relative is not None:
            return relative.as_posix()
    if module_name != "__main__":
        return module_name
    if isinstance(file, str):
        raise CodeBundleError(
            f"task {task.name} is defined in {file}, outside the project root {root}: run from its "
            "folder or pass root_dir to flyte.init"
        )
    raise CodeBundleError(
        f"task {task.name} is defined in an interactive session or notebook; define it in a .py "
        "file to run it on a server"
    )
