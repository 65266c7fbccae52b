"""API for reading an action's attempts: each retry's phase, times and error."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import and_, select

from flyte._internal import wire
from flyte.server.api.deps import action_or_404, errors, server_of
from flyte.server.db.schema import attempts

router = APIRouter(prefix=wire.API_PREFIX, tags=["actions"])


@router.get("/runs/{run}/actions/{action}/attempts", response_model=list[wire.AttemptInfo], responses=errors(404))
def list_attempts(request: Request, run: str, action: str) -> list[wire.AttemptInfo]:
    """Every attempt of the action, first to last, with the error of each that failed."""
    action_or_404(request, run, action)
    engine = server_of(request).engine
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
