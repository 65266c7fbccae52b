"""The UI's pages: the runs list, a run with its selected action, and the tasks.

Every page is a plain GET of a URL that says everything it shows (filters, page, selected
action, expanded fan-outs), so it can be shared, bookmarked and walked with back and forward.
With ``fragment=1`` a page answers only its live part, which the page's script swaps in when
the server says the run changed.
"""

from __future__ import annotations

import math
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from flyte._internal.model.naming import ROOT_ACTION
from flyte._internal.model.phases import ActionPhase
from flyte.server.auth.caller import caller_of
from flyte.server.ui import values
from flyte.server.ui.source import RunFilter, source_of
from flyte.server.ui.templating import render
from flyte.server.ui.timeline import timeline
from flyte.server.ui.tree import build_tree, parse_expanded

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
PHASES = [phase.value for phase in ActionPhase]


@router.get("/", response_class=HTMLResponse)
async def runs_page(
    request: Request,
    phase: Annotated[str | None, Query(max_length=32)] = None,
    task: Annotated[str | None, Query(max_length=512)] = None,
    q: Annotated[str | None, Query(max_length=512)] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    fragment: bool = False,
) -> HTMLResponse:
    """The runs, newest first, filtered and paged."""
    source = source_of(request)
    where = RunFilter(
        phase=phase if phase in PHASES else None,
        task=task or None,
        text=q or None,
        project=caller_of(request).project,
    )
    rows, total = await run_in_threadpool(source.list_runs, where, (page - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    query = {k: v for k, v in (("phase", where.phase), ("task", where.task), ("q", where.text)) if v}

    def page_url(number: int) -> str:
        return "/?" + urlencode({**query, "page": number})

    return render(
        request,
        "_runs_table.html" if fragment else "runs.html",
        runs=rows,
        total=total,
        page=page,
        pages=pages,
        where=where,
        phases=PHASES,
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if page < pages else None,
        fragment_url="/?" + urlencode({**query, "page": page, "fragment": 1}),
        source=source,
    )


@router.get("/runs/{name}", response_class=HTMLResponse)
async def run_page(
    request: Request,
    name: str,
    action: Annotated[str | None, Query(max_length=128)] = None,
    attempt: Annotated[int | None, Query(ge=1, le=1000)] = None,
    expand: Annotated[list[str] | None, Query()] = None,
    fragment: bool = False,
) -> HTMLResponse:
    """One run: its action tree, timeline, and the selected action (the root by default)."""
    source = source_of(request)
    run = await run_in_threadpool(source.get_run, name)
    if run is None:
        return render(request, "missing.html", status_code=404, what=f"No run named '{name}'", source=source)
    rows = await run_in_threadpool(source.list_actions, name)
    selected_name = action or ROOT_ACTION
    detail = await run_in_threadpool(source.get_action, name, selected_name)
    if detail is None:
        selected_name = ROOT_ACTION
        detail = await run_in_threadpool(source.get_action, name, ROOT_ACTION)
    expanded = parse_expanded(expand or [])
    tree = build_tree(rows, selected_name, expanded)
    attempts = await run_in_threadpool(source.attempts, name, selected_name) if detail is not None else []
    shown_attempt = attempt or (attempts[-1].attempt if attempts else None)
    logs = []
    if detail is not None and source.keeps_logs:
        logs = await run_in_threadpool(source.logs, name, selected_name, shown_attempt, 0, 5000)
    inputs, outputs, value_error = [], [], None
    if detail is not None:
        try:
            inputs = await run_in_threadpool(values.views, detail.inputs, False, source.data_roots)
            if detail.row.phase == "SUCCEEDED":
                outputs = await run_in_threadpool(values.views, detail.outputs, True, source.data_roots)
        except Exception as e:  # a payload that cannot be read must not hide the rest of the page
            value_error = f"{type(e).__name__}: {e}"
    conditions = await run_in_threadpool(source.paused_conditions, name)
    base = {"action": selected_name, "expand": [f"{k}:{v}" for k, v in expanded.items()]}

    def url(**changes: object) -> str:
        params = {**base, **changes}
        return f"/runs/{name}?" + urlencode({k: v for k, v in params.items() if v is not None}, doseq=True)

    def expand_url(key: str, count: int) -> str:
        kept = [e for e in base["expand"] if not e.startswith(key + ":")]
        return url(expand=[*kept, f"{key}:{count}"])

    return render(
        request,
        "_run_live.html" if fragment else "run.html",
        run=run,
        tree=tree,
        detail=detail,
        selected=selected_name,
        attempts=attempts,
        shown_attempt=shown_attempt,
        logs=logs,
        inputs=inputs,
        outputs=outputs,
        value_error=value_error,
        timeline=timeline(rows),
        conditions=conditions,
        selected_condition=next((c for c in conditions if c.action_name == selected_name), None),
        source=source,
        url=url,
        expand_url=expand_url,
        fragment_url=url(attempt=attempt, fragment=1),
    )


@router.get("/tasks", response_class=HTMLResponse)
async def tasks_page(request: Request) -> HTMLResponse:
    """The tasks that have run, their environments, interfaces and recent runs."""
    source = source_of(request)
    tasks = await run_in_threadpool(source.tasks, 5, caller_of(request).project)
    environments: dict[str, list[object]] = {}
    for task in tasks:
        environments.setdefault(task.environment, []).append(task)
    return render(request, "tasks.html", environments=environments, source=source)
