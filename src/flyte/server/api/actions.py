"""API for running actions: creating their children (idempotently) and waiting for them."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.server.api.deps import errors, fits_column, server_of
from flyte.server.db.schema import actions as action_table
from flyte.server.repo import actions as action_repo
from flyte.server.repo import runs as run_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["actions"])

# Many children end within a few milliseconds of each other; waiting this long after the first
# wake-up answers a long-poll with a batch of them instead of one request per child.
_COALESCE_S = 0.02


@router.post("/runs/{run}/actions", response_model=list[wire.ActionState], responses=errors(404, 409, 413))
def create_actions(request: Request, run: str, body: wire.CreateActionsRequest) -> list[wire.ActionState]:
    """Creates the children that do not exist yet and returns the state of each."""
    for i, item in enumerate(body.actions):
        fits_column(("body", "actions", i, "cache_key"), item.cache_key, action_table.c.cache_key)
        fits_column(("body", "actions", i, "group"), item.group, action_table.c.grp)
    server = server_of(request)
    row = run_repo.get_run(server.engine, run)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No run named '{run}'")
    if row.phase in wire.TERMINAL_PHASES:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Run '{run}' has ended ({row.phase})")
    states = action_repo.create_actions(server.engine, run, body.actions, run_repo.run_options(row))
    if any(state.phase == "QUEUED" for state in states):
        server.notifier.wake_scheduler()
    return states


@router.post("/runs/{run}/actions/wait", response_model=list[wire.ActionState], responses=errors(404))
async def wait_actions(request: Request, run: str, body: wire.WaitRequest) -> list[wire.ActionState]:
    """The states of those of the named actions that have ended, once at least one has."""
    server = server_of(request)
    deadline = time.monotonic() + body.timeout
    if await run_in_threadpool(run_repo.get_run, server.engine, run) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No run named '{run}'")
    while True:
        mark = server.notifier.mark()
        ended = await run_in_threadpool(action_repo.ended_states, server.engine, run, body.names)
        remaining = deadline - time.monotonic()
        if ended or remaining <= 0:
            return ended
        if await server.notifier.wait_run(run, remaining, since=mark):
            await asyncio.sleep(min(_COALESCE_S, max(deadline - time.monotonic(), 0)))
