"""Actions in the database: creation (idempotent), states, and the reads the API needs."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Connection, Engine, Row, and_, select
from sqlalchemy.exc import IntegrityError

from flyte._internal import wire
from flyte.server.db.schema import actions, cache, transitions
from flyte.server.repo.rerun import recovered_outputs

ACTIVE_PHASES = ("INITIALIZING", "RUNNING")
_WITH_OUTPUTS = ("SUCCEEDED", "RECOVERED")


def new_action_row(
    *,
    run_name: str,
    name: str,
    parent: str | None,
    kind: str,
    task: wire.TaskSpec,
    inputs: bytes,
    group: str | None,
    cache_key: str | None,
    now: float,
    cached: bytes | None = None,
    outputs: bytes | None = None,
    error: wire.ErrorInfo | None = None,
) -> dict[str, Any]:
    """The row of a new action: queued, or already ended (a cache hit, a recorded trace)."""
    if cached is not None:
        phase, outputs, cache_status = "SUCCEEDED", cached, "CACHE_HIT"
    elif kind == "trace":
        phase, cache_status = ("FAILED" if error is not None else "SUCCEEDED"), None
    else:
        phase, cache_status = "QUEUED", None
    ended = phase != "QUEUED"
    return {
        "run_name": run_name,
        "name": name,
        "parent": parent,
        "task_name": task.name,
        "kind": kind,
        "grp": group,
        "phase": phase,
        "attempt": 1 if kind == "trace" else 0,
        "user_failures": 0,
        "system_failures": 0,
        "task_spec": task.model_dump_json(),
        "inputs": inputs,
        "outputs": outputs,
        "error": error.model_dump_json() if error is not None else None,
        "cache_key": cache_key,
        "cache_status": cache_status,
        "report": None,
        "queued_at": now,
        "ready_at": now,
        "started_at": now if ended else None,
        "ended_at": now if ended else None,
        "heartbeat_at": None,
        "waiting": False,
        "worker": None,
    }


def cached_outputs(conn: Connection, key: str) -> bytes | None:
    """The outputs stored in the cache under ``key``, or None."""
    row = conn.execute(select(cache.c.outputs).where(cache.c.key == key)).one_or_none()
    return None if row is None else bytes(row.outputs)


def store_in_cache(conn: Connection, key: str, task_name: str, outputs: bytes) -> None:
    """Stores (or replaces) a cache entry."""
    conn.execute(cache.delete().where(cache.c.key == key))
    conn.execute(cache.insert().values(key=key, task_name=task_name, outputs=outputs, created_at=time.time()))


def error_of(row: Row[Any]) -> wire.ErrorInfo | None:
    """The action's error, if it failed."""
    return wire.ErrorInfo.model_validate_json(row.error) if row.error else None


def action_state(row: Any) -> wire.ActionState:
    """The wire state of an ``actions`` row (outputs only once it has succeeded)."""
    outputs = bytes(row.outputs) if row.outputs is not None and row.phase in _WITH_OUTPUTS else None
    return wire.ActionState(name=row.name, phase=row.phase, outputs=outputs, error=error_of(row))


def action_fields(row: Any) -> dict[str, Any]:
    """What every summary of an ``actions`` row shows: its place in the tree, phase and times."""
    return {
        "name": row.name,
        "parent": row.parent,
        "task_name": row.task_name,
        "kind": row.kind,
        "group": row.grp,
        "phase": row.phase,
        "attempts": row.attempt,
        "cache_status": row.cache_status,
        "queued_at": row.queued_at,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
    }


def action_info(row: Row[Any]) -> wire.ActionInfo:
    """The wire summary of an ``actions`` row."""
    return wire.ActionInfo(
        **action_fields(row),
        error=error_of(row),
        waiting_reason=row.waiting_reason if row.phase == "QUEUED" else None,
    )


def action_detail(row: Row[Any]) -> wire.ActionDetail:
    """The wire detail of an ``actions`` row, with inputs, outputs and report."""
    info = action_info(row).model_dump()
    return wire.ActionDetail(
        **info,
        inputs=bytes(row.inputs) if row.inputs is not None else None,
        outputs=bytes(row.outputs) if row.outputs is not None else None,
        report=row.report,
    )


def create_actions(
    engine: Engine, run_name: str, items: list[wire.CreateAction], options: dict[str, Any]
) -> list[wire.ActionState]:
    """Creates the actions that do not exist yet; returns every named action's current state."""
    now = time.time()
    use_cache = not options.get("disable_run_cache", False)
    read_cache = use_cache and not options.get("overwrite_cache", False)
    states: dict[str, wire.ActionState] = {}
    with engine.begin() as conn:
        existing = _rows(conn, run_name, [item.name for item in items])
        for item in items:
            row = existing.get(item.name)
            if row is not None:
                states[item.name] = action_state(row)
                continue
            key = item.cache_key if use_cache else None
            hit = cached_outputs(conn, key) if key is not None and read_cache else None
            values = new_action_row(
                run_name=run_name,
                name=item.name,
                parent=item.parent,
                kind=item.kind,
                task=item.task,
                inputs=item.inputs,
                group=item.group,
                cache_key=key,
                now=now,
                cached=hit,
                outputs=item.outputs,
                error=item.error,
            )
            if hit is None and (recovered := recovered_outputs(conn, options, item)) is not None:
                values.update(phase="RECOVERED", outputs=recovered, started_at=now, ended_at=now)
            try:
                with conn.begin_nested():
                    conn.execute(actions.insert().values(values))
                    conn.execute(
                        transitions.insert().values(
                            run_name=run_name, action_name=item.name, attempt=0, phase=values["phase"], at=now
                        )
                    )
            except IntegrityError:
                # Created meanwhile by another request of the same (replaying) parent.
                row = _rows(conn, run_name, [item.name])[item.name]
                states[item.name] = action_state(row)
                continue
            error = wire.ErrorInfo.model_validate_json(values["error"]) if values["error"] else None
            outputs = values["outputs"] if values["phase"] in _WITH_OUTPUTS else None
            states[item.name] = wire.ActionState(name=item.name, phase=values["phase"], outputs=outputs, error=error)
    return [states[item.name] for item in items]


def _rows(conn: Connection, run_name: str, names: list[str]) -> dict[str, Row[Any]]:
    found: dict[str, Row[Any]] = {}
    # Bounded IN lists keep every database happy with large fan-outs.
    for start in range(0, len(names), 500):
        chunk = names[start : start + 500]
        query = select(actions).where(and_(actions.c.run_name == run_name, actions.c.name.in_(chunk)))
        for row in conn.execute(query):
            found[row.name] = row
    return found


_STATE_COLUMNS = (actions.c.name, actions.c.phase, actions.c.outputs, actions.c.error)


def ended_states(engine: Engine, run_name: str, names: list[str]) -> list[wire.ActionState]:
    """The states of those of ``names`` that have ended."""
    ended: list[wire.ActionState] = []
    terminal = tuple(wire.TERMINAL_PHASES)
    with engine.connect() as conn:
        for start in range(0, len(names), 500):
            query = select(*_STATE_COLUMNS).where(
                and_(
                    actions.c.run_name == run_name,
                    actions.c.name.in_(names[start : start + 500]),
                    actions.c.phase.in_(terminal),
                )
            )
            ended.extend(action_state(row) for row in conn.execute(query))
    return ended


def get_action(engine: Engine, run_name: str, name: str) -> Row[Any] | None:
    """The action's row, or None."""
    with engine.connect() as conn:
        return conn.execute(
            select(actions).where(and_(actions.c.run_name == run_name, actions.c.name == name))
        ).one_or_none()


def list_actions(engine: Engine, run_name: str) -> list[Row[Any]]:
    """Every action of the run, in the order they were queued."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(actions).where(actions.c.run_name == run_name).order_by(actions.c.queued_at, actions.c.name)
            ).all()
        )


def recorded_traces(engine: Engine, run_name: str, parent: str) -> list[wire.ActionState]:
    """The ended trace children of ``parent``, replayed when the parent runs again."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(actions).where(
                and_(actions.c.run_name == run_name, actions.c.parent == parent, actions.c.kind == "trace")
            )
        ).all()
    return [action_state(row) for row in rows if row.phase in wire.TERMINAL_PHASES]


def task_spec(row: Row[Any]) -> wire.TaskSpec:
    """The task spec stored with an action."""
    return wire.TaskSpec.model_validate(json.loads(row.task_spec))
