"""Projects as stored: an id that runs, secrets and keys name, a display name, a description
and labels."""

from __future__ import annotations

import json
import time
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from flyte._internal import wire
from flyte.server.db.schema import projects

__all__ = ["ProjectExistsError", "create_project", "ensure_project", "get_project", "list_projects"]


class ProjectExistsError(Exception):
    """A project with that id exists already."""


def _info(row: Any) -> wire.ProjectInfo:
    return wire.ProjectInfo(
        id=row.id,
        name=row.name,
        description=row.description,
        labels=json.loads(row.labels),
        created_at=row.created_at,
    )


def create_project(engine: Engine, project: wire.ProjectCreate) -> wire.ProjectInfo:
    """Stores a new project.

    Raises:
        ProjectExistsError: the id is taken.
    """
    values = {
        "id": project.id,
        "name": project.name,
        "description": project.description,
        "labels": json.dumps(project.labels, sort_keys=True),
        "created_at": time.time(),
    }
    try:
        with engine.begin() as conn:
            if conn.execute(select(projects.c.id).where(projects.c.id == project.id)).one_or_none() is not None:
                raise ProjectExistsError(project.id)
            conn.execute(projects.insert().values(**values))
    except IntegrityError:
        raise ProjectExistsError(project.id) from None
    return wire.ProjectInfo(**{**project.model_dump(), "created_at": values["created_at"]})


def ensure_project(engine: Engine, project_id: str) -> None:
    """Records the project ``project_id`` (named after its id) unless it exists."""
    try:
        create_project(engine, wire.ProjectCreate(id=project_id, name=project_id))
    except ProjectExistsError:
        return


def get_project(engine: Engine, project_id: str) -> wire.ProjectInfo | None:
    """The project ``project_id``, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(projects).where(projects.c.id == project_id)).one_or_none()
    return None if row is None else _info(row)


def list_projects(engine: Engine) -> list[wire.ProjectInfo]:
    """Every project, by id."""
    with engine.connect() as conn:
        rows = conn.execute(select(projects).order_by(projects.c.id)).all()
    return [_info(row) for row in rows]
