"""The UI's source of local runs: the local runs database, opened read-only.

Local runs keep one record per action (no attempt history, no logs: what their tasks printed
went to the terminal that ran them); the UI shows what there is. Nothing here writes: the file
is opened in SQLite's read-only mode, so the UI can never lose or lock what local runs record.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

from flyte.server.ui.source import (
    ActionDetail,
    ActionRow,
    AttemptRow,
    ConditionView,
    ErrorView,
    LogLine,
    RunFilter,
    RunRow,
    TaskRow,
    interface_of,
    like_pattern,
)

_POLL_S = 0.5
_RUN_COLUMNS = "name, project, domain, task_name, phase, started_at, ended_at, error"
_ACTION_COLUMNS = "name, parent, task_name, kind, grp, phase, attempts, cache_status, started_at, ended_at"


def _run(row: tuple[Any, ...]) -> RunRow:
    name, project, domain, task_name, phase, started_at, ended_at, error = row
    return RunRow(name, project, domain, task_name, phase, started_at, started_at, ended_at, ErrorView.parse(error))


def _action(row: tuple[Any, ...]) -> ActionRow:
    name, parent, task_name, kind, grp, phase, attempts, cache_status, started_at, ended_at = row
    return ActionRow(
        name, parent, task_name, kind, grp, phase, attempts, cache_status, started_at, started_at, ended_at
    )


class LocalSource:
    """Runs of the local runs database at ``path`` (read-only)."""

    read_only = True
    keeps_logs = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        # Local runs write their data under the flyte home, next to the database.
        self.data_roots: tuple[Path, ...] = (path.parent,)

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            return []
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            conn.execute("PRAGMA busy_timeout = 10000")
            self._local.conn = conn
        return list(conn.execute(sql, params).fetchall())

    def list_runs(self, where: RunFilter, offset: int, limit: int) -> tuple[list[RunRow], int]:
        """A page of runs, newest first, and how many match in all."""
        clauses, params = ["1 = 1"], []
        if where.phase:
            clauses.append("phase = ?")
            params.append(where.phase)
        if where.task:
            clauses.append("task_name LIKE ? ESCAPE '\\'")
            params.append(like_pattern(where.task))
        if where.project:
            clauses.append("project = ?")
            params.append(where.project)
        if where.text:
            clauses.append("(name LIKE ? ESCAPE '\\' OR task_name LIKE ? ESCAPE '\\')")
            params += [like_pattern(where.text)] * 2
        condition = " AND ".join(clauses)
        rows = self._query(
            f"SELECT {_RUN_COLUMNS} FROM runs WHERE {condition} ORDER BY started_at DESC, name LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        total = self._query(f"SELECT count(*) FROM runs WHERE {condition}", tuple(params))
        return [_run(row) for row in rows], int(total[0][0]) if total else 0

    def get_run(self, name: str) -> RunRow | None:
        """One run, or None."""
        rows = self._query(f"SELECT {_RUN_COLUMNS} FROM runs WHERE name = ?", (name,))
        return _run(rows[0]) if rows else None

    def list_actions(self, run: str) -> list[ActionRow]:
        """Every action of the run, in the order they started."""
        rows = self._query(
            f"SELECT {_ACTION_COLUMNS} FROM actions WHERE run_name = ? ORDER BY started_at, name", (run,)
        )
        return [_action(row) for row in rows]

    def get_action(self, run: str, action: str) -> ActionDetail | None:
        """One action with its inputs, outputs and report."""
        rows = self._query(
            f"SELECT {_ACTION_COLUMNS}, error, inputs, outputs FROM actions WHERE run_name = ? AND name = ?",
            (run, action),
        )
        if not rows:
            return None
        *fields, error, inputs, outputs = rows[0]
        return ActionDetail(
            row=_action(tuple(fields)),
            error=ErrorView.parse(error),
            inputs=None if inputs is None else bytes(inputs),
            outputs=None if outputs is None else bytes(outputs),
            report=self.report(run, action),
            task=None,
        )

    def attempts(self, run: str, action: str) -> list[AttemptRow]:
        """The last attempt only: local runs keep no history of the earlier ones."""
        detail = self.get_action(run, action)
        if detail is None or detail.row.attempts == 0:
            return []
        row = detail.row
        return [AttemptRow(row.attempts, row.phase, row.started_at, row.ended_at, detail.error)]

    def logs(self, run: str, action: str, attempt: int | None, after: int, limit: int) -> list[LogLine]:
        """Local runs keep no logs."""
        return []

    def report(self, run: str, action: str) -> str | None:
        """The latest HTML of the action's report, if any."""
        rows = self._query(
            "SELECT COALESCE(r.html, a.report) FROM actions a LEFT JOIN reports r "
            "ON r.run_name = a.run_name AND r.action_name = a.name WHERE a.run_name = ? AND a.name = ?",
            (run, action),
        )
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def tasks(self, recent: int, project: str | None = None) -> list[TaskRow]:
        """The tasks that have run as roots of local runs (of ``project`` when given), most
        recently run first."""
        in_project, scope = ("project = ?", (project,)) if project else ("1 = 1", ())
        summary = self._query(
            f"SELECT task_name, count(*) FROM runs WHERE {in_project} GROUP BY task_name "
            "ORDER BY max(started_at) DESC LIMIT 200",
            scope,
        )
        found = []
        for task_name, count in summary:
            latest = [
                _run(row)
                for row in self._query(
                    f"SELECT {_RUN_COLUMNS} FROM runs WHERE task_name = ? AND {in_project} "
                    "ORDER BY started_at DESC LIMIT ?",
                    (task_name, *scope, recent),
                )
            ]
            inputs = self._query("SELECT inputs FROM actions WHERE run_name = ? AND name = 'a0'", (latest[0].name,))
            returned = next((run.name for run in latest if run.phase == "SUCCEEDED"), None)
            outputs = self._query("SELECT outputs FROM actions WHERE run_name = ? AND name = 'a0'", (returned,))
            found.append(
                TaskRow(
                    name=task_name,
                    environment=task_name.split(".")[0],
                    runs=int(count),
                    last_run=latest[0].name,
                    last_phase=latest[0].phase,
                    last_at=latest[0].created_at,
                    recent=latest,
                    inputs=interface_of(bytes(inputs[0][0]), False) if inputs and inputs[0][0] else [],
                    outputs=interface_of(bytes(outputs[0][0]), True) if outputs and outputs[0][0] else [],
                )
            )
        return found

    def paused_conditions(self, run: str) -> list[ConditionView]:
        """None: local runs take their conditions' values from their terminal, not from the UI."""
        return []

    def _fingerprint(self, run: str | None) -> tuple[Any, ...]:
        if run is None:
            rows = self._query("SELECT count(*), max(started_at), max(ended_at), sum(ended_at IS NULL) FROM runs")
        else:
            rows = self._query(
                "SELECT count(*), max(ended_at), sum(ended_at IS NULL), "
                "(SELECT max(updated_at) FROM reports WHERE run_name = ?), "
                "(SELECT phase FROM runs WHERE name = ?) FROM actions WHERE run_name = ?",
                (run, run, run),
            )
        return tuple(rows[0]) if rows else ()

    async def wait_change(self, run: str | None, timeout: float) -> bool:
        """Polls the database (other processes write it) until what the page shows changed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        before = await asyncio.to_thread(self._fingerprint, run)
        while loop.time() < deadline:
            await asyncio.sleep(_POLL_S)
            if await asyncio.to_thread(self._fingerprint, run) != before:
                return True
        return False
