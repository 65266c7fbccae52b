"""API: triggers of deployed tasks (list, read, activate or deactivate, delete)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status

from flyte._internal import wire
from flyte.server.api.deps import ListLimit, Scope, TextFilter, errors, server_of
from flyte.server.api.tasks import check_trigger
from flyte.server.auth.caller import require_may_write
from flyte.server.repo import tasks as task_repo
from flyte.server.repo import triggers as trigger_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["triggers"])


def _info(request: Request, row: Any) -> wire.TriggerInfo:
    last = trigger_repo.last_fired(server_of(request).engine, [row.id]).get(row.id)
    return trigger_repo.trigger_info(row, last)


def _row_or_404(request: Request, project: str, domain: str, task: str, name: str) -> Any:
    row = trigger_repo.get_trigger(server_of(request).engine, project, domain, task, name)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No trigger '{name}' of task '{task}' in {project}/{domain}")
    return row


@router.post(
    "/triggers",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.TriggerInfo,
    responses=errors(400, 403, 404, 409),
)
def create_trigger(request: Request, body: wire.CreateTriggerRequest) -> wire.TriggerInfo:
    """Adds a trigger to a deployed task (deploying the task again keeps it)."""
    require_may_write(request, body.project)
    engine = server_of(request).engine
    version = None if body.task_version == trigger_repo.LATEST else body.task_version
    task = task_repo.get_task(engine, body.project, body.domain, body.task_name, version)
    if task is None:
        which = f"version '{version}' of task" if version else "task"
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"No {which} '{body.task_name}' deployed in {body.project}/{body.domain}"
        )
    check_trigger(task_repo.task_info(task), body.trigger)
    try:
        row = trigger_repo.create_trigger(engine, body)
    except trigger_repo.TriggerExistsError:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"Task '{body.task_name}' has a trigger named '{body.trigger.name}' already"
        ) from None
    return trigger_repo.trigger_info(row, None)


@router.get("/triggers", response_model=list[wire.TriggerInfo])
def list_triggers(
    request: Request,
    project: Scope = "flytesnacks",
    domain: Scope = "development",
    task: TextFilter = None,
    limit: ListLimit = 100,
) -> list[wire.TriggerInfo]:
    """Triggers of the project and domain (of one task with ``task``), by task and name."""
    engine = server_of(request).engine
    rows = trigger_repo.list_triggers(engine, project, domain, task, limit)
    last = trigger_repo.last_fired(engine, [row.id for row in rows])
    return [trigger_repo.trigger_info(row, last.get(row.id)) for row in rows]


@router.get("/triggers/{task}/{name}", response_model=wire.TriggerInfo, responses=errors(404))
def get_trigger(
    request: Request, task: str, name: str, project: Scope = "flytesnacks", domain: Scope = "development"
) -> wire.TriggerInfo:
    """One trigger of a task."""
    return _info(request, _row_or_404(request, project, domain, task, name))


@router.patch("/triggers/{task}/{name}", response_model=wire.TriggerInfo, responses=errors(400, 404))
def update_trigger(
    request: Request,
    task: str,
    name: str,
    body: wire.TriggerUpdate,
    project: Scope = "flytesnacks",
    domain: Scope = "development",
) -> wire.TriggerInfo:
    """Activates or deactivates a trigger (activated, it fires only slots from now on)."""
    row = _row_or_404(request, project, domain, task, name)
    trigger_repo.set_active(server_of(request).engine, row.id, body.active)
    return _info(request, _row_or_404(request, project, domain, task, name))


@router.delete(
    "/triggers/{task}/{name}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response, responses=errors(404)
)
def delete_trigger(
    request: Request, task: str, name: str, project: Scope = "flytesnacks", domain: Scope = "development"
) -> Response:
    """Removes a trigger; the runs it started stay."""
    row = _row_or_404(request, project, domain, task, name)
    trigger_repo.delete_trigger(server_of(request).engine, row.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
