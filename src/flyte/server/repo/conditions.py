"""Conditions in the database: values a running action waits for from a person.

A condition is a child action of kind ``condition`` (so run listings, aborts and the end of its
run treat it as any action) with a ``conditions`` row holding what it asks. It is PAUSED until
it is signalled a value of its type (SUCCEEDED, the value as its output) or its deadline passes
(TIMED_OUT, found due whenever the run's conditions are read or waited for).
"""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, select, update
from sqlalchemy.exc import IntegrityError

from flyte._internal import wire
from flyte._internal.serde import TypeEngine, pack
from flyte.server.db.schema import actions, conditions, transitions
from flyte.server.repo.actions import new_action_row

_PAUSED = "PAUSED"
_PYTHON_TYPES: dict[str, type] = {"bool": bool, "int": int, "float": float, "str": str}
_COLUMNS = (conditions, actions.c.phase)
_JOIN = conditions.join(
    actions, and_(actions.c.run_name == conditions.c.run_name, actions.c.name == conditions.c.action_name)
)


class ConditionError(Exception):
    """A condition request refused; ``status`` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def condition_info(row: Row[Any]) -> wire.ConditionInfo:
    """The wire form of a ``conditions`` row joined with its action's phase."""
    return wire.ConditionInfo(
        run_name=row.run_name,
        action_name=row.action_name,
        parent=row.parent,
        name=row.name,
        prompt=row.prompt,
        prompt_type=row.prompt_type,
        data_type=row.data_type,
        description=row.description,
        phase=row.phase,
        value=json.loads(row.value) if row.value is not None else None,
        created_at=row.created_at,
        deadline=row.deadline,
        signaled_at=row.signaled_at,
    )


def create_condition(engine: Engine, run_name: str, request: wire.CreateCondition) -> tuple[wire.ConditionInfo, bool]:
    """Creates the condition (PAUSED) unless it exists; returns it and whether it is new."""
    now = time.time()
    with engine.begin() as conn:
        found = _by_action(conn, run_name, request.action_name)
        if found is not None:
            return condition_info(found), False
        values = new_action_row(
            run_name=run_name,
            name=request.action_name,
            parent=request.parent,
            kind="condition",
            task=wire.TaskSpec(name=request.name, module="condition"),
            inputs=pack({"prompt": TypeEngine.to_literal(request.prompt, str)}),
            group=None,
            cache_key=None,
            now=now,
        )
        values.update(phase=_PAUSED, started_at=now)
        deadline = now + request.timeout_seconds if request.timeout_seconds is not None else None
        try:
            with conn.begin_nested():
                conn.execute(actions.insert().values(values))
                _transition(conn, run_name, request.action_name, _PAUSED, now)
                conn.execute(
                    conditions.insert().values(
                        run_name=run_name,
                        action_name=request.action_name,
                        parent=request.parent,
                        name=request.name,
                        prompt=request.prompt,
                        prompt_type=request.prompt_type,
                        data_type=request.data_type,
                        description=request.description,
                        deadline=deadline,
                        value=None,
                        created_at=now,
                        signaled_at=None,
                    )
                )
        except IntegrityError:
            pass  # created meanwhile by another request of the same (replaying) parent
        row = _by_action(conn, run_name, request.action_name)
        if row is None:
            raise ConditionError(409, f"Action '{request.action_name}' of run '{run_name}' is not a condition")
        return condition_info(row), True


def list_conditions(engine: Engine, run_name: str, parent: str | None = None) -> list[wire.ConditionInfo]:
    """The run's conditions (those of ``parent`` only, when given), oldest first."""
    query = select(*_COLUMNS).select_from(_JOIN).where(conditions.c.run_name == run_name)
    if parent is not None:
        query = query.where(conditions.c.parent == parent)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(conditions.c.created_at, conditions.c.action_name)).all()
    return [condition_info(row) for row in rows]


def get_condition(engine: Engine, run_name: str, name: str) -> wire.ConditionInfo:
    """The condition whose action (or, when unambiguous, whose own name) is ``name``.

    Raises:
        ConditionError: none (404), or several of that name (400).
    """
    with engine.connect() as conn:
        return condition_info(_find(conn, run_name, name))


def expire_due(engine: Engine, run_name: str) -> bool:
    """Times out the run's paused conditions whose deadline has passed; whether any did."""
    now = time.time()
    with engine.begin() as conn:
        due = conn.execute(
            select(conditions.c.action_name, conditions.c.name)
            .select_from(_JOIN)
            .where(
                and_(
                    conditions.c.run_name == run_name,
                    conditions.c.deadline <= now,
                    actions.c.phase == _PAUSED,
                )
            )
        ).all()
        expired = False
        for row in due:
            error = wire.ErrorInfo(
                code="ConditionTimedoutError",
                kind="user",
                message=f"Condition '{row.name}' was not signalled a value before its timeout",
            )
            values = {"phase": "TIMED_OUT", "ended_at": now, "error": error.model_dump_json()}
            if _claim(conn, run_name, row.action_name, values):
                _transition(conn, run_name, row.action_name, "TIMED_OUT", now)
                expired = True
    return expired


def signal_condition(engine: Engine, run_name: str, name: str, value: wire.ConditionValue) -> wire.ConditionInfo:
    """Gives the condition its value: it ends SUCCEEDED with the value as its output.

    Raises:
        ConditionError: no such condition (404), several of that name or a value of the wrong
            type (400), or it has ended already (409). Nothing is changed then.
    """
    now = time.time()
    with engine.begin() as conn:
        row = _find(conn, run_name, name)
        typed = _typed(row, value)
        if row.phase != _PAUSED:
            raise ConditionError(
                409, f"Condition '{row.name}' ({row.action_name}) of run '{run_name}' has ended ({row.phase})"
            )
        literal = TypeEngine.to_literal(typed, _PYTHON_TYPES[row.data_type])
        values = {"phase": "SUCCEEDED", "ended_at": now, "outputs": pack(literal)}
        if not _claim(conn, run_name, row.action_name, values):
            raise ConditionError(409, f"Condition '{row.name}' ({row.action_name}) of run '{run_name}' has ended")
        conn.execute(
            update(conditions)
            .where(and_(conditions.c.run_name == run_name, conditions.c.action_name == row.action_name))
            .values(value=json.dumps(typed), signaled_at=now)
        )
        _transition(conn, run_name, row.action_name, "SUCCEEDED", now)
        found = _by_action(conn, run_name, row.action_name)
        assert found is not None
        return condition_info(found)


def _typed(row: Row[Any], value: wire.ConditionValue) -> wire.ConditionValue:
    """``value`` as the condition's type (an int is a float), or a 400 naming what is expected."""
    expected = row.data_type
    ok = {
        "bool": isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "str": isinstance(value, str),
    }[expected]
    if not ok:
        raise ConditionError(
            400,
            f"Condition '{row.name}' ({row.action_name}) expects a {expected} value, "
            f"got {json.dumps(value)} ({type(value).__name__})",
        )
    return float(value) if expected == "float" else value


def _by_action(conn: Connection, run_name: str, action_name: str) -> Row[Any] | None:
    return conn.execute(
        select(*_COLUMNS)
        .select_from(_JOIN)
        .where(and_(conditions.c.run_name == run_name, conditions.c.action_name == action_name))
    ).one_or_none()


def _find(conn: Connection, run_name: str, name: str) -> Row[Any]:
    row = _by_action(conn, run_name, name)
    if row is not None:
        return row
    rows = conn.execute(
        select(*_COLUMNS).select_from(_JOIN).where(and_(conditions.c.run_name == run_name, conditions.c.name == name))
    ).all()
    if not rows:
        raise ConditionError(404, f"No condition '{name}' in run '{run_name}'")
    paused = [row for row in rows if row.phase == _PAUSED]
    if len(rows) > 1 and len(paused) != 1:
        names = ", ".join(row.action_name for row in rows)
        raise ConditionError(
            400, f"Several conditions are named '{name}' in run '{run_name}': name the action ({names})"
        )
    return paused[0] if len(rows) > 1 else rows[0]


def _claim(conn: Connection, run_name: str, action_name: str, values: dict[str, Any]) -> bool:
    """Ends the paused condition action with ``values``; False when it had ended meanwhile."""
    result = conn.execute(
        update(actions)
        .where(and_(actions.c.run_name == run_name, actions.c.name == action_name, actions.c.phase == _PAUSED))
        .values(values)
    )
    return result.rowcount == 1


def _transition(conn: Connection, run_name: str, action_name: str, phase: str, now: float) -> None:
    conn.execute(
        transitions.insert().values(run_name=run_name, action_name=action_name, attempt=0, phase=phase, at=now)
    )
