"""API: what ``flyte.remote`` details and watches need: an action's phases, a run's phase changes."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.server.api.deps import action_or_404, errors, run_or_404, server_of
from flyte.server.repo import actions as action_repo
from flyte.server.repo import history as history_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["runs"])


@router.get("/runs/{run}/changes", response_model=wire.RunInfo, responses=errors(404))
async def run_changes(
    request: Request,
    run: str,
    phase: wire.Phase | None = None,
    timeout: Annotated[float, Query(ge=0, le=wire.MAX_WAIT_S)] = 30,
) -> wire.RunInfo:
    """The run once its phase is not ``phase`` (at once without it), or as it is at ``timeout``."""
    notifier = server_of(request).notifier
    deadline = time.monotonic() + timeout
    while True:
        mark = notifier.mark()
        info = await run_in_threadpool(run_or_404, request, run)
        remaining = deadline - time.monotonic()
        if info.phase != phase or remaining <= 0:
            return info
        await notifier.wait_run(run, remaining, since=mark)


@router.get("/runs/{run}/actions/{action}/changes", response_model=wire.ActionInfo, responses=errors(404))
async def action_changes(
    request: Request,
    run: str,
    action: str,
    phase: wire.Phase | None = None,
    timeout: Annotated[float, Query(ge=0, le=wire.MAX_WAIT_S)] = 30,
) -> wire.ActionInfo:
    """The action once its phase is not ``phase`` (at once without it), or as it is at ``timeout``."""
    server = server_of(request)
    deadline = time.monotonic() + timeout
    while True:
        mark = server.notifier.mark()
        row = await run_in_threadpool(action_or_404, request, run, action)
        remaining = deadline - time.monotonic()
        if row.phase != phase or remaining <= 0:
            return action_repo.action_info(row)
        await server.notifier.wait_run(run, remaining, since=mark)


@router.get(
    "/runs/{run}/actions/{action}/transitions", response_model=list[wire.PhaseTransition], responses=errors(404)
)
def action_transitions(request: Request, run: str, action: str) -> list[wire.PhaseTransition]:
    """The phases the action went through (with the attempt of each), oldest first."""
    action_or_404(request, run, action)
    return history_repo.phase_transitions(server_of(request).engine, run, action)
