"""Where stored data meets local paths: normalising local URIs, whether local data is used in
place, download targets, and the on-demand copies behind ``os.fspath(file)`` of a remote file."""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from flyte._context import current_action
from flyte._internal.store.blob import is_local, local_path

_lock = threading.Lock()
_cache_root: Path | None = None
# One lock per URI, so two threads wanting the same copy download it once, while copies of
# different files proceed in parallel.
_fetching: dict[str, threading.Lock] = {}


def normalize(uri: str) -> str:
    """A local URI as an absolute plain path (how local references are stored); others unchanged."""
    if is_local(uri):
        return str(local_path(uri).expanduser().absolute())
    return uri


def in_place(source: Path, prefix: str) -> bool:
    """Whether ``from_local`` may refer to the local ``source`` where it is, for raw-data ``prefix``.

    Only when the prefix is local. Outside a task the data is then the user's own (a run's
    input, say) and stays where it is. Inside a task it may be temporary (a
    ``tempfile.TemporaryDirectory`` removed as the task returns, a worker's scratch space), so
    it is copied into the run's store unless it is there already.
    """
    if not is_local(prefix):
        return False
    if current_action.get() is None:
        return True
    root = local_path(prefix).expanduser().absolute()
    return source == root or root in source.parents


def check_relative(name: str, what: str = "name") -> str:
    """Returns ``name`` if it is a relative path staying inside its folder; else ValueError naming it."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not name or name.startswith(("/", "\\")) or ".." in parts or "\x00" in name or os.path.isabs(name):
        raise ValueError(f"{what} '{name}' must be a relative path without '..' segments")
    return name


def check_uri(uri: str) -> str:
    """Returns ``uri`` unless it has a ``..`` segment, which could leave its prefix (ValueError naming it)."""
    path = uri.partition("://")[2] if "://" in uri else uri
    if ".." in re.split(r"[/\\]", path):
        raise ValueError(f"'{uri}' contains a '..' segment; give a path that stays inside its folder")
    return uri


def download_target(local: str | os.PathLike[str] | None, name: str) -> Path:
    """Where a download goes: inside ``local`` if it is a folder, at ``local`` otherwise, else a
    fresh temporary folder (left for the caller, who asked for a local copy)."""
    if local is None:
        return Path(tempfile.mkdtemp(prefix="flyte-download-")) / name
    target = Path(local).expanduser().absolute()
    return target / name if target.is_dir() else target


def download_folder(local: str | os.PathLike[str] | None) -> Path:
    """Where a folder download goes: ``local``, else a fresh temporary folder."""
    if local is None:
        return Path(tempfile.mkdtemp(prefix="flyte-download-"))
    return Path(local).expanduser().absolute()


def cached_copy(uri: str, name: str, fetch: Callable[[Path], None]) -> str:
    """A local copy of ``uri``, fetched on first use by ``fetch(path)`` and kept for the process."""
    key = hashlib.sha256(uri.encode()).hexdigest()[:32]
    target = _root() / key / name
    with _lock:
        lock = _fetching.setdefault(key, threading.Lock())
    with lock:
        if not target.exists():
            partial = target.with_name(f".{name}.partial")
            fetch(partial)
            partial.replace(target)
    return str(target)


def _root() -> Path:
    global _cache_root
    with _lock:
        if _cache_root is None:
            _cache_root = Path(tempfile.mkdtemp(prefix="flyte-io-cache-"))
            atexit.register(shutil.rmtree, _cache_root, True)
        return _cache_root
