"""API: runs (create, list, read, wait, abort) and the actions (read, abort) and logs of a run."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte._internal.model.naming import new_run_name
from flyte.server.api.deps import (
    ListLimit,
    action_or_404,
    check_code_source,
    errors,
    fits_column,
    run_or_404,
    server_of,
)
from flyte.server.auth.caller import caller_of, require_may_write
from flyte.server.db.schema import actions
from flyte.server.payloads import stored_payload
from flyte.server.repo import aborts as abort_repo
from flyte.server.repo import actions as action_repo
from flyte.server.repo import bundles as bundle_repo
from flyte.server.repo import logs as log_repo
from flyte.server.repo import projects as project_repo
from flyte.server.repo import runs as run_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["runs"])


@router.post("/runs", status_code=status.HTTP_201_CREATED, response_model=wire.RunInfo, responses=errors(400, 409, 413))
def create_run(request: Request, body: wire.CreateRunRequest) -> wire.RunInfo:
    """Creates a run and queues its root action."""
    fits_column(("body", "cache_key"), body.cache_key, actions.c.cache_key)
    require_may_write(request, body.project)
    server = server_of(request)
    if body.bundle is not None and bundle_repo.bundle_uri(server.engine, body.bundle) is None:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"Unknown code bundle '{body.bundle}': upload it first")
    check_code_source(server.settings, body.task, body.bundle)
    name = body.name or new_run_name()
    raw_data_path = run_repo.raw_data_path(server.settings.store_prefix, name)
    inputs = stored_payload(body.inputs, raw_data_path, body.task.name, "inputs")
    try:
        row = run_repo.create_run(
            server.engine, body.model_copy(update={"name": name, "inputs": inputs}), server.settings.store_prefix
        )
    except run_repo.RunExistsError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"A run named '{body.name}' exists already") from None
    project_repo.ensure_project(server.engine, body.project)
    server.notifier.wake_scheduler()
    return run_repo.run_info(row, server.settings.endpoint)


@router.get("/runs", response_model=list[wire.RunInfo])
def list_runs(
    request: Request,
    project: Annotated[str | None, Query(pattern=wire.NAME_PATTERN)] = None,
    domain: Annotated[str | None, Query(pattern=wire.NAME_PATTERN)] = None,
    phase: Annotated[list[wire.Phase] | None, Query(description="Any of these phases (repeatable)")] = None,
    task: Annotated[str | None, Query(max_length=512, pattern=wire.TEXT_PATTERN)] = None,
    limit: ListLimit = 50,
    created_after: Annotated[float | None, Query(ge=0, le=wire.MAX_TIMESTAMP)] = None,
    created_before: Annotated[float | None, Query(ge=0, le=wire.MAX_TIMESTAMP)] = None,
    sort_by: wire.RunSortKey = "created_at",
    order: Literal["asc", "desc"] = "desc",
) -> list[wire.RunInfo]:
    """Runs matching the filters, newest first (of the caller's key's project only, if scoped)."""
    caller = caller_of(request)
    if not caller.can_see(project):
        return []
    project = project or caller.project
    server = server_of(request)
    rows = run_repo.list_runs(
        server.engine,
        project,
        domain,
        phase,
        task,
        limit,
        created=(created_after, created_before),
        sort=(sort_by, order),
    )
    return [run_repo.run_info(row, server.settings.endpoint) for row in rows]


@router.get("/runs/{run}", response_model=wire.RunInfo, responses=errors(404))
def get_run(request: Request, run: str) -> wire.RunInfo:
    """One run."""
    return run_or_404(request, run)


@router.get("/runs/{run}/wait", response_model=wire.RunInfo, responses=errors(404))
async def wait_run(request: Request, run: str, timeout: Annotated[float, Query(ge=0, le=120)] = 30) -> wire.RunInfo:
    """The run once it has ended, or as it is when ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    notifier = server_of(request).notifier
    while True:
        mark = notifier.mark()
        info = await run_in_threadpool(run_or_404, request, run)
        remaining = deadline - time.monotonic()
        if info.phase in wire.TERMINAL_PHASES or remaining <= 0:
            return info
        await notifier.wait_run(run, remaining, since=mark)


@router.post("/runs/{run}/abort", response_model=wire.RunInfo, responses=errors(400, 404, 409))
def abort_run(request: Request, run: str, body: wire.AbortRequest | None = None) -> wire.RunInfo:
    """Aborts every unfinished action of the run and stops their workers (again: no change)."""
    server = server_of(request)
    reason = (body or wire.AbortRequest()).reason
    _stop(request, run, abort_repo.abort_run(server.engine, run, reason), f"No run named '{run}'", f"Run '{run}'")
    return run_or_404(request, run)


@router.post("/runs/{run}/actions/{action}/abort", response_model=wire.ActionInfo, responses=errors(400, 404, 409))
def abort_action(request: Request, run: str, action: str, body: wire.AbortRequest | None = None) -> wire.ActionInfo:
    """Aborts the action and every unfinished action below it, stopping their workers; the
    parent awaiting it gets ``ActionAbortedError``. The root's abort is the run's."""
    server = server_of(request)
    reason = (body or wire.AbortRequest()).reason
    aborted = abort_repo.abort_action(server.engine, run, action, reason)
    _stop(request, run, aborted, f"No action '{action}' in run '{run}'", f"Action '{action}' of run '{run}'")
    return action_repo.action_info(action_or_404(request, run, action))


def _stop(request: Request, run: str, aborted: abort_repo.Aborted, missing: str, what: str) -> None:
    """Stops the aborted attempts' workers, or says why nothing was aborted (404, 409)."""
    if not aborted.found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, missing)
    if aborted.ended_otherwise:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{what} has already ended ({aborted.phase}): nothing to abort")
    server = server_of(request)
    for worker in aborted.workers:
        server.executor.stop(worker, "aborted")
    server.notifier.run_changed(run)
    server.notifier.wake_scheduler()


@router.get("/runs/{run}/actions", response_model=list[wire.ActionInfo], responses=errors(404))
def list_actions(request: Request, run: str) -> list[wire.ActionInfo]:
    """Every action of the run."""
    run_or_404(request, run)
    return [action_repo.action_info(row) for row in action_repo.list_actions(server_of(request).engine, run)]


@router.get("/runs/{run}/actions/{action}", response_model=wire.ActionDetail, responses=errors(404))
def get_action(request: Request, run: str, action: str) -> wire.ActionDetail:
    """One action with its inputs, outputs and report."""
    return action_repo.action_detail(action_or_404(request, run, action))


@router.get("/runs/{run}/actions/{action}/logs", response_model=wire.LogChunk, responses=errors(404))
async def get_logs(
    request: Request,
    run: str,
    action: str,
    after: Annotated[int, Query(ge=0, le=wire.MAX_INT32)] = 0,
    wait: Annotated[float, Query(ge=0, le=60)] = 0,
) -> wire.LogChunk:
    """Log lines after ``after``; with ``wait``, holds the request until lines come or the action ends."""
    server = server_of(request)
    deadline = time.monotonic() + wait
    while True:
        mark = server.notifier.mark()
        row = await run_in_threadpool(action_or_404, request, run, action)
        lines = await run_in_threadpool(log_repo.read, server.engine, run, action, after)
        ended = row.phase in wire.TERMINAL_PHASES
        remaining = deadline - time.monotonic()
        if lines or ended or remaining <= 0:
            next_seq = lines[-1].seq if lines else after
            done = ended and not lines
            return wire.LogChunk(lines=lines, next_seq=next_seq, done=done)
        await server.notifier.wait_run(run, remaining, since=mark)
