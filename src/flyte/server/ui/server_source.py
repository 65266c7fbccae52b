"""The UI's source of runs on the server: its database, and its notifier for live updates."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select, true

from flyte._internal import wire
from flyte._internal.model.naming import ROOT_ACTION
from flyte.server.db.schema import actions, attempts, logs, runs
from flyte.server.repo import conditions as condition_repo
from flyte.server.repo.actions import action_fields
from flyte.server.repo.runs import run_fields
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

if TYPE_CHECKING:
    from flyte.server.app import ServerState

# How often a wait for "any run changed" looks at the notifier's change counter.
_POLL_S = 0.5

_ACTION_COLUMNS = (
    actions.c.name,
    actions.c.parent,
    actions.c.task_name,
    actions.c.kind,
    actions.c.grp,
    actions.c.phase,
    actions.c.attempt,
    actions.c.cache_status,
    actions.c.queued_at,
    actions.c.started_at,
    actions.c.ended_at,
)


def run_row(row: Any) -> RunRow:
    """A ``runs`` row as the UI shows it."""
    return RunRow(**run_fields(row), error=ErrorView.parse(row.error))


def _action_row(row: Any) -> ActionRow:
    return ActionRow(**action_fields(row))


class ServerSource:
    """Runs of the server's database."""

    read_only = False
    keeps_logs = True

    def __init__(self, state: ServerState) -> None:
        self._state = state
        self._engine = state.engine
        store = state.settings.store_prefix
        self.data_roots: tuple[Path, ...] = () if "://" in store else (Path(store),)

    def list_runs(self, where: RunFilter, offset: int, limit: int) -> tuple[list[RunRow], int]:
        """A page of runs, newest first, and how many match in all."""
        conditions = []
        if where.phase:
            conditions.append(runs.c.phase == where.phase)
        if where.task:
            conditions.append(runs.c.task_name.like(like_pattern(where.task), escape="\\"))
        if where.project:
            conditions.append(runs.c.project == where.project)
        if where.text:
            pattern = like_pattern(where.text)
            conditions.append(or_(runs.c.name.like(pattern, escape="\\"), runs.c.task_name.like(pattern, escape="\\")))
        page = select(runs).order_by(runs.c.created_at.desc(), runs.c.name).offset(offset).limit(limit)
        count = select(func.count()).select_from(runs)
        if conditions:
            page = page.where(and_(*conditions))
            count = count.where(and_(*conditions))
        with self._engine.connect() as conn:
            rows = [run_row(row) for row in conn.execute(page)]
            total = int(conn.execute(count).scalar_one())
        return rows, total

    def get_run(self, name: str) -> RunRow | None:
        """One run, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(select(runs).where(runs.c.name == name)).one_or_none()
        return None if row is None else run_row(row)

    def list_actions(self, run: str) -> list[ActionRow]:
        """Every action of the run, in the order they were queued."""
        query = select(*_ACTION_COLUMNS).where(actions.c.run_name == run).order_by(actions.c.queued_at, actions.c.name)
        with self._engine.connect() as conn:
            return [_action_row(row) for row in conn.execute(query)]

    def get_action(self, run: str, action: str) -> ActionDetail | None:
        """One action with its data, or None."""
        query = select(actions).where(and_(actions.c.run_name == run, actions.c.name == action))
        with self._engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        if row is None:
            return None
        return ActionDetail(
            row=_action_row(row),
            error=ErrorView.parse(row.error),
            inputs=bytes(row.inputs) if row.inputs is not None else None,
            outputs=bytes(row.outputs) if row.outputs is not None else None,
            report=row.report,
            task=wire.TaskSpec.model_validate(json.loads(row.task_spec)),
            waiting_reason=row.waiting_reason if row.phase == "QUEUED" else None,
        )

    def attempts(self, run: str, action: str) -> list[AttemptRow]:
        """The action's attempts, first to last."""
        query = (
            select(attempts)
            .where(and_(attempts.c.run_name == run, attempts.c.action_name == action))
            .order_by(attempts.c.attempt)
        )
        with self._engine.connect() as conn:
            return [
                AttemptRow(
                    attempt=row.attempt,
                    phase=row.phase,
                    started_at=row.started_at,
                    ended_at=row.ended_at,
                    error=ErrorView.parse(row.error),
                    worker=row.worker,
                )
                for row in conn.execute(query)
            ]

    def logs(self, run: str, action: str, attempt: int | None, after: int, limit: int) -> list[LogLine]:
        """Log lines of the action (of one attempt, if given) after position ``after``."""
        where = [logs.c.run_name == run, logs.c.action_name == action, logs.c.id > after]
        if attempt is not None:
            where.append(logs.c.attempt == attempt)
        query = select(logs).where(and_(*where)).order_by(logs.c.id).limit(limit)
        with self._engine.connect() as conn:
            return [LogLine(row.id, row.attempt, row.stream, row.ts, row.text) for row in conn.execute(query)]

    def report(self, run: str, action: str) -> str | None:
        """The latest HTML of the action's report, if any."""
        query = select(actions.c.report).where(and_(actions.c.run_name == run, actions.c.name == action))
        with self._engine.connect() as conn:
            found = conn.execute(query).scalar_one_or_none()
        return str(found) if found is not None else None

    def tasks(self, recent: int, project: str | None = None) -> list[TaskRow]:
        """The tasks that have run as roots of runs (of ``project`` when given), most recently
        run first."""
        in_project = runs.c.project == project if project else true()
        summary = (
            select(runs.c.task_name, func.count().label("n"), func.max(runs.c.created_at).label("last"))
            .where(in_project)
            .group_by(runs.c.task_name)
            .order_by(func.max(runs.c.created_at).desc())
            .limit(200)
        )
        found: list[TaskRow] = []
        with self._engine.connect() as conn:
            for task_name, count, _last in conn.execute(summary).all():
                latest = [
                    run_row(row)
                    for row in conn.execute(
                        select(runs)
                        .where(and_(runs.c.task_name == task_name, in_project))
                        .order_by(runs.c.created_at.desc())
                        .limit(recent)
                    )
                ]
                root = conn.execute(
                    select(actions.c.task_spec, actions.c.inputs).where(
                        and_(actions.c.run_name == latest[0].name, actions.c.name == ROOT_ACTION)
                    )
                ).one_or_none()
                spec = wire.TaskSpec.model_validate(json.loads(root.task_spec)) if root is not None else None
                returned = next((run.name for run in latest if run.phase == "SUCCEEDED"), None)
                outputs = (
                    conn.execute(
                        select(actions.c.outputs).where(
                            and_(actions.c.run_name == returned, actions.c.name == ROOT_ACTION)
                        )
                    ).scalar_one_or_none()
                    if returned
                    else None
                )
                found.append(
                    TaskRow(
                        name=task_name,
                        environment=(spec.environment if spec is not None else None) or task_name.split(".")[0],
                        runs=int(count),
                        last_run=latest[0].name,
                        last_phase=latest[0].phase,
                        last_at=latest[0].created_at,
                        spec=spec,
                        recent=latest,
                        inputs=interface_of(bytes(root.inputs) if root is not None and root.inputs else None, False),
                        outputs=interface_of(bytes(outputs), True) if outputs is not None else [],
                    )
                )
        return found

    def paused_conditions(self, run: str) -> list[ConditionView]:
        """The run's conditions that wait for a value, oldest first (those now due time out first)."""
        if condition_repo.expire_due(self._engine, run):
            self._state.notifier.run_changed(run)
        return [
            ConditionView(c.action_name, c.name, c.prompt, c.data_type, c.created_at, c.deadline)
            for c in condition_repo.list_conditions(self._engine, run)
            if c.phase == "PAUSED"
        ]

    async def wait_change(self, run: str | None, timeout: float) -> bool:
        """Waits on the server's notifier until the run (any run, if None) changes."""
        notifier = self._state.notifier
        if run is not None:
            return await notifier.wait_run(run, timeout)
        mark = notifier.mark()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if notifier.mark() != mark:
                return True
            await asyncio.sleep(_POLL_S)
        return False
