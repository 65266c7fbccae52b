"""API: deployed tasks (register a version, list them, read one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from flyte._internal import wire
from flyte.server.api.deps import ListLimit, Scope, TextFilter, check_code_source, errors, server_of
from flyte.server.auth.caller import require_may_write
from flyte.server.repo import bundles as bundle_repo
from flyte.server.repo import projects as project_repo
from flyte.server.repo import tasks as task_repo
from flyte.server.triggers.clock import schedule_of
from flyte.server.triggers.slots import ScheduleError

router = APIRouter(prefix=wire.API_PREFIX, tags=["tasks"])


def check_trigger(task: wire.DeployTaskRequest, spec: wire.TriggerSpec) -> None:
    """Refuses (400) a trigger whose schedule cannot be evaluated or whose inputs do not fit ``task``."""
    from flyte._internal.deployed import pack_inputs, unpack_inputs
    from flyte.errors import BaseRuntimeError

    try:
        schedule_of(spec)
    except ScheduleError as e:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"Trigger '{spec.name}': {e}") from None
    if spec.kickoff_input is not None and spec.kickoff_input not in {i.name for i in task.interface.inputs}:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"Trigger '{spec.name}': the task has no input '{spec.kickoff_input}' for the trigger time",
        )
    try:
        literals = unpack_inputs(spec.inputs)
        if spec.kickoff_input is not None:
            literals[spec.kickoff_input] = ""
        pack_inputs(task, literals)
    except (BaseRuntimeError, ValueError) as e:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"Trigger '{spec.name}': {e}") from None


@router.post(
    "/tasks",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.TaskInfo,
    responses={200: {"model": wire.TaskInfo, "description": "Registered before"}, **errors(400, 403, 409)},
)
def register_task(request: Request, response: Response, body: wire.DeployTaskRequest) -> wire.TaskInfo:
    """Registers a version of a task with its code bundle, image and triggers."""
    require_may_write(request, body.project)
    server = server_of(request)
    if bundle_repo.bundle_uri(server.engine, body.bundle) is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"Unknown code bundle '{body.bundle}': upload it first")
    check_code_source(server.settings, body.task, body.bundle)
    for spec in body.triggers:
        check_trigger(body, spec)
    try:
        row, created = task_repo.register(server.engine, body)
    except task_repo.VersionConflictError:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"Version '{body.version}' of task '{body.task.name}' is deployed already with other content: "
            "deploy a new version",
        ) from None
    if created:
        project_repo.ensure_project(server.engine, body.project)
    else:
        response.status_code = status.HTTP_200_OK
    return task_repo.task_info(row)


@router.get("/tasks", response_model=list[wire.TaskInfo])
def list_tasks(
    request: Request,
    project: Scope = "flytesnacks",
    domain: Scope = "development",
    name: TextFilter = None,
    environment: TextFilter = None,
    limit: ListLimit = 100,
) -> list[wire.TaskInfo]:
    """Versions of deployed tasks matching the filters, newest first."""
    rows = task_repo.list_tasks(server_of(request).engine, project, domain, name, environment, limit)
    return [task_repo.task_info(row) for row in rows]


@router.get("/tasks/{name}", response_model=wire.TaskInfo, responses=errors(404))
def get_task(
    request: Request,
    name: str,
    project: Scope = "flytesnacks",
    domain: Scope = "development",
    version: Annotated[str | None, Query(pattern=wire.VERSION_PATTERN)] = None,
) -> wire.TaskInfo:
    """One version of a deployed task; its newest when no version is given."""
    row = task_repo.get_task(server_of(request).engine, project, domain, name, version)
    if row is None:
        which = f"version '{version}' of task '{name}'" if version else f"task '{name}'"
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No {which} deployed in {project}/{domain}")
    return task_repo.task_info(row)
