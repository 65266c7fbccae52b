"""Projects of a server, from Python: read one, list them, create one. Every function has an
``.aio`` form for async code::

    project = flyte.remote.Project.get("ml")
    for project in flyte.remote.Project.listall():
        print(project.id, project.name)
"""

from __future__ import annotations

import asyncio
from typing import Literal

from flyte._internal import wire
from flyte._syncify import syncify
from flyte.remote._action import api
from flyte.remote._details import ListAll
from flyte.remote._record import ServerRecord

__all__ = ["Project"]


async def _get(name: str) -> Project:
    """The project whose id is ``name``.

    Raises:
        RuntimeUserError: ``ProjectNotFound``, there is no such project.
    """
    return Project(await asyncio.to_thread(api().get_project, name))


async def _create(id: str, name: str, description: str = "", labels: dict[str, str] | None = None) -> Project:
    """Creates a project (``id`` is what runs and keys name, ``name`` is for people).

    Raises:
        RuntimeUserError: ``Conflict``, a project with that id exists already.
    """
    request = wire.ProjectCreate(id=id, name=name, description=description, labels=labels or {})
    return Project(await asyncio.to_thread(api().create_project, request))


def _check_list_options(filters: str | None, archived: bool) -> None:
    if filters is not None:
        raise ValueError("this server lists every project: leave out filters")
    if archived:
        raise ValueError("this server does not archive projects: there are no archived ones to list")


async def _list(
    filters: str | None = None,
    sort_by: tuple[str, Literal["asc", "desc"]] | None = None,
    archived: bool = False,
) -> list[Project]:
    """Every project the caller may see, by id (or as ``sort_by`` says)."""
    _check_list_options(filters, archived)
    found = [Project(info) for info in await asyncio.to_thread(api().list_projects)]
    if sort_by is not None:
        field, order = sort_by
        if field not in ("id", "name", "created_at"):
            raise ValueError(f"projects sort by id, name or created_at, not {field!r}")
        found.sort(key=lambda p: getattr(p, field), reverse=order == "desc")
    return found


class Project(ServerRecord["wire.ProjectInfo"]):
    """A project of the server: the id runs, secrets and API keys name, a display name, a
    description and labels."""

    get = syncify(_get)
    create = syncify(_create)
    listall = ListAll(_list)

    def __init__(self, info: wire.ProjectInfo) -> None:
        self._info = info

    @property
    def id(self) -> str:
        """The project's id."""
        return self._info.id

    @property
    def name(self) -> str:
        """The project's display name."""
        return self._info.name

    @property
    def description(self) -> str:
        """What the project is for."""
        return self._info.description

    @property
    def labels(self) -> dict[str, str]:
        """The project's labels."""
        return dict(self._info.labels)

    @property
    def created_at(self) -> float:
        """When the project was created (seconds since the epoch)."""
        return self._info.created_at

    def __repr__(self) -> str:
        return f"Project(id={self.id!r}, name={self.name!r})"
