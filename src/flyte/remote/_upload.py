"""Putting local files and folders into the configured server's store, for use as task data."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from pathlib import Path

from flyte._internal.data import check_plain_name
from flyte._internal.store.blob import get_store, join
from flyte._syncify import syncify
from flyte.remote._action import api

__all__ = ["upload_dir", "upload_file"]

_CHUNK = 1 << 20


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _uploads_prefix() -> str:
    return join(api().info().store, "uploads")


@syncify
async def upload_file(
    fp: Path, verify: bool = True, fname: str | None = None, content_type: str | None = None
) -> tuple[str, str]:
    """Copies the local file ``fp`` into the server's store and returns ``(md5 hex, uri)``.

    The same content under the same name always lands at the same URI, so uploading a file
    twice stores it once. ``fname`` names the stored object (the file's own name by default).
    ``verify`` and ``content_type`` are accepted for compatibility: the client's TLS settings
    come from ``flyte.init``, and the store keeps no content types.

    Raises:
        FileNotFoundError: ``fp`` is not a file.
        ValueError: ``fname`` is not a plain file name.
    """
    path = Path(fp)
    if not path.is_file():
        raise FileNotFoundError(f"upload_file: {path} is not a file")
    name = fname or path.name
    check_plain_name(name)
    digest = await asyncio.to_thread(_md5, path)
    uri = join(await asyncio.to_thread(_uploads_prefix), digest, name)
    await get_store(uri).upload_file_async(path, uri)
    return digest, uri


@syncify
async def upload_dir(dir_path: Path, verify: bool = True, prefix: str | None = None) -> str:
    """Copies the local folder ``dir_path`` (with its subfolders) into the server's store and
    returns the folder's URI there, fit for ``flyte.io.Dir.from_existing_remote``.

    ``prefix`` is a plain name to place it under (a fresh random one by default).

    Raises:
        NotADirectoryError: ``dir_path`` is not a folder.
        ValueError: ``prefix`` is not a plain name.
    """
    root = Path(dir_path)
    if not root.is_dir():
        raise NotADirectoryError(f"upload_dir: {root} is not a folder")
    place = prefix or secrets.token_hex(8)
    check_plain_name(place)
    base = join(await asyncio.to_thread(_uploads_prefix), place, root.resolve().name)
    store = get_store(base)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        await store.upload_file_async(path, join(base, *path.relative_to(root).parts))
    return base
