"""A task's report, served for the run page's sandboxed iframe.

The report is the task author's HTML and may hold any script. It is served with
``Content-Security-Policy: sandbox allow-scripts`` (and the iframe has ``sandbox="allow-scripts"``):
the document gets an opaque origin of its own, so its scripts run for its charts and tabs but can
read neither the UI's cookies nor its pages, and cannot navigate the page that shows it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from flyte.server.ui.source import source_of
from flyte.server.ui.templating import REPORT_CSP, SECURITY_HEADERS

router = APIRouter(prefix="/ui", include_in_schema=False)

_EMPTY = "<!doctype html><meta charset=utf-8><p>No report yet.</p>"


@router.get("/runs/{run}/actions/{action}/report", response_class=HTMLResponse)
async def report(request: Request, run: str, action: str) -> HTMLResponse:
    """The latest HTML of the action's report, in a sandbox of its own."""
    html = await run_in_threadpool(source_of(request).report, run, action)
    headers = {"Content-Security-Policy": REPORT_CSP, "Cache-Control": "no-store", **SECURITY_HEADERS}
    return HTMLResponse(html if html is not None else _EMPTY, status_code=200 if html else 404, headers=headers)
