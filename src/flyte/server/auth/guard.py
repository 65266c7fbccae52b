"""The one check every request passes: who is calling, and may it see the run it names.

An ASGI middleware, not a dependency of each router, so that every route, whoever adds it
later (API, OpenAPI document and docs pages, UI pages, static mounts, event streams), is
protected without having to opt in. With ``--auth``:

- a request carries an API key as ``Authorization: Bearer <key>`` or in the ``flyte_token``
  cookie (which the web UI's ``/login`` form sets); a missing, malformed, unknown or deleted key
  is answered 401 with ``WWW-Authenticate: Bearer`` and ``{"detail": ...}`` (a browser, asking
  for HTML, gets the 401 as a page that sends it on to ``/login``);
- a worker presents its attempt's token (``X-Flyte-Attempt-Token``) instead, and only on the
  routes of its own run (``/api/v1/attempts/{run}/...`` and ``/api/v1/runs/{run}/...``): the
  routes themselves then check which attempt the token is (see ``api/worker_auth``);
- ``/login`` and ``/static/...`` stay public, so that a browser can get a key in.

The docs pages and the OpenAPI document are protected too: they list every route and model,
which tells an outsider exactly what to probe; a user with a key reads them with it.

A request of a project-scoped key naming another project in its ``project`` query parameter (a
listing or lookup of runs, secrets, tasks or triggers; one naming no project is made to name the
key's, see :func:`scoped_query`), or naming a run of another project
(``/api/v1/runs/{run}...``, whatever follows: actions, logs, data, abort; and the run's UI page,
events, logs and reports) is answered 404, as if there were no such run: one project cannot even
learn another's run names.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

import anyio.to_thread
from fastapi import status
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from flyte._internal import wire
from flyte.server.auth import caller as callers
from flyte.server.auth.caller import Caller
from flyte.server.auth.lookup import caller_for_key
from flyte.server.repo import runs as run_repo

if TYPE_CHECKING:
    from flyte.server.app import ServerState

__all__ = ["COOKIE_NAME", "PUBLIC_PATHS", "Guard", "scoped_query"]

COOKIE_NAME = "flyte_token"
"""The cookie the web UI keeps the API key in."""
PUBLIC_PATHS = ("/login", "/static/")
"""Paths reachable without a key: the login page, and the static files it needs."""

# A run's API routes, and its UI pages, events, logs, data and reports.
_RUN_PATH = re.compile(rf"^(?:{re.escape(wire.API_PREFIX)}|/ui|/ui/events)?/runs/([^/]+)(?:/|$)")
_WORKER_PATH = re.compile(rf"^{re.escape(wire.API_PREFIX)}/(?:attempts|runs)/([^/]+)(?:/|$)")


class _Refusal(Exception):
    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _is_public(path: str) -> bool:
    return path == PUBLIC_PATHS[0] or path.startswith(PUBLIC_PATHS[1])


def _presented_key(headers: Headers) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    for part in headers.get("cookie", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name == COOKIE_NAME and value:
            return value.strip('"')
    return None


class Guard:
    """ASGI middleware settling the :class:`~flyte.server.auth.caller.Caller` of each request
    (see the module docstring); ``auth`` says whether the server requires keys."""

    def __init__(self, app: ASGIApp, auth: bool) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not self.auth or _is_public(path):
            # Without --auth every caller is an administrator: there is nothing to look up.
            await self.app(scope, receive, send)
            return
        server: ServerState = scope["app"].state.server
        try:
            caller = await self._caller(server, path, Headers(scope=scope))
            await self._check_scope(server, caller, path, scope.get("query_string", b""))
        except _Refusal as refusal:
            await _refuse(scope, receive, send, refusal)
            return
        if caller.project is not None and caller.worker_run is None:
            scope["query_string"] = scoped_query(path, scope.get("query_string", b""), caller.project)
        scope.setdefault("state", {})[callers.STATE_KEY] = caller
        await self.app(scope, receive, send)

    async def _caller(self, server: ServerState, path: str, headers: Headers) -> Caller:
        presented = _presented_key(headers)
        if presented is not None:
            return await self._key_caller(server, presented)
        token = headers.get(wire.ATTEMPT_TOKEN_HEADER)
        worker_path = _WORKER_PATH.match(path)
        if token and worker_path is not None:
            run = worker_path.group(1)
            if await anyio.to_thread.run_sync(_attempt_of_run, server, run, token):
                return Caller(worker_run=run)
            raise _Refusal(status.HTTP_401_UNAUTHORIZED, f"The attempt token is not one of run '{run}'")
        raise _Refusal(
            status.HTTP_401_UNAUTHORIZED,
            "This server requires an API key: send it as 'Authorization: Bearer <key>' (set FLYTE_API_KEY or "
            "admin.api_key in the config)",
        )

    async def _key_caller(self, server: ServerState, presented: str) -> Caller:
        caller = await anyio.to_thread.run_sync(caller_for_key, server.engine, presented)
        if caller is None:
            raise _Refusal(status.HTTP_401_UNAUTHORIZED, "The API key is not valid (unknown, mistyped or deleted)")
        return caller

    async def _check_scope(self, server: ServerState, caller: Caller, path: str, query: bytes) -> None:
        if caller.worker_run is not None or caller.project is None:
            return
        asked = parse_qs(query.decode("latin-1")).get("project", [])
        if any(project != caller.project for project in asked):
            raise _Refusal(
                status.HTTP_404_NOT_FOUND,
                f"The API key '{caller.key_name}' sees project '{caller.project}' only",
            )
        match = _RUN_PATH.match(path)
        if match is None:
            return
        run = match.group(1)
        where = await anyio.to_thread.run_sync(_run_project, server, run)
        if where is not None and not caller.can_see(where):
            raise _Refusal(status.HTTP_404_NOT_FOUND, f"No run named '{run}'")


def scoped_query(path: str, query: bytes, project: str) -> bytes:
    """The query string of a project-scoped key's request, naming the key's project when it names
    none: routes that default to a project (``flytesnacks``) then default to the key's.

    Secrets are the exception: there a missing project means the secret of every project, which
    the key may read (and the route then refuses to change).
    """
    if path.startswith(f"{wire.API_PREFIX}/secrets"):
        return query
    if "project" in parse_qs(query.decode("latin-1"), keep_blank_values=True):
        return query
    named = urlencode({"project": project}).encode()
    return query + b"&" + named if query else named


def _attempt_of_run(server: ServerState, run: str, token: str) -> bool:
    from flyte.server.auth.worker_tokens import is_attempt_token_of_run

    return is_attempt_token_of_run(server.engine, run, token)


def _run_project(server: ServerState, run: str) -> str | None:
    row: Any = run_repo.get_run(server.engine, run)
    return None if row is None else str(row.project)


async def _refuse(scope: Scope, receive: Receive, send: Send, refusal: _Refusal) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": refusal.detail[:120]})
        return
    headers = {"WWW-Authenticate": "Bearer"} if refusal.code == status.HTTP_401_UNAUTHORIZED else None
    response: Response = JSONResponse({"detail": refusal.detail}, status_code=refusal.code, headers=headers)
    if refusal.code == status.HTTP_401_UNAUTHORIZED and "text/html" in Headers(scope=scope).get("accept", ""):
        response = HTMLResponse(_login_page(scope), status_code=refusal.code, headers=headers)
    await response(scope, receive, send)


def _login_page(scope: Scope) -> str:
    """What a browser gets instead of JSON: the same 401, sending it on to the login form."""
    target = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope.get("query_string") else "")
    url = html.escape(f"{PUBLIC_PATHS[0]}?{urlencode({'next': target})}", quote=True)
    return (
        f'<!doctype html><meta http-equiv="refresh" content="0; url={url}">'
        f'<p>This server requires an API key: <a href="{url}">log in</a>.</p>'
    )
