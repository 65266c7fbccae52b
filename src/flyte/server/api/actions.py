"""API for running actions: creating their children (idempotently) and waiting for them."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.server.api.deps import check_code_source, errors, fits_column, server_of, unended_run
from flyte.server.api.worker_auth import AttemptToken, verify_parent
from flyte.server.db.schema import actions as action_table
from flyte.server.payloads import needs_offload, stored_payload
from flyte.server.repo import actions as action_repo
from flyte.server.repo import runs as run_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["actions"])

# Many children end within a few milliseconds of each other; waiting this long after the first
# wake-up answers a long-poll with a batch of them instead of one request per child.
_COALESCE_S = 0.02


@router.post(
    "/runs/{run}/actions", response_model=list[wire.ActionState], responses=errors(400, 401, 403, 404, 409, 413)
)
def create_actions(
    request: Request, run: str, body: wire.CreateActionsRequest, token: AttemptToken = None
) -> list[wire.ActionState]:
    """Creates the children that do not exist yet and returns the state of each.

    Only the worker of the children's parent creates them: the request carries its attempt token.
    """
    for i, item in enumerate(body.actions):
        fits_column(("body", "actions", i, "cache_key"), item.cache_key, action_table.c.cache_key)
        fits_column(("body", "actions", i, "group"), item.group, action_table.c.grp)
    server = server_of(request)
    row = unended_run(request, run)
    verify_parent(request, run, {item.parent for item in body.actions}, token)
    options = run_repo.run_options(row)
    items = []
    for item in body.actions:
        if item.kind == "task":
            check_code_source(server.settings, item.task, row.bundle)
            if item.task.image is None:
                image = run_repo.run_image(options, item.task.environment)
                if image is not None:
                    item = item.model_copy(update={"task": item.task.model_copy(update={"image": image})})
        items.append(_offloaded(item, row.raw_data_path))
    states = action_repo.create_actions(server.engine, run, items, options)
    if any(state.phase == "QUEUED" for state in states):
        server.notifier.wake_scheduler()
    return states


def _offloaded(item: wire.CreateAction, raw_data_path: str) -> wire.CreateAction:
    """The item with its large inputs (or a trace's large result) moved to the blob store."""
    update: dict[str, bytes] = {}
    if needs_offload(item.inputs):
        update["inputs"] = stored_payload(item.inputs, raw_data_path, item.task.name, "inputs")
    if item.outputs is not None and needs_offload(item.outputs):
        update["outputs"] = stored_payload(item.outputs, raw_data_path, item.task.name, "outputs")
    return item.model_copy(update=update) if update else item


@router.post("/runs/{run}/actions/wait", response_model=list[wire.ActionState], responses=errors(400, 404))
async def wait_actions(request: Request, run: str, body: wire.WaitRequest) -> list[wire.ActionState]:
    """The states of those of the named actions that have ended, once at least one has."""
    server = server_of(request)
    deadline = time.monotonic() + body.timeout
    if await run_in_threadpool(run_repo.get_run, server.engine, run) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No run named '{run}'")
    if not body.names:
        return []
    while True:
        mark = server.notifier.mark()
        ended = await run_in_threadpool(action_repo.ended_states, server.engine, run, body.names)
        remaining = deadline - time.monotonic()
        if ended or remaining <= 0:
            return ended
        if await server.notifier.wait_run(run, remaining, since=mark):
            await asyncio.sleep(min(_COALESCE_S, max(deadline - time.monotonic(), 0)))
