"""Helpers for engine tests: run a task locally and read what the local store recorded."""

from __future__ import annotations

from typing import Any

import flyte
from flyte._internal.store.local_db import default_store


def run_local(task: Any, *args: Any, **kwargs: Any) -> Any:
    """Runs ``task`` locally and returns its first output."""
    return flyte.with_runcontext(mode="local").run(task, *args, **kwargs).outputs()[0]


def actions_of(run_name: str) -> list[dict[str, Any]]:
    """The recorded actions of a run, as dicts, oldest first."""
    store = default_store()
    store.flush()
    columns = ["name", "parent", "task_name", "kind", "grp", "phase", "attempts", "cache_status", "error"]
    rows = store.query(
        f"SELECT {', '.join(columns)} FROM actions WHERE run_name = ? ORDER BY started_at, name", (run_name,)
    )
    return [dict(zip(columns, row, strict=True)) for row in rows]
