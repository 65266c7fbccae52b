"""Lazy uploads: local data referenced outside a task, stored only once a run needs it stored.

``File.from_local(path)`` outside a task refers to the file where it is. When that File is then
passed to a run, its :attr:`~flyte.io.File.lazy_uploader` decides: a run keeping its data on this
machine reads the file in place; a run keeping its data in an object store gets it uploaded
under its raw-data prefix first, once however often the File is passed on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flyte._internal.data import new_data_uri, raw_data_prefix
from flyte._internal.store.blob import get_store, is_local
from flyte._syncify import run_sync
from flyte.io._ref import LazyUploader, _Ref


class _Once:
    """Runs an upload the first time it is awaited and remembers where it went, per raw-data prefix."""

    def __init__(self, source: Path, digest: str | None, folder: bool) -> None:
        self._source = source
        self._digest = digest
        self._folder = folder
        self._done: dict[str, str] = {}

    async def __call__(self) -> tuple[str | None, str]:
        prefix = raw_data_prefix()
        if is_local(prefix):
            return self._digest, str(self._source)
        uri = self._done.get(prefix)
        if uri is None:
            uri = new_data_uri(self._source.name)
            if self._folder:
                from flyte.io._dir import _upload_tree

                await _upload_tree(self._source, uri)
            else:
                await get_store(uri).upload_file_async(self._source, uri)
            self._done[prefix] = uri
        return self._digest, uri


def local_uploader(source: Path, digest: str | None, folder: bool = False) -> LazyUploader:
    """The lazy uploader of the local file (or ``folder``) at ``source``, whose hash is ``digest``."""
    return _Once(source, digest, folder)


def resolve_lazy(ref: _Ref, literal: dict[str, Any]) -> dict[str, Any]:
    """``literal`` with the path and hash the reference's lazy uploader gives, if it has one."""
    uploader = ref.lazy_uploader
    if uploader is None:
        return literal
    digest, uri = run_sync(uploader())
    return {**literal, "path": uri, "hash": digest if digest is not None else literal["hash"]}
