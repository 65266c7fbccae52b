"""What API handlers share: the server's state, reached through the request, and checks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, cast

from fastapi import HTTPException, Query, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy import Column, Row, String

from flyte._internal import wire
from flyte.server.repo import actions as action_repo
from flyte.server.repo import runs as run_repo

if TYPE_CHECKING:
    from flyte.server.app import ServerState
    from flyte.server.settings import ServerSettings


Scope = Annotated[str, Query(pattern=wire.NAME_PATTERN)]
"""A project or domain named in a query."""

TextFilter = Annotated[str | None, Query(max_length=256, pattern=wire.TEXT_PATTERN)]
"""An optional name (of a task, an environment) that a listing is filtered by."""

ListLimit = Annotated[int, Query(ge=1, le=1000)]
"""How many rows a listing answers at most."""


class ErrorDetail(BaseModel):
    """The body of every error response but request validation's 422 (a list of problems)."""

    detail: str


_MEANINGS = {
    400: "Bad request (the message says why)",
    401: "No attempt token: the route is for the attempt's worker only",
    403: "The attempt token is not the attempt's",
    404: "No such run, action, attempt, bundle or secret",
    409: "Conflict with the current state (the message says which)",
    413: "Request body over the server's limit",
}


def errors(*codes: int, meanings: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route that may answer with these error codes (for OpenAPI);
    ``meanings`` says more precisely what some codes mean for that route."""
    described = {**_MEANINGS, **(meanings or {})}
    return {code: {"model": ErrorDetail, "description": described[code]} for code in codes}


def server_of(request: Request) -> ServerState:
    """The state of the server handling ``request``."""
    return cast("ServerState", request.app.state.server)


def run_or_404(request: Request, run: str) -> wire.RunInfo:
    """The run named ``run`` as the wire shows it (404 without one)."""
    server = server_of(request)
    row = run_repo.get_run(server.engine, run)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No run named '{run}'")
    return run_repo.run_info(row, server.settings.endpoint)


def action_or_404(request: Request, run: str, action: str) -> Row[Any]:
    """The ``actions`` row of the run's action ``action`` (404 without one)."""
    row = action_repo.get_action(server_of(request).engine, run, action)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No action '{action}' in run '{run}'")
    return row


def unended_run(request: Request, run: str) -> Row[Any]:
    """The ``runs`` row of a run still going (404 without one, 409 once it has ended)."""
    row = run_repo.get_run(server_of(request).engine, run)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No run named '{run}'")
    if row.phase in wire.TERMINAL_PHASES:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Run '{run}' has ended ({row.phase})")
    return row


def fits_column(where: tuple[str | int, ...], value: str | None, column: Column[Any]) -> None:
    """Refuses (422, as a validation error at ``where``) a value longer than its column.

    The wire models leave some lengths open; SQLite would store anything, PostgreSQL would fail
    the insert with a 500. This makes both refuse the request up front, before anything is stored.
    """
    limit = column.type.length if isinstance(column.type, String) else None
    if value is not None and limit is not None and len(value) > limit:
        raise RequestValidationError(
            [
                {
                    "type": "string_too_long",
                    "loc": where,
                    "msg": f"String should have at most {limit} characters",
                    "input": value,
                    "ctx": {"max_length": limit},
                }
            ]
        )


def check_code_source(settings: ServerSettings, task: wire.TaskSpec, bundle: str | None) -> None:
    """Refuses (400) a task whose code would not come from the run's bundle.

    A ``.py`` module is a file of the bundle, so it needs one; a dotted module name is code
    installed on the server, which runs only when the server was started to allow it.
    """
    if task.module_is_bundled:
        if bundle is None:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                f"Task '{task.name}' names the file {task.module}, but the run has no code bundle to find it in",
            )
        return
    if not settings.allow_installed_modules:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST,
            f"Task '{task.name}' names the installed module '{task.module}': this server runs only code from "
            "the run's bundle (start it with --allow-installed-modules to run installed code)",
        )
