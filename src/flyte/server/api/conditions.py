"""API: conditions, values a running action waits for from a person (create, list, wait, signal)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, HTTPException, Query, Request, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.server.api.deps import errors, server_of, unended_run
from flyte.server.api.worker_auth import AttemptToken, verify_parent
from flyte.server.repo import conditions as condition_repo
from flyte.server.repo import runs as run_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["conditions"])


def _known_run(request: Request, run: str) -> None:
    """404 unless the run exists; times out its conditions that are due."""
    server = server_of(request)
    if run_repo.get_run(server.engine, run) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No run named '{run}'")
    if condition_repo.expire_due(server.engine, run):
        server.notifier.run_changed(run)


def _condition(request: Request, run: str, name: str) -> wire.ConditionInfo:
    _known_run(request, run)
    try:
        return condition_repo.get_condition(server_of(request).engine, run, name)
    except condition_repo.ConditionError as e:
        raise HTTPException(e.status, e.message) from None


@router.post("/runs/{run}/conditions", response_model=wire.ConditionInfo, responses=errors(400, 401, 403, 404, 409))
def create_condition(
    request: Request, run: str, body: wire.CreateCondition, background: BackgroundTasks, token: AttemptToken = None
) -> wire.ConditionInfo:
    """Creates the condition as a PAUSED child of ``body.parent`` (only that action's worker may);
    a condition that exists already is returned as it is."""
    server = server_of(request)
    unended_run(request, run)
    verify_parent(request, run, {body.parent}, token)
    try:
        info, created = condition_repo.create_condition(server.engine, run, body)
    except condition_repo.ConditionError as e:
        raise HTTPException(e.status, e.message) from None
    if created and body.webhook_url is not None:
        from flyte._condition import fire_webhook

        callback = f"{server.settings.endpoint}{wire.API_PREFIX}/runs/{run}/conditions/{info.action_name}/signal"
        background.add_task(fire_webhook, body.webhook_url, body.webhook_payload, callback)
    server.notifier.run_changed(run)
    return info


@router.get("/runs/{run}/conditions", response_model=list[wire.ConditionInfo], responses=errors(404))
def list_conditions(
    request: Request, run: str, action: Annotated[str | None, Query(pattern=wire.NAME_PATTERN)] = None
) -> list[wire.ConditionInfo]:
    """The run's conditions, oldest first; with ``action``, those that action waits for."""
    _known_run(request, run)
    return condition_repo.list_conditions(server_of(request).engine, run, action)


@router.get("/runs/{run}/conditions/{name}", response_model=wire.ConditionInfo, responses=errors(400, 404))
def get_condition(request: Request, run: str, name: str) -> wire.ConditionInfo:
    """One condition, by its action's name or by its own name."""
    return _condition(request, run, name)


@router.get("/runs/{run}/conditions/{name}/wait", response_model=wire.ConditionInfo, responses=errors(400, 404))
async def wait_condition(
    request: Request, run: str, name: str, timeout: Annotated[float, Query(ge=0, le=wire.MAX_WAIT_S)] = 30
) -> wire.ConditionInfo:
    """The condition once it has ended (signalled, timed out, aborted), or as it is at ``timeout``."""
    notifier = server_of(request).notifier
    deadline = time.monotonic() + timeout
    while True:
        mark = notifier.mark()
        info = await run_in_threadpool(_condition, request, run, name)
        remaining = deadline - time.monotonic()
        if info.phase in wire.TERMINAL_PHASES or remaining <= 0:
            return info
        if info.deadline is not None:
            # Wake up when it falls due: nothing else announces a timeout.
            remaining = min(remaining, max(info.deadline - time.time(), 0.0) + 0.01)
        await notifier.wait_run(run, remaining, since=mark)


@router.post("/runs/{run}/conditions/{name}/signal", response_model=wire.ConditionInfo, responses=errors(400, 404, 409))
def signal_condition(request: Request, run: str, name: str, body: wire.SignalRequest) -> wire.ConditionInfo:
    """Gives the condition its value, which must be of its type; the waiting action resumes."""
    server = server_of(request)
    _known_run(request, run)
    try:
        info = condition_repo.signal_condition(server.engine, run, name, body.value)
    except condition_repo.ConditionError as e:
        raise HTTPException(e.status, e.message) from None
    server.notifier.run_changed(run)
    return info
