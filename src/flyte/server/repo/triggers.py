"""Triggers in the database: kept in step with their task's deployments, switched on and off,
and the slots they have fired.

A fired slot is a row keyed by (trigger, slot time): inserting it is how a server claims the
slot, so a slot fires at most once, across restarts and between servers sharing a database.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Engine, Row, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from flyte._internal import wire
from flyte.server.db.schema import runs, trigger_slots, triggers

LATEST = "latest"
"""The task version of a trigger that runs whichever version was deployed last."""


def _values(spec: wire.TriggerSpec) -> dict[str, Any]:
    return {
        "kind": spec.kind,
        "cron": spec.cron,
        "timezone": spec.timezone,
        "interval_s": spec.interval_s,
        "inputs": spec.inputs,
        "kickoff_input": spec.kickoff_input,
        "missed": spec.missed,
        "spec": spec.model_dump_json(),
    }


def replace_for_task(conn: Connection, request: wire.DeployTaskRequest, now: float) -> None:
    """Makes the task's triggers those of ``request``: new ones are created (active per their
    spec), existing ones get the new schedule, inputs and version but keep whether they are
    active, and those the code declared before but no longer does are removed (triggers made
    with ``Trigger.create`` stay)."""
    scope = (
        triggers.c.project == request.project,
        triggers.c.domain == request.domain,
        triggers.c.task_name == request.task.name,
    )
    existing = {row.name: row for row in conn.execute(select(triggers).where(*scope))}
    declared = {spec.name for spec in request.triggers}
    gone = [row.id for name, row in existing.items() if name not in declared and row.origin == "deploy"]
    if gone:
        conn.execute(delete(trigger_slots).where(trigger_slots.c.trigger_id.in_(gone)))
        conn.execute(delete(triggers).where(triggers.c.id.in_(gone)))
    for spec in request.triggers:
        row = existing.get(spec.name)
        values = {**_values(spec), "task_version": request.version, "updated_at": now, "origin": "deploy"}
        if row is not None:
            values["start_time"] = spec.start_time if spec.start_time is not None else row.start_time
            conn.execute(update(triggers).where(triggers.c.id == row.id).values(values))
            continue
        conn.execute(
            triggers.insert().values(
                project=request.project,
                domain=request.domain,
                task_name=request.task.name,
                name=spec.name,
                start_time=spec.start_time if spec.start_time is not None else now,
                active=spec.active,
                active_since=now,
                created_at=now,
                **values,
            )
        )


class TriggerExistsError(Exception):
    """The task has a trigger of that name already."""


def create_trigger(engine: Engine, request: wire.CreateTriggerRequest) -> Row[Any]:
    """Adds a trigger to a deployed task (kept when the task is deployed again).

    Raises:
        TriggerExistsError: the task has a trigger of that name.
    """
    spec = request.trigger
    now = time.time()
    try:
        with engine.begin() as conn:
            conn.execute(
                triggers.insert().values(
                    project=request.project,
                    domain=request.domain,
                    task_name=request.task_name,
                    name=spec.name,
                    task_version=request.task_version,
                    start_time=spec.start_time if spec.start_time is not None else now,
                    active=spec.active,
                    active_since=now,
                    created_at=now,
                    updated_at=now,
                    origin="api",
                    **_values(spec),
                )
            )
    except IntegrityError:
        raise TriggerExistsError(spec.name) from None
    row = get_trigger(engine, request.project, request.domain, request.task_name, spec.name)
    assert row is not None
    return row


def trigger_info(row: Row[Any], last_fired: float | None) -> wire.TriggerInfo:
    """The wire form of a ``triggers`` row."""
    spec = wire.TriggerSpec.model_validate_json(row.spec)
    return wire.TriggerInfo(
        **{**dict(spec), "active": row.active, "start_time": row.start_time},
        project=row.project,
        domain=row.domain,
        task_name=row.task_name,
        task_version=row.task_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        last_fired=last_fired,
    )


def last_fired(engine: Engine, trigger_ids: list[int]) -> dict[int, float]:
    """The latest fired slot of each trigger that has fired."""
    if not trigger_ids:
        return {}
    query = (
        select(trigger_slots.c.trigger_id, func.max(trigger_slots.c.slot))
        .where(trigger_slots.c.trigger_id.in_(trigger_ids))
        .group_by(trigger_slots.c.trigger_id)
    )
    with engine.connect() as conn:
        return {trigger_id: slot for trigger_id, slot in conn.execute(query)}


def list_triggers(
    engine: Engine, project: str, domain: str, task_name: str | None = None, limit: int = 100
) -> list[Row[Any]]:
    """Triggers of the project and domain (of one task when ``task_name`` is given), by task and name."""
    query = (
        select(triggers)
        .where(triggers.c.project == project, triggers.c.domain == domain)
        .order_by(triggers.c.task_name, triggers.c.name)
        .limit(limit)
    )
    if task_name is not None:
        query = query.where(triggers.c.task_name == task_name)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def get_trigger(engine: Engine, project: str, domain: str, task_name: str, name: str) -> Row[Any] | None:
    """The trigger ``name`` of the task, or None."""
    query = select(triggers).where(
        triggers.c.project == project,
        triggers.c.domain == domain,
        triggers.c.task_name == task_name,
        triggers.c.name == name,
    )
    with engine.connect() as conn:
        return conn.execute(query).one_or_none()


def set_active(engine: Engine, trigger_id: int, active: bool) -> None:
    """Switches a trigger on or off; switched on, it fires only slots after this moment."""
    now = time.time()
    with engine.begin() as conn:
        row = conn.execute(select(triggers.c.active).where(triggers.c.id == trigger_id)).one_or_none()
        if row is None or row.active == active:
            return
        values: dict[str, Any] = {"active": active, "updated_at": now}
        if active:
            values["active_since"] = now
        conn.execute(update(triggers).where(triggers.c.id == trigger_id).values(values))


def delete_trigger(engine: Engine, trigger_id: int) -> None:
    """Removes a trigger and the record of its fired slots (its runs stay)."""
    with engine.begin() as conn:
        conn.execute(delete(trigger_slots).where(trigger_slots.c.trigger_id == trigger_id))
        conn.execute(delete(triggers).where(triggers.c.id == trigger_id))


def active_triggers(engine: Engine) -> list[Row[Any]]:
    """Every active trigger, of every project and domain."""
    with engine.connect() as conn:
        return list(conn.execute(select(triggers).where(triggers.c.active.is_(True))).all())


def claim_slot(engine: Engine, trigger_id: int, slot: float, run_name: str) -> bool:
    """Records that the trigger fires ``slot`` as run ``run_name``; False when it was claimed before."""
    try:
        with engine.begin() as conn:
            conn.execute(
                trigger_slots.insert().values(trigger_id=trigger_id, slot=slot, run_name=run_name, fired_at=time.time())
            )
    except IntegrityError:
        return False
    return True


def slots_without_run(engine: Engine, since: float) -> list[Row[Any]]:
    """Slots claimed after ``since`` whose run was never created (the server stopped in between)."""
    query = (
        select(trigger_slots, triggers)
        .join(triggers, triggers.c.id == trigger_slots.c.trigger_id)
        .outerjoin(runs, runs.c.name == trigger_slots.c.run_name)
        .where(runs.c.name.is_(None), trigger_slots.c.fired_at >= since)
    )
    with engine.connect() as conn:
        return list(conn.execute(query).all())
