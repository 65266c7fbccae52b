"""Where ``flyte get`` reads runs from: the server's API, or the local runs database.

Both sources describe runs and actions with the API's models (:mod:`flyte._internal.wire`), so
the commands print server runs and local runs alike. The local database is the one local runs
write (:mod:`flyte._internal.store.local_db`); it is only read here.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from flyte._config import Config
from flyte._internal import wire
from flyte.errors import ActionNotFoundError, RunNotFoundError, RuntimeUserError

__all__ = ["LocalRuns", "RunSource", "source_for"]


class RunSource(Protocol):
    """What ``flyte get`` needs from a source of runs (:class:`~flyte._internal.client.ApiClient`
    is one)."""

    def list_runs(
        self,
        *,
        project: str | None = None,
        domain: str | None = None,
        phase: str | None = None,
        task: str | None = None,
        limit: int | None = None,
    ) -> list[wire.RunInfo]: ...

    def get_run(self, run: str) -> wire.RunInfo: ...

    def list_actions(self, run: str) -> list[wire.ActionInfo]: ...

    def get_action(self, run: str, action: str) -> wire.ActionDetail: ...

    def action_logs(self, run: str, action: str, after: int | None = None, wait: float = 0.0) -> wire.LogChunk: ...


def source_for(config: Config) -> RunSource:
    """The server's API when an endpoint is configured, else the local runs database."""
    if config.admin.endpoint:
        from flyte._internal.client import client_for

        return client_for(config.admin.endpoint)
    return LocalRuns(config.home() / "local.db")


_RUN_COLUMNS = "name, project, domain, task_name, phase, started_at, ended_at, error"
_ACTION_COLUMNS = "name, parent, task_name, kind, grp, phase, attempts, cache_status, started_at, ended_at, error"


def _error(text: str | None) -> wire.ErrorInfo | None:
    return wire.ErrorInfo.model_validate(json.loads(text)) if text else None


class LocalRuns:
    """The local runs database at ``path``, read as the API would describe its runs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if not self.path.exists():
            return []
        from flyte._internal.store.local_db import connect

        conn = connect(self.path)
        try:
            return list(conn.execute(sql, params).fetchall())
        except sqlite3.OperationalError as e:
            raise RuntimeUserError("LocalDatabaseError", f"cannot read {self.path}: {e}") from e
        finally:
            conn.close()

    def _run(self, row: tuple[Any, ...]) -> wire.RunInfo:
        name, project, domain, task_name, phase, started_at, ended_at, error = row
        return wire.RunInfo(
            name=name,
            project=project,
            domain=domain,
            task_name=task_name,
            phase=phase,
            created_at=started_at,
            started_at=started_at,
            ended_at=ended_at,
            error=_error(error),
            url=f"{self.path}#run={name}",
        )

    @staticmethod
    def _action_fields(row: tuple[Any, ...]) -> dict[str, Any]:
        name, parent, task_name, kind, grp, phase, attempts, cache_status, started_at, ended_at, error = row
        return {
            "name": name,
            "parent": parent,
            "task_name": task_name,
            "kind": kind,
            "group": grp,
            "phase": phase,
            "attempts": attempts,
            "cache_status": cache_status,
            "queued_at": started_at,
            "started_at": started_at,
            "ended_at": ended_at,
            "error": _error(error),
        }

    def list_runs(
        self,
        *,
        project: str | None = None,
        domain: str | None = None,
        phase: str | None = None,
        task: str | None = None,
        limit: int | None = None,
    ) -> list[wire.RunInfo]:
        """Local runs matching every filter, newest first; ``task`` is a full or short name."""
        where, params = ["1 = 1"], []
        for column, value in (("project", project), ("domain", domain), ("phase", phase)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if task is not None:
            where.append("(task_name = ? OR task_name LIKE ? ESCAPE '\\')")
            escaped = task.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params += [task, f"%.{escaped}"]
        sql = f"SELECT {_RUN_COLUMNS} FROM runs WHERE {' AND '.join(where)} ORDER BY started_at DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [self._run(row) for row in self._query(sql, tuple(params))]

    def get_run(self, run: str) -> wire.RunInfo:
        """The local run ``run``, with its labels and annotations."""
        rows = self._query(f"SELECT {_RUN_COLUMNS} FROM runs WHERE name = ?", (run,))
        if not rows:
            raise RunNotFoundError(f"no run named {run!r} in the local runs database {self.path}")
        tags: dict[str, dict[str, str]] = {}
        for kind, key, value in self._query("SELECT kind, key, value FROM run_tags WHERE run_name = ?", (run,)):
            tags.setdefault(kind, {})[key] = value
        return self._run(rows[0]).model_copy(
            update={"labels": tags.get("labels", {}), "annotations": tags.get("annotations", {})}
        )

    def list_actions(self, run: str) -> list[wire.ActionInfo]:
        """The actions of the local run ``run``, in the order they started."""
        self.get_run(run)
        sql = f"SELECT {_ACTION_COLUMNS} FROM actions WHERE run_name = ? ORDER BY started_at, name"
        return [wire.ActionInfo(**self._action_fields(row)) for row in self._query(sql, (run,))]

    def get_action(self, run: str, action: str) -> wire.ActionDetail:
        """One action of a local run, with its stored inputs, outputs and report."""
        columns = ", ".join(f"a.{c.strip()}" for c in _ACTION_COLUMNS.split(","))
        sql = (
            f"SELECT {columns}, a.inputs, a.outputs, COALESCE(r.html, a.report) FROM actions a "
            "LEFT JOIN reports r ON r.run_name = a.run_name AND r.action_name = a.name "
            "WHERE a.run_name = ? AND a.name = ?"
        )
        rows = self._query(sql, (run, action))
        if not rows:
            self.get_run(run)
            raise ActionNotFoundError(f"run {run} has no action named {action!r}")
        *fields, inputs, outputs, report = rows[0]
        return wire.ActionDetail(
            **self._action_fields(tuple(fields)),
            inputs=None if inputs is None else bytes(inputs),
            outputs=None if outputs is None else bytes(outputs),
            report=report,
        )

    def action_logs(self, run: str, action: str, after: int | None = None, wait: float = 0.0) -> wire.LogChunk:
        """Local runs keep no logs: what their tasks printed went to the terminal that ran them."""
        self.get_action(run, action)
        raise RuntimeUserError(
            "NoLogs",
            f"local runs keep no logs: what run {run} printed went to the terminal that ran it "
            "(configure an endpoint to read a server's logs)",
        )
