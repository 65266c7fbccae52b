"""Durable agent memory: :class:`MemoryStore`, a conversation plus files addressed by path,
kept in a local folder and saved to a store location derived from its key.

Writes are checked (no escaping the folder, no writing to read-only prefixes), can be made
conditional on the content they replace (``expected_sha``), are recorded in an audit log, and
can keep every version. ``save`` uploads the folder; ``get_or_create`` downloads it again in a
later run, so an agent woken up by a schedule or a webhook continues where it stopped.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import pathlib
import re
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from flyte._syncify import syncify
from flyte.ai.agents._memory_types import AccessDenied, ConcurrencyError, MemoryMeta, MemoryStoreError

MESSAGES_PATH = "messages.json"
_AUDIT_LOG = "audit/log.jsonl"
_INTERNAL_DIRS = frozenset({"audit", "meta", "versions"})
_NAMESPACE = ("agents", "memory-store", "v0")
__all__ = ["AccessDenied", "ConcurrencyError", "MemoryMeta", "MemoryStore", "MemoryStoreError"]

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _relative(path: str) -> str:
    """``path`` as a clean relative POSIX path; refuses absolute paths and ``..``."""
    if not isinstance(path, str) or not path.strip():
        raise MemoryStoreError(f"memory paths are non-empty strings, got {path!r}")
    cleaned = path.replace("\\", "/")
    if cleaned.startswith("/"):
        raise MemoryStoreError(f"memory path {path!r} must be relative")
    parts = [p for p in cleaned.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise MemoryStoreError(f"memory path {path!r} must stay inside the store")
    return "/".join(parts)


def _segment(value: str, what: str) -> str:
    if not isinstance(value, str) or not _SEGMENT.match(value):
        raise MemoryStoreError(
            f"MemoryStore {what} must be one path segment of letters, digits, '.', '_' or '-', got {value!r}"
        )
    return value


def _storage_root() -> str:
    """Where keyed stores live: next to the runs of the current store (the run's raw-data prefix
    without its ``runs/<run>`` part), or under the flyte home outside a task."""
    from flyte._context import current_action
    from flyte._home import flyte_home

    action = current_action.get()
    if action is None:
        return str(flyte_home())
    raw = str(action.run.raw_data_path).rstrip("/")
    marker = f"/runs/{action.run.name}"
    return raw.split(marker)[0] if marker in raw else raw


def _join(*parts: str) -> str:
    return "/".join([parts[0].rstrip("/"), *(p.strip("/") for p in parts[1:] if p)])


class _Exists:
    """``store.exists(path)``: whether the store has a file at ``path``;
    ``await MemoryStore.exists(key=...)``: whether a store of that key was saved."""

    def __get__(self, obj: MemoryStore | None, owner: type[MemoryStore]) -> Any:
        if obj is not None:
            return obj._file_exists

        async def saved(
            *, key: str, org: str | None = None, project: str | None = None, domain: str | None = None
        ) -> bool:
            return await owner._saved_at(owner.remote_path_for_key(key=key, org=org, project=project, domain=domain))

        return saved


@dataclass
class MemoryStore:
    """A conversation (``messages``) and files by path, in a local folder saved under ``key``.

    Get one with :meth:`create` or :meth:`get_or_create`, give it to ``Agent.run(memory=...)``,
    and :meth:`save` it afterwards. The files are read and written with :meth:`read_text`,
    :meth:`write_text`, :meth:`read_json`, :meth:`write_json`, :meth:`list_paths`.

    Args:
        key: the store's name, one path segment; it decides where the store is saved.
        messages: the conversation so far.
        root: the local folder (default: a new temporary one, removed with the store).
        remote_path: where :meth:`save` uploads (default: derived from ``key``).
        read_only_prefixes: path prefixes that writes must not touch (``AccessDenied``).
        audit: record every write in ``audit/log.jsonl``.
        keep_versions: keep a copy of every version of every file under ``versions/``.
    """

    key: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    root: pathlib.Path | str | None = None
    remote_path: str | None = None
    read_only_prefixes: tuple[str, ...] = ()
    audit: bool = True
    keep_versions: bool = False

    def __post_init__(self) -> None:
        self.key = _segment(self.key, "key")
        if self.root is None:
            folder = pathlib.Path(tempfile.mkdtemp(prefix="flyte_agent_mem_"))
            weakref.finalize(self, shutil.rmtree, folder, True)
        else:
            folder = pathlib.Path(self.root)
            folder.mkdir(parents=True, exist_ok=True)
            saved = folder / MESSAGES_PATH
            if not self.messages and saved.exists():
                try:
                    self.messages = json.loads(saved.read_text(encoding="utf-8"))
                except json.JSONDecodeError as exc:
                    raise MemoryStoreError(f"MemoryStore {self.key!r}: {saved} is not valid JSON: {exc}") from exc
        self.root = folder
        self._real_root = folder.resolve()

    @property
    def _folder(self) -> pathlib.Path:
        return pathlib.Path(str(self.root))

    @staticmethod
    def remote_path_for_key(
        *, key: str, org: str | None = None, project: str | None = None, domain: str | None = None
    ) -> str:
        """Where the store named ``key`` is saved, for the project and domain (and org) given or current."""
        import flyte

        return _join(
            _storage_root(),
            *_NAMESPACE,
            _segment(org or "default", "org"),
            _segment(project or flyte.current_project(), "project"),
            _segment(domain or flyte.current_domain(), "domain"),
            _segment(key, "key"),
        )

    @staticmethod
    async def _saved_at(remote_path: str) -> bool:
        import flyte.storage

        return await flyte.storage.exists(_join(remote_path, MESSAGES_PATH))

    @staticmethod
    @syncify
    async def create(
        *,
        key: str,
        org: str | None = None,
        project: str | None = None,
        domain: str | None = None,
        read_only_prefixes: tuple[str, ...] = (),
        audit: bool = True,
        keep_versions: bool = False,
    ) -> MemoryStore:
        """Creates and saves a new, empty store named ``key``.

        Raises:
            MemoryStoreError: a store of that key exists already.
        """
        remote = MemoryStore.remote_path_for_key(key=key, org=org, project=project, domain=domain)
        if await MemoryStore._saved_at(remote):
            raise MemoryStoreError(f"MemoryStore {key!r} exists already at {remote}; use get_or_create")
        store = MemoryStore(
            key=key, remote_path=remote, read_only_prefixes=read_only_prefixes, audit=audit, keep_versions=keep_versions
        )
        await store.save.aio()
        return store

    @staticmethod
    @syncify
    async def get_or_create(
        *,
        key: str,
        org: str | None = None,
        project: str | None = None,
        domain: str | None = None,
        read_only_prefixes: tuple[str, ...] = (),
        audit: bool = True,
        keep_versions: bool = False,
    ) -> MemoryStore:
        """The saved store named ``key`` (downloaded into a new local folder), or a new one."""
        import flyte.storage

        remote = MemoryStore.remote_path_for_key(key=key, org=org, project=project, domain=domain)
        if not await MemoryStore._saved_at(remote):
            created: MemoryStore = await MemoryStore.create.aio(
                key=key,
                org=org,
                project=project,
                domain=domain,
                read_only_prefixes=read_only_prefixes,
                audit=audit,
                keep_versions=keep_versions,
            )
            return created
        folder = pathlib.Path(tempfile.mkdtemp(prefix="flyte_agent_mem_"))
        await flyte.storage.get(remote, str(folder), recursive=True)
        store = MemoryStore(
            key=key,
            root=folder,
            remote_path=remote,
            read_only_prefixes=read_only_prefixes,
            audit=audit,
            keep_versions=keep_versions,
        )
        weakref.finalize(store, shutil.rmtree, folder, True)
        return store

    def append(self, message: dict[str, Any]) -> None:
        """Adds one message to the conversation."""
        self.messages.append(message)

    def extend(self, messages: Sequence[dict[str, Any]]) -> None:
        """Adds messages to the conversation."""
        self.messages.extend(messages)

    def _path(self, rel_path: str) -> pathlib.Path:
        candidate = (self._folder / _relative(rel_path)).resolve()
        # Resolving follows symlinks, so a link planted in the folder cannot lead out of it.
        if self._real_root not in candidate.parents:
            raise MemoryStoreError(f"memory path {rel_path!r} leads outside the store")
        return candidate

    def _meta_file(self, rel: str) -> pathlib.Path:
        return self._folder / "meta" / f"{rel.replace('/', '__')}.json"

    def _file_exists(self, rel_path: str) -> bool:
        return self._path(rel_path).is_file()

    exists = _Exists()

    @syncify
    async def read_text(self, rel_path: str, default: str = "") -> str:
        """The text at ``rel_path``, or ``default`` when there is none."""
        path = self._path(rel_path)
        return path.read_text(encoding="utf-8") if path.is_file() else default

    @syncify
    async def read_json(self, rel_path: str, default: Any = None) -> Any:
        """The JSON value at ``rel_path``, or ``default`` when there is none (or it is empty)."""
        text = await self.read_text.aio(rel_path)
        return json.loads(text) if text.strip() else default

    def list_paths(self, prefix: str = "") -> list[str]:
        """The paths of the stored files under ``prefix``, sorted (bookkeeping files left out)."""
        base = self._folder / _relative(prefix) if prefix else self._folder
        found = []
        for dirpath, dirnames, filenames in os.walk(base):
            if pathlib.Path(dirpath) == self._folder:
                dirnames[:] = [d for d in dirnames if d not in _INTERNAL_DIRS]
            for name in filenames:
                full = pathlib.Path(dirpath) / name
                rel = full.relative_to(self._folder).as_posix()
                if not full.is_symlink() and rel != MESSAGES_PATH:
                    found.append(rel)
        return sorted(found)

    @syncify
    async def get_meta(self, rel_path: str) -> MemoryMeta | None:
        """What the store recorded about the file at ``rel_path``, or None."""
        meta = self._meta_file(_relative(rel_path))
        if not meta.is_file():
            return None
        return MemoryMeta(**json.loads(meta.read_text(encoding="utf-8")))

    @syncify
    async def current_sha(self, rel_path: str) -> str:
        """The sha256 of the file at ``rel_path``; empty when there is none."""
        path = self._path(rel_path)
        return _sha(path.read_bytes()) if path.is_file() else ""

    @syncify
    async def write_text(
        self, rel_path: str, content: str, *, actor: str = "agent", reason: str = "", expected_sha: str | None = None
    ) -> MemoryMeta:
        """Writes ``content`` at ``rel_path`` and returns its new metadata.

        Raises:
            AccessDenied: the path is read-only, reserved, or the conversation file.
            ConcurrencyError: ``expected_sha`` (``""`` for "absent") differs from the current sha256.
        """
        rel = _relative(rel_path)
        if rel == MESSAGES_PATH or rel.split("/")[0] in _INTERNAL_DIRS:
            raise AccessDenied(f"MemoryStore {self.key!r}: {rel!r} is managed by the store itself")
        if any(rel.startswith(p) for p in self.read_only_prefixes):
            raise AccessDenied(f"MemoryStore {self.key!r}: {rel!r} is under a read-only prefix")
        path = self._path(rel)
        old = _sha(path.read_bytes()) if path.is_file() else ""
        if expected_sha is not None and expected_sha != old:
            raise ConcurrencyError(rel, expected_sha, old)
        data = content.encode("utf-8")
        new = _sha(data)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        version = ""
        if self.keep_versions:
            vdir = self._folder / "versions" / rel.replace("/", "__")
            vdir.mkdir(parents=True, exist_ok=True)
            vfile = vdir / f"{len(list(vdir.iterdir())):06d}_{new[:16]}.txt"
            vfile.write_bytes(data)
            version = vfile.relative_to(self._folder).as_posix()
        meta = MemoryMeta(path=rel, sha256=new, updated_at=_now(), updated_by=actor, reason=reason, bytes=len(data))
        meta_file = self._meta_file(rel)
        meta_file.parent.mkdir(parents=True, exist_ok=True)
        meta_file.write_text(json.dumps(asdict(meta), indent=2), encoding="utf-8")
        if self.audit:
            event = {"ts": meta.updated_at, "op": "update" if old else "create", "path": rel, "old_sha": old}
            event.update(new_sha=new, actor=actor, reason=reason, version_file=version)
            log = self._folder / _AUDIT_LOG
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a", encoding="utf-8") as out:
                out.write(json.dumps(event, sort_keys=True) + "\n")
        return meta

    @syncify
    async def write_json(
        self, rel_path: str, obj: Any, *, actor: str = "agent", reason: str = "", expected_sha: str | None = None
    ) -> MemoryMeta:
        """Writes ``obj`` as JSON at ``rel_path``; see :meth:`write_text`."""
        text = json.dumps(obj, indent=2, sort_keys=True, default=str)
        meta: MemoryMeta = await self.write_text.aio(
            rel_path, text, actor=actor, reason=reason, expected_sha=expected_sha
        )
        return meta

    def audit_tail_sync(self, n: int = 20) -> list[dict[str, Any]]:
        """The last ``n`` audit events, oldest first."""
        log = self._folder / _AUDIT_LOG
        if not log.is_file():
            return []
        lines = [line for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
        return [json.loads(line) for line in (lines[-n:] if n > 0 else lines)]

    async def audit_tail(self, n: int = 20) -> list[dict[str, Any]]:
        """The last ``n`` audit events, oldest first."""
        return await asyncio.to_thread(self.audit_tail_sync, n)

    def flush_messages_sync(self) -> None:
        """Writes the conversation to ``messages.json`` in the local folder."""
        (self._folder / MESSAGES_PATH).write_text(json.dumps(self.messages, default=str, indent=2), encoding="utf-8")

    async def flush_messages(self) -> None:
        """Writes the conversation to ``messages.json`` in the local folder."""
        await asyncio.to_thread(self.flush_messages_sync)

    @syncify
    async def save(self) -> Any:
        """Uploads the folder (conversation included) to the store's location; returns it as a
        :class:`flyte.io.Dir`."""
        import flyte.storage
        from flyte.io import Dir

        if self.remote_path is None:
            self.remote_path = self.remote_path_for_key(key=self.key)
        await self.flush_messages()
        await flyte.storage.put(str(self._folder), self.remote_path, recursive=True)
        return Dir.from_existing_remote(self.remote_path)
