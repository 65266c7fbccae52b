"""Live updates of the UI: server-sent events saying "this changed", and the data fetched then.

An event carries no data worth trusting: the page, told that its run (or the list of runs)
changed, fetches its live fragment and the new log lines again. A quiet stream sends a comment
every :data:`KEEPALIVE_S` so proxies keep it open and a closed tab is noticed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from flyte.server.ui.source import UiSource, source_of
from flyte.server.ui.templating import SECURITY_HEADERS

router = APIRouter(prefix="/ui", include_in_schema=False)

KEEPALIVE_S = 15.0
# Changes come in bursts (a fan-out's children ending together): one event for the burst.
_COALESCE_S = 0.25


async def _changes(request: Request, source: UiSource, run: str | None) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        if await source.wait_change(run, KEEPALIVE_S):
            await asyncio.sleep(_COALESCE_S)
            yield "event: change\ndata: {}\n\n"
        else:
            yield ": keepalive\n\n"


def _stream(request: Request, run: str | None) -> StreamingResponse:
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", **SECURITY_HEADERS}
    return StreamingResponse(
        _changes(request, source_of(request), run), media_type="text/event-stream", headers=headers
    )


@router.get("/events/runs")
async def runs_events(request: Request) -> StreamingResponse:
    """An event each time any run may have changed."""
    return _stream(request, None)


@router.get("/events/runs/{run}")
async def run_events(request: Request, run: str) -> StreamingResponse:
    """An event each time the run may have changed (phases, logs, reports)."""
    return _stream(request, run)


@router.get("/runs/{run}/actions/{action}/logs")
async def action_logs(
    request: Request,
    run: str,
    action: str,
    attempt: Annotated[int | None, Query(ge=1, le=1000)] = None,
    after: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    """Log lines after ``after`` as JSON (the page appends them as text, never as HTML)."""
    source = source_of(request)
    detail = await run_in_threadpool(source.get_action, run, action)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No action '{action}' in run '{run}'")
    lines = await run_in_threadpool(source.logs, run, action, attempt, after, 5000)
    body = {
        "lines": [
            {"seq": line.seq, "attempt": line.attempt, "stream": line.stream, "text": line.text} for line in lines
        ],
        "next": lines[-1].seq if lines else after,
        "phase": detail.row.phase,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store", **SECURITY_HEADERS})
