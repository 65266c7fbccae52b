"""Runs in the database: creating them (with their root action), reading and listing them."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, Row, select
from sqlalchemy.exc import IntegrityError

from flyte._internal import wire
from flyte._internal.model.naming import ROOT_ACTION, new_run_name
from flyte.server.db.schema import actions, runs, transitions
from flyte.server.repo.actions import cached_outputs, new_action_row
from flyte.server.repo.rerun import rerun_origin


class RunExistsError(Exception):
    """A run of that name exists already."""


def run_fields(row: Any) -> dict[str, Any]:
    """What every view of a ``runs`` row shows as it is stored: its names, phase and times."""
    return {
        "name": row.name,
        "project": row.project,
        "domain": row.domain,
        "task_name": row.task_name,
        "phase": row.phase,
        "created_at": row.created_at,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
    }


def run_info(row: Row[Any], endpoint: str = "") -> wire.RunInfo:
    """The wire form of a ``runs`` row."""
    error = wire.ErrorInfo.model_validate_json(row.error) if row.error else None
    return wire.RunInfo(
        **run_fields(row),
        error=error,
        url=f"{endpoint}/runs/{row.name}" if endpoint else "",
        **rerun_origin(json.loads(row.options)),
    )


def raw_data_path(store_prefix: str, run_name: str) -> str:
    """Where the data of run ``run_name`` goes in the store."""
    return f"{store_prefix.rstrip('/')}/runs/{run_name}"


def create_run(
    engine: Engine, request: wire.CreateRunRequest, store_prefix: str, origin: dict[str, Any] | None = None
) -> Row[Any]:
    """Creates the run and its root action (QUEUED, or SUCCEEDED at once on a cache hit).

    ``origin`` (a rerun's source, see :mod:`flyte.server.repo.rerun`) is kept with the options.
    """
    name = request.name or new_run_name()
    now = time.time()
    options = {
        "env_vars": request.env_vars,
        "overwrite_cache": request.overwrite_cache,
        "disable_run_cache": request.disable_run_cache,
        "max_action_concurrency": request.max_action_concurrency,
        "custom_context": request.custom_context,
        "images": {name: spec.model_dump(mode="json") for name, spec in request.images.items()},
        **(origin or {}),
    }
    cache_key = None if request.disable_run_cache else request.cache_key
    hit: bytes | None = None
    try:
        with engine.begin() as conn:
            if cache_key is not None and not request.overwrite_cache:
                hit = cached_outputs(conn, cache_key)
            phase = "SUCCEEDED" if hit is not None else "QUEUED"
            conn.execute(
                runs.insert().values(
                    name=name,
                    project=request.project,
                    domain=request.domain,
                    task_name=request.task.name,
                    phase=phase,
                    created_at=now,
                    started_at=now,
                    ended_at=now if hit is not None else None,
                    error=None,
                    bundle=request.bundle,
                    raw_data_path=raw_data_path(store_prefix, name),
                    options=json.dumps(options),
                )
            )
            conn.execute(
                actions.insert().values(
                    new_action_row(
                        run_name=name,
                        name=ROOT_ACTION,
                        parent=None,
                        kind="task",
                        task=request.task,
                        inputs=request.inputs,
                        group=None,
                        cache_key=cache_key,
                        now=now,
                        cached=hit,
                    )
                )
            )
            conn.execute(
                transitions.insert().values(run_name=name, action_name=ROOT_ACTION, attempt=0, phase=phase, at=now)
            )
            row = conn.execute(select(runs).where(runs.c.name == name)).one()
    except IntegrityError:
        raise RunExistsError(name) from None
    return row


def get_run(engine: Engine, name: str) -> Row[Any] | None:
    """The run's row, or None."""
    with engine.connect() as conn:
        return conn.execute(select(runs).where(runs.c.name == name)).one_or_none()


def list_runs(
    engine: Engine,
    project: str | None = None,
    domain: str | None = None,
    phase: str | Sequence[str] | None = None,
    task: str | None = None,
    limit: int = 50,
    created: tuple[float | None, float | None] = (None, None),
    sort: tuple[str, str] = ("created_at", "desc"),
) -> list[Row[Any]]:
    """Runs matching every given filter (any of several phases; created at or after
    ``created[0]`` and before ``created[1]``), newest first unless ``sort`` says otherwise."""
    column = runs.c[sort[0]]
    query = select(runs).order_by(column.asc() if sort[1] == "asc" else column.desc(), runs.c.name).limit(limit)
    if created[0] is not None:
        query = query.where(runs.c.created_at >= created[0])
    if created[1] is not None:
        query = query.where(runs.c.created_at < created[1])
    if project:
        query = query.where(runs.c.project == project)
    if domain:
        query = query.where(runs.c.domain == domain)
    if phase:
        query = query.where(runs.c.phase.in_([phase] if isinstance(phase, str) else list(phase)))
    if task:
        query = query.where(runs.c.task_name.contains(task))
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def run_options(row: Row[Any]) -> dict[str, Any]:
    """The options a run was created with."""
    options: dict[str, Any] = json.loads(row.options)
    return options


def run_image(options: dict[str, Any], environment: str | None) -> wire.ImageSpec | None:
    """The image the run recorded for ``environment``, if any."""
    recorded = options.get("images", {}).get(environment or "")
    return wire.ImageSpec.model_validate(recorded) if recorded is not None else None
