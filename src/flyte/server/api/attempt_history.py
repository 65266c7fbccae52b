"""API for reading an action's attempts: each retry's phase, times and error."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy import and_, select

from flyte._internal import wire
from flyte.server.api.deps import errors, server_of
from flyte.server.db.schema import attempts
from flyte.server.repo import actions as action_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["actions"])


@router.get("/runs/{run}/actions/{action}/attempts", response_model=list[wire.AttemptInfo], responses=errors(404))
def list_attempts(request: Request, run: str, action: str) -> list[wire.AttemptInfo]:
    """Every attempt of the action, first to last, with the error of each that failed."""
    engine = server_of(request).engine
    if action_repo.get_action(engine, run, action) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No action '{action}' in run '{run}'")
    query = (
        select(attempts)
        .where(and_(attempts.c.run_name == run, attempts.c.action_name == action))
        .order_by(attempts.c.attempt)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        wire.AttemptInfo(
            attempt=row.attempt,
            phase=row.phase,
            started_at=row.started_at,
            ended_at=row.ended_at,
            error=wire.ErrorInfo.model_validate_json(row.error) if row.error else None,
        )
        for row in rows
    ]
