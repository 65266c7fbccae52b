"""API: reruns, a new run with a prior run's task, code, options and inputs (optionally recovering)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from flyte._internal import wire
from flyte._internal.model.naming import new_run_name
from flyte.server.api.deps import errors, server_of
from flyte.server.payloads import stored_payload
from flyte.server.repo import rerun as rerun_repo
from flyte.server.repo import runs as run_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["runs"])


@router.post(
    "/runs/{run}/rerun",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.RunInfo,
    responses=errors(400, 404, 409),
)
def rerun(request: Request, run: str, body: wire.RerunRequest) -> wire.RunInfo:
    """Starts a new run of ``run``'s task (or of one of its actions') with the same inputs.

    With ``recover``, the new run's actions that succeeded in ``run`` with the same inputs are
    created RECOVERED with their outputs, so only the rest runs.
    """
    server = server_of(request)
    try:
        create = rerun_repo.rerun_request(server.engine, run, body)
    except rerun_repo.RerunError as e:
        raise HTTPException(e.status, e.message) from None
    name = body.name or new_run_name()
    if body.inputs is not None:
        raw_data_path = run_repo.raw_data_path(server.settings.store_prefix, name)
        inputs = stored_payload(body.inputs, raw_data_path, create.task.name, "inputs")
        create = create.model_copy(update={"inputs": inputs})
    try:
        row = run_repo.create_run(
            server.engine,
            create.model_copy(update={"name": name}),
            server.settings.store_prefix,
            origin=rerun_repo.origin_options(run, body),
        )
    except run_repo.RunExistsError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"A run named '{name}' exists already") from None
    server.notifier.wake_scheduler()
    return run_repo.run_info(row, server.settings.endpoint)
