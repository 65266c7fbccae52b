"""Deployed tasks in the database: registering a version (with its triggers), finding and listing them.

A version is immutable: registering it again with the same content changes nothing, with other
content it is refused. The newest version of a name is the one registered last.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.exc import IntegrityError

from flyte._internal import wire
from flyte.server.db.schema import deployed_tasks
from flyte.server.repo import triggers as trigger_repo


class VersionConflictError(Exception):
    """The version is registered already with other content."""


def task_info(row: Row[Any]) -> wire.TaskInfo:
    """The wire form of a ``deployed_tasks`` row."""
    spec = wire.DeployTaskRequest.model_validate_json(row.spec)
    return wire.TaskInfo(**dict(spec), created_at=row.created_at)


def _same_version(conn: Connection, request: wire.DeployTaskRequest) -> Row[Any] | None:
    query = select(deployed_tasks).where(
        deployed_tasks.c.project == request.project,
        deployed_tasks.c.domain == request.domain,
        deployed_tasks.c.name == request.task.name,
        deployed_tasks.c.version == request.version,
    )
    return conn.execute(query).one_or_none()


def register(engine: Engine, request: wire.DeployTaskRequest) -> tuple[Row[Any], bool]:
    """Stores the task's version and updates its triggers; returns the row and whether it is new.

    Raises:
        VersionConflictError: the version exists with other content.
    """
    spec = request.model_dump_json()
    try:
        with engine.begin() as conn:
            existing = _same_version(conn, request)
            if existing is not None:
                if existing.spec != spec:
                    raise VersionConflictError(request.task.name)
                return existing, False
            now = time.time()
            conn.execute(
                deployed_tasks.insert().values(
                    project=request.project,
                    domain=request.domain,
                    name=request.task.name,
                    version=request.version,
                    environment=request.environment,
                    spec=spec,
                    bundle=request.bundle,
                    created_at=now,
                )
            )
            trigger_repo.replace_for_task(conn, request, now)
            row = _same_version(conn, request)
            assert row is not None
            return row, True
    except IntegrityError:
        # Registered at the same moment by another client: same content is the same version.
        with engine.connect() as conn:
            row = _same_version(conn, request)
        if row is None or row.spec != spec:
            raise VersionConflictError(request.task.name) from None
        return row, False


def get_task(engine: Engine, project: str, domain: str, name: str, version: str | None) -> Row[Any] | None:
    """The version ``version`` of the task, or its newest one when ``version`` is None."""
    query = (
        select(deployed_tasks)
        .where(deployed_tasks.c.project == project, deployed_tasks.c.domain == domain, deployed_tasks.c.name == name)
        .order_by(deployed_tasks.c.created_at.desc(), deployed_tasks.c.id.desc())
        .limit(1)
    )
    if version is not None:
        query = query.where(deployed_tasks.c.version == version)
    with engine.connect() as conn:
        return conn.execute(query).one_or_none()


def list_tasks(
    engine: Engine,
    project: str,
    domain: str,
    name: str | None = None,
    environment: str | None = None,
    limit: int = 100,
) -> list[Row[Any]]:
    """Versions of deployed tasks matching the filters, newest first."""
    query = (
        select(deployed_tasks)
        .where(deployed_tasks.c.project == project, deployed_tasks.c.domain == domain)
        .order_by(deployed_tasks.c.created_at.desc(), deployed_tasks.c.id.desc())
        .limit(limit)
    )
    if name is not None:
        query = query.where(deployed_tasks.c.name == name)
    if environment is not None:
        query = query.where(deployed_tasks.c.environment == environment)
    with engine.connect() as conn:
        return list(conn.execute(query).all())
