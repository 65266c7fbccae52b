"""Where an engine writes what its actions did: the local store, or a server through a worker."""

from __future__ import annotations

from typing import Any, Protocol


class Recorder(Protocol):
    """Receives action records and reports, and serves the task cache."""

    def record_action(self, row: tuple[Any, ...]) -> None:
        """An action's state (column order of the local store's ``actions`` table)."""

    def record_report(self, run_name: str, action_name: str, report_html: str) -> None:
        """The latest HTML of an action's report."""

    def cache_get(self, key: str) -> bytes | None:
        """Stored outputs under a cache key, or None."""

    def cache_put(self, key: str, task_name: str, outputs: bytes) -> None:
        """Stores outputs under a cache key."""
