"""The errors of :class:`~flyte.ai.agents.MemoryStore` and the metadata it keeps per file."""

from __future__ import annotations

from dataclasses import dataclass


class MemoryStoreError(RuntimeError):
    """A memory store operation failed (bad path or key, missing store, unreadable data)."""


class AccessDenied(MemoryStoreError):
    """A write targeted a read-only or reserved path of the store."""


class ConcurrencyError(MemoryStoreError):
    """A conditional write found other content than expected: someone wrote in between."""

    def __init__(self, path: str, expected_sha: str, actual_sha: str):
        super().__init__(
            f"{path!r} changed: expected sha256 {expected_sha or '(absent)'}, found {actual_sha or '(absent)'}"
        )
        self.path = path
        self.expected_sha = expected_sha
        self.actual_sha = actual_sha


@dataclass
class MemoryMeta:
    """What the store knows about one file: its hash, size, and who last wrote it, when and why."""

    path: str
    sha256: str
    updated_at: str
    updated_by: str
    reason: str
    bytes: int
