"""Checkpoints: state a task saves so that its next attempt can resume instead of starting over."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

# tarfile, shutil and tempfile are imported where used: few tasks checkpoint, and `import flyte`
# must stay cheap.

__all__ = ["Checkpoint", "latest_checkpoint"]


def _local_path(location: str) -> Path:
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(parsed.path)
    if parsed.scheme and len(parsed.scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise ValueError(f"Checkpoint location {location!r} is not supported: only local paths and file:// URIs are")
    return Path(location)


class Checkpoint:
    """Saves a task's progress to ``checkpoint_dest`` and restores the previous attempt's from
    ``checkpoint_src``; both are single objects (a local path or ``file://`` URI).

    Saving a folder stores a gzip tar of its top-level entries; saving a file or bytes stores that
    payload as is. Loading unpacks a tar into :attr:`path` and returns :attr:`path`; any other
    payload is copied to ``path / "payload"`` and that path is returned. Use :meth:`load` and
    :meth:`save` in async tasks and :meth:`load_sync` and :meth:`save_sync` in sync ones.
    """

    def __init__(self, checkpoint_dest: str, checkpoint_src: str | None = None) -> None:
        self._dest = checkpoint_dest
        self._src = checkpoint_src
        self._path: Path | None = None

    def __repr__(self) -> str:
        return f"Checkpoint(checkpoint_dest={self._dest!r}, checkpoint_src={self._src!r})"

    @property
    def path(self) -> Path:
        """A local working folder (made on first use) that :meth:`load_sync` restores into."""
        import tempfile

        if self._path is None:
            self._path = Path(tempfile.mkdtemp(prefix="flyte-cp-"))
        return self._path

    @property
    def remote_source(self) -> str | None:
        """Where the previous attempt's checkpoint is read from, if there was one."""
        return self._src

    @property
    def remote_destination(self) -> str:
        """Where this attempt's checkpoint is written."""
        return self._dest

    def prev_exists(self) -> bool:
        """Whether a previous attempt left a checkpoint source to restore from."""
        return self._src is not None

    def load_sync(self) -> Path | None:
        """Restore the previous attempt's checkpoint; ``None`` when there is none."""
        import shutil
        import tarfile

        if self._src is None:
            return None
        source = _local_path(self._src)
        if not source.is_file():
            return None
        if tarfile.is_tarfile(source):
            with tarfile.open(source, "r:*") as archive:
                archive.extractall(self.path, filter="data")
            return self.path
        payload = self.path / "payload"
        shutil.copyfile(source, payload)
        return payload

    def save_sync(self, data: Path | str | bytes) -> None:
        """Store ``data`` (a folder, a file, or bytes) as this attempt's checkpoint, atomically."""
        import shutil
        import tarfile

        target = _local_path(self._dest)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.partial")
        if isinstance(data, bytes):
            partial.write_bytes(data)
        elif Path(data).is_dir():
            with tarfile.open(partial, "w:gz") as archive:
                for entry in sorted(Path(data).iterdir()):
                    archive.add(entry, arcname=entry.name)
        elif Path(data).is_file():
            shutil.copyfile(data, partial)
        else:
            raise FileNotFoundError(f"Cannot checkpoint {str(data)!r}: no such file or folder")
        # A reader must never see a half-written checkpoint, so it appears in one rename.
        os.replace(partial, target)

    async def load(self) -> Path | None:
        """Async form of :meth:`load_sync`, run off the event loop."""
        import asyncio

        return await asyncio.to_thread(self.load_sync)

    async def save(self, data: Path | str | bytes) -> None:
        """Async form of :meth:`save_sync`, run off the event loop."""
        import asyncio

        await asyncio.to_thread(self.save_sync, data)


def latest_checkpoint(
    root: Path | str, glob_pattern: str = "**/last.ckpt", *, key: Callable[[Path], Any] | None = None
) -> Path | None:
    """The file under ``root`` matching ``glob_pattern`` with the largest ``key(path)``, or ``None``.

    ``key`` defaults to the modification time, so the newest file wins; pass one to rank by
    something else (a step number in the name, say). Folders that match are skipped, and ties go
    to the lexically greatest path so the answer does not depend on directory order.
    """
    rank = key or (lambda path: path.stat().st_mtime)
    matches = [path for path in Path(root).glob(glob_pattern) if path.is_file()]
    if not matches:
        return None
    return max(matches, key=lambda path: (rank(path), str(path)))
