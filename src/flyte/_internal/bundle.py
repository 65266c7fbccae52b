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

import gzip
import hashlib
import io
import sys
import tarfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from flyte.errors import CodeBundleError

if TYPE_CHECKING:
    from flyte._task import AsyncFunctionTaskTemplate

__all__ = ["Bundle", "build_bundle", "extract_bundle", "task_module_ref"]

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


def check_bundle(data: bytes) -> None:
    """Checks bundle bytes without unpacking them: a tar.gz of plain files and folders only.

    Raises:
        CodeBundleError: the same problems :func:`extract_bundle` refuses, naming the member.
    """
    root = Path("/bundle")
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            for member in tar:
                _safe_target(member, root)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise CodeBundleError(f"not a valid code bundle: {e}") from e


def extract_bundle(data: bytes, dest: Path) -> list[str]:
    """Unpacks bundle bytes into ``dest`` and returns the files written (posix paths).

    Every member is checked before anything is written.

    Raises:
        CodeBundleError: the bytes are not a tar.gz, or a member is a link, a device, an
            absolute path or a path that would land outside ``dest``; the message names it.
    """
    dest = Path(dest).resolve()
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            members = tar.getmembers()
            targets = [(member, _safe_target(member, dest)) for member in members]
            written: list[str] = []
            for member, target in targets:
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                source: Any = tar.extractfile(member)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
                written.append(member.name)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise CodeBundleError(f"not a valid code bundle: {e}") from e
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
