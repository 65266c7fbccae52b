"""API: projects (create, list, read).

A run or secret may name a project nobody created: the project is then recorded on first use
(see ``runs``), so a fresh server takes the configuration's default project without a setup
step. A key scoped to one project sees only that project and creates none (403).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.server.api.deps import errors, server_of
from flyte.server.auth.caller import caller_of
from flyte.server.repo import projects as project_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["projects"])

_MEANINGS = {
    403: "The caller's key is scoped to one project and creates none",
    404: "No such project (or not one the caller's key may see)",
    409: "A project with that id exists already",
}


@router.post(
    "/projects",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.ProjectInfo,
    responses=errors(400, 403, 409, meanings=_MEANINGS),
)
async def create_project(request: Request, body: wire.ProjectCreate) -> wire.ProjectInfo:
    """Creates a project."""
    caller = caller_of(request)
    if caller.project is not None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"The API key '{caller.key_name}' is scoped to project '{caller.project}' and creates no projects",
        )
    try:
        return await run_in_threadpool(project_repo.create_project, server_of(request).engine, body)
    except project_repo.ProjectExistsError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"A project with id '{body.id}' exists already") from None


@router.get("/projects", response_model=list[wire.ProjectInfo])
def list_projects(request: Request) -> list[wire.ProjectInfo]:
    """Every project the caller may see, by id."""
    scope = caller_of(request).project
    found = project_repo.list_projects(server_of(request).engine)
    return [project for project in found if scope is None or project.id == scope]


@router.get("/projects/{project}", response_model=wire.ProjectInfo, responses=errors(404, meanings=_MEANINGS))
def get_project(request: Request, project: str) -> wire.ProjectInfo:
    """One project."""
    scope = caller_of(request).project
    found = project_repo.get_project(server_of(request).engine, project)
    if found is None or (scope is not None and project != scope):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No project with id '{project}'")
    return found
