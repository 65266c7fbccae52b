"""API for workers: an attempt's spec, its heartbeats, logs, report and outcome.

Every route needs the attempt's token (:mod:`flyte.server.attempt_tokens`): only the worker the
attempt was given to reads its spec or reports on it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError

from flyte._internal import wire
from flyte.server.api.deps import action_or_404, errors, server_of
from flyte.server.api.worker_auth import AttemptNumber, verify_attempt
from flyte.server.payloads import needs_offload, stored_payload
from flyte.server.repo import actions as action_repo
from flyte.server.repo import attempts as attempt_repo
from flyte.server.repo import logs as log_repo
from flyte.server.repo import runs as run_repo
from flyte.server.secrets.injection import remove_attempt_secrets
from flyte.server.secrets.redact import redact_error, redact_lines, redact_text

router = APIRouter(
    prefix=f"{wire.API_PREFIX}/attempts/{{run}}/{{action}}/{{attempt}}",
    tags=["workers"],
    dependencies=[Depends(verify_attempt)],
    responses=errors(400, 401, 403, 404),
)


@router.get("", response_model=wire.AttemptSpec, responses=errors(404, 409))
def attempt_spec(request: Request, run: str, action: str, attempt: AttemptNumber) -> wire.AttemptSpec:
    """What the worker of this attempt must run."""
    server = server_of(request)
    row = action_or_404(request, run, action)
    if row.attempt != attempt or row.phase not in action_repo.ACTIVE_PHASES:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Attempt {attempt} of '{action}' is not in flight")
    spec = server.attempt_spec(row, attempt, action_repo.recorded_traces(server.engine, run, action))
    if spec is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No action '{action}' in run '{run}'")
    return spec


@router.post("/heartbeat", status_code=status.HTTP_204_NO_CONTENT, responses=errors(409))
def heartbeat(request: Request, run: str, action: str, attempt: AttemptNumber, body: wire.Heartbeat) -> Response:
    """The worker is alive; 409 tells it that its attempt is over and it should stop."""
    server = server_of(request)
    outcome = attempt_repo.heartbeat(server.engine, run, action, attempt, body.waiting)
    if outcome == "over":
        raise HTTPException(status.HTTP_409_CONFLICT, f"Attempt {attempt} of '{action}' is over")
    if outcome == "started":
        # Watchers of the run (long polls, the UI) see RUNNING at once.
        server.notifier.run_changed(run)
    if outcome != "same" and body.waiting:
        # A worker that only waits on children gives its slot back: dispatch now, not next tick.
        server.notifier.wake_scheduler()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logs", status_code=status.HTTP_204_NO_CONTENT, responses=errors(413))
def append_logs(request: Request, run: str, action: str, attempt: AttemptNumber, body: wire.LogBatch) -> Response:
    """Stores lines the task printed or logged, with the values of its secrets masked (``***``)."""
    server = server_of(request)
    lines = redact_lines(body.lines, server.secret_values(run, action, attempt))
    log_repo.append(server.engine, run, action, attempt, lines)
    server.notifier.run_changed(run)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/report", status_code=status.HTTP_204_NO_CONTENT, responses=errors(413))
def save_report(request: Request, run: str, action: str, attempt: AttemptNumber, body: wire.ReportUpdate) -> Response:
    """Stores the latest HTML of the task's report, with the values of its secrets masked."""
    server = server_of(request)
    html = redact_text(body.html, server.secret_values(run, action, attempt))
    attempt_repo.save_report(server.engine, run, action, html)
    server.notifier.run_changed(run)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/complete", status_code=status.HTTP_204_NO_CONTENT, responses=errors(409, 413))
def complete(request: Request, run: str, action: str, attempt: AttemptNumber, body: wire.CompleteAttempt) -> Response:
    """Ends the attempt with its outputs or its error."""
    if (body.outputs is None) == (body.error is None):
        problem = {
            "type": "value_error",
            "loc": ("body",),
            "msg": "Give exactly one of outputs and error",
            "input": None,
        }
        raise RequestValidationError([problem])
    server = server_of(request)
    outputs = body.outputs
    if outputs is not None and needs_offload(outputs):
        row = action_repo.get_action(server.engine, run, action)
        run_row = run_repo.get_run(server.engine, run)
        if row is not None and run_row is not None:
            outputs = stored_payload(outputs, run_row.raw_data_path, row.task_name, "outputs")
    secrets = server.secret_values(run, action, attempt)
    error = redact_error(body.error, secrets) if body.error is not None else None
    report = redact_text(body.report, secrets) if body.report is not None else None
    ended = attempt_repo.end_attempt(server.engine, run, action, attempt, outputs, error, report)
    if ended is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Attempt {attempt} of '{action}' is over")
    remove_attempt_secrets(server.settings.server_home, run, action, attempt)
    for worker in ended.workers_to_stop:
        server.executor.stop(worker, "aborted")
    server.notifier.run_changed(run)
    server.notifier.wake_scheduler()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
