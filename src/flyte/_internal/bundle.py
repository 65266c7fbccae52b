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


def _safe_target(member: tarfile.TarInfo, dest: Path) -> Path:
    name = member.name
    if not (member.isfile() or member.isdir()):
        raise CodeBundleError(f"refusing bundle member {name!r}: only files and folders are allowed")
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or (parts and ":" in parts[0]):
        raise CodeBundleError(f"refusing bundle member {name!r}: it would be written outside {dest}")
    target = (dest / name).resolve()
    if _inside(target, dest) is None:
        raise CodeBundleError(f"refusing bundle member {name!r}: it would be written outside {dest}")
    return target


@dataclass(frozen=True)
class BundleLimits:
    """What a bundle may unpack to: ``max_bytes`` of file contents in at most ``max_files`` members."""

    max_bytes: int
    max_files: int


DEFAULT_BUNDLE_LIMITS = BundleLimits(max_bytes=512 * 1024 * 1024, max_files=20_000)
"""The limits a server applies unless it is told others."""

_CHUNK = 1 << 20


class _Members:
    """Walks a bundle's members in one streaming pass, refusing as soon as something is wrong.

    Never more than one chunk of decompressed data is in memory: a small upload that would
    unpack to gigabytes is refused once its unpacked bytes pass the limit, having cost no more
    than reading up to that point.
    """

    def __init__(self, limits: BundleLimits, dest: Path) -> None:
        self.limits = limits
        self.dest = dest
        self.count = 0
        self.total = 0
        self.files: set[str] = set()
        self.folders: set[str] = set()

    def admit(self, member: tarfile.TarInfo) -> Path:
        """Checks one member before its contents are read; returns where it would be written."""
        target = _safe_target(member, self.dest)
        self.count += 1
        if self.count > self.limits.max_files:
            raise CodeBundleError(f"the code bundle has more than {self.limits.max_files} members")
        path = PurePosixPath(member.name)
        name = path.as_posix().removeprefix("./")
        parents = {parent.as_posix() for parent in path.parents if parent.as_posix() not in (".", "")}
        if member.isdir():
            if name in self.files:
                raise CodeBundleError(f"refusing bundle member {member.name!r}: a file of that name comes first")
            self.folders.add(name)
        else:
            if name in self.files:
                raise CodeBundleError(f"refusing bundle member {member.name!r}: the bundle holds it twice")
            if name in self.folders:
                raise CodeBundleError(f"refusing bundle member {member.name!r}: a folder of that name comes first")
            self.files.add(name)
            if member.size + self.total > self.limits.max_bytes:
                raise CodeBundleError(
                    f"refusing bundle member {member.name!r}: the bundle would unpack to more than "
                    f"{self.limits.max_bytes} bytes"
                )
        clash = parents & self.files
        if clash:
            raise CodeBundleError(f"refusing bundle member {member.name!r}: {sorted(clash)[0]!r} is a file")
        self.folders |= parents
        return target

    def count_bytes(self, size: int, member: tarfile.TarInfo) -> None:
        """Counts bytes actually read from a member (its header may have understated them)."""
        self.total += size
        if self.total > self.limits.max_bytes:
            raise CodeBundleError(
                f"refusing bundle member {member.name!r}: the bundle unpacks to more than {self.limits.max_bytes} bytes"
            )


class _Gunzip(io.RawIOBase):
    """The decompressed bytes of a gzip payload, produced a bounded piece at a time.

    :meth:`finish` reads what the tar reader left (padding) and checks that the gzip stream
    ended where the payload does: a truncated upload is caught even when the cut falls after
    the last tar member.
    """

    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._position = 0
        self._inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)

    def readable(self) -> bool:
        """Always: this is a source of bytes."""
        return True

    def readinto(self, buffer: Any) -> int:
        """Fills ``buffer`` with the next decompressed bytes (0 at the end of the stream)."""
        size = len(buffer)
        out = self._inflate.decompress(self._inflate.unconsumed_tail, size) if self._inflate.unconsumed_tail else b""
        while not out and not self._inflate.eof and self._position < len(self._data):
            chunk = self._data[self._position : self._position + _CHUNK]
            self._position += len(chunk)
            out = self._inflate.decompress(chunk, size)
        buffer[: len(out)] = out
        return len(out)

    def finish(self) -> None:
        """Raises EOFError unless the whole payload was one complete gzip stream."""
        while self.read(_CHUNK):
            pass
        if not self._inflate.eof or self._inflate.unused_data or self._position < len(self._data):
            raise EOFError("the archive is truncated or has trailing data")


def _walk(data: bytes, limits: BundleLimits, dest: Path, write: bool) -> list[str]:
    """Reads every member of the bundle in one pass; writes files under ``dest`` when ``write``."""
    members = _Members(limits, dest)
    written: list[str] = []
    stream = _Gunzip(data)
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                target = members.admit(member)
                if member.isdir():
                    if write:
                        target.mkdir(parents=True, exist_ok=True)
                    continue
                source = tar.extractfile(member)
                assert source is not None  # a regular file always has contents
                if write:
                    target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "wb") if write else contextlib.nullcontext() as out:
                    while chunk := source.read(_CHUNK):
                        members.count_bytes(len(chunk), member)
                        if out is not None:
                            out.write(chunk)
                written.append(member.name)
        stream.finish()
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise CodeBundleError(f"not a valid code bundle: {e or type(e).__name__}") from e
    if not members.files:
        raise CodeBundleError("the code bundle has no files")
    return written


def check_bundle(data: bytes, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS) -> None:
    """Checks bundle bytes without unpacking them to disk: a tar.gz of plain files and folders,
    each staying inside the bundle, none clashing with another, within ``limits``.

    Raises:
        CodeBundleError: the same problems :func:`extract_bundle` refuses, naming the member.
    """
    _walk(data, limits, Path("/bundle"), write=False)


def extract_bundle(data: bytes, dest: Path, limits: BundleLimits = DEFAULT_BUNDLE_LIMITS) -> list[str]:
    """Unpacks bundle bytes into the folder ``dest`` and returns the files written (posix paths).

    Files are streamed to disk in a temporary folder beside ``dest``, which is renamed into place
    at the end: ``dest`` appears whole or not at all, and a refused bundle leaves nothing behind.
    If another process unpacked the same bundle meanwhile, its folder is kept.

    Raises:
        CodeBundleError: the bytes are not a tar.gz, a member is a link, a device, an absolute path
            or a path that would land outside ``dest``, two members clash, or the bundle is over
            ``limits``; the message names the member.
    """
    dest = Path(dest).resolve()
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        written = _walk(data, limits, partial, write=True)
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
