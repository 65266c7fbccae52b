"""Aborting runs and actions: every unfinished action below the one aborted ends ABORTED.

An abort happens in one transaction: the aborted actions (queued ones, which then never start,
and those in flight, whose attempts end) get the phase ABORTED and an ``ActionAbortedError``
carrying the reason. The caller stops the workers :class:`Aborted` names. A parent awaiting an
aborted child sees that error; aborting the root action aborts the run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, select, update

from flyte._internal import wire
from flyte._internal.model.naming import ROOT_ACTION
from flyte.server.db.schema import actions, runs
from flyte.server.repo.actions import ACTIVE_PHASES
from flyte.server.repo.attempts import abort_unfinished

__all__ = ["Aborted", "abort_action", "abort_run", "descendants"]


@dataclass(frozen=True)
class Aborted:
    """What an abort found and did.

    ``phase`` is the phase the run (or action) had before: ``None`` when there is no such run (or
    action); a terminal phase when it had ended, in which case nothing changed. ``workers`` are
    the workers of the attempts it ended, to stop.
    """

    phase: str | None
    workers: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        """Whether the run (or action) exists."""
        return self.phase is not None

    @property
    def ended_otherwise(self) -> bool:
        """Whether it had ended before, other than by an abort (nothing to abort then)."""
        return self.phase in wire.TERMINAL_PHASES and self.phase != "ABORTED"


def _error_json(reason: str) -> str:
    return wire.ErrorInfo(code="ActionAbortedError", kind="user", message=reason).model_dump_json()


def _workers(rows: list[Row[Any]]) -> tuple[str, ...]:
    return tuple(str(row.worker) for row in rows if row.worker and row.phase in ACTIVE_PHASES)


def abort_run(engine: Engine, run_name: str, reason: str) -> Aborted:
    """Aborts the run: every unfinished action of it, and the run itself, end ABORTED."""
    with engine.begin() as conn:
        return _abort_run(conn, run_name, reason, time.time())


def _abort_run(conn: Connection, run_name: str, reason: str, now: float) -> Aborted:
    phase = conn.execute(select(runs.c.phase).where(runs.c.name == run_name)).scalar_one_or_none()
    if phase is None or phase in wire.TERMINAL_PHASES:
        return Aborted(phase)
    error = _error_json(reason)
    rows = abort_unfinished(conn, run_name, error, now)
    conn.execute(
        update(runs)
        .where(and_(runs.c.name == run_name, runs.c.phase.not_in(tuple(wire.TERMINAL_PHASES))))
        .values(phase="ABORTED", ended_at=now, error=error)
    )
    return Aborted(phase, _workers(rows))


def abort_action(engine: Engine, run_name: str, name: str, reason: str) -> Aborted:
    """Aborts the action and every unfinished action below it (the whole run for the root)."""
    now = time.time()
    with engine.begin() as conn:
        if name == ROOT_ACTION:
            return _abort_run(conn, run_name, reason, now)
        tree = {
            row.name: row.parent
            for row in conn.execute(select(actions.c.name, actions.c.parent).where(actions.c.run_name == run_name))
        }
        phase = conn.execute(
            select(actions.c.phase).where(and_(actions.c.run_name == run_name, actions.c.name == name))
        ).scalar_one_or_none()
        if phase is None or phase in wire.TERMINAL_PHASES:
            return Aborted(phase)
        rows = abort_unfinished(conn, run_name, _error_json(reason), now, descendants(tree, name) | {name})
    return Aborted(phase, _workers(rows))


def descendants(parents: dict[str, str | None], name: str) -> set[str]:
    """The actions below ``name`` (children, their children...), given each action's parent."""
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    found: set[str] = set()
    todo = [name]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found
