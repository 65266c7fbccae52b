"""API: the server's secrets. Values go in (create or replace) and never come out: every route
answers with names and scopes only; workers receive values in their environment."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.server.api.deps import errors, server_of
from flyte.server.auth.caller import caller_of, require_may_write
from flyte.server.secrets.scope import Scope

router = APIRouter(prefix=wire.API_PREFIX, tags=["secrets"])

ScopeQuery = Annotated[str | None, Query(pattern=wire.NAME_PATTERN)]


def _scope(org: str | None, project: str | None, domain: str | None) -> Scope:
    return Scope(org=org, project=project, domain=domain)


def _check_name(name: str) -> None:
    if not re.match(wire.SECRET_NAME_PATTERN, name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No secret named '{name}'")


@router.post(
    "/secrets",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.SecretInfo,
    responses={200: {"model": wire.SecretInfo, "description": "Replaced"}, **errors(400, 413)},
)
async def put_secret(request: Request, response: Response, body: wire.SecretWrite) -> wire.SecretInfo:
    """Stores a secret, replacing the one of the same name and scope (200 then, 201 when new)."""
    require_may_write(request, body.project)
    info, created = await run_in_threadpool(server_of(request).vault.store, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return info


@router.get("/secrets", response_model=list[wire.SecretInfo])
def list_secrets(
    request: Request,
    name: Annotated[str | None, Query(pattern=wire.SECRET_NAME_PATTERN)] = None,
    org: ScopeQuery = None,
    project: ScopeQuery = None,
    domain: ScopeQuery = None,
) -> list[wire.SecretInfo]:
    """Names and scopes of the secrets matching every filter given (never values); for a key
    scoped to a project, only that project's and the unscoped ones."""
    caller = caller_of(request)
    found = server_of(request).vault.list(name, org, project, domain)
    return [info for info in found if caller.can_see(info.project)]


@router.get("/secrets/{name:path}", response_model=wire.SecretInfo, responses=errors(404))
def get_secret(
    request: Request, name: str, org: ScopeQuery = None, project: ScopeQuery = None, domain: ScopeQuery = None
) -> wire.SecretInfo:
    """The secret of exactly this name and scope (no scope: the unscoped one), without its value."""
    _check_name(name)
    scope = _scope(org, project, domain)
    visible = caller_of(request).can_see(project)
    info = server_of(request).vault.info(name, scope) if visible else None
    if info is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No secret named '{name}' ({scope.describe()})")
    return info


@router.delete("/secrets/{name:path}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(404))
def delete_secret(
    request: Request, name: str, org: ScopeQuery = None, project: ScopeQuery = None, domain: ScopeQuery = None
) -> Response:
    """Removes the secret of exactly this name and scope."""
    _check_name(name)
    scope = _scope(org, project, domain)
    if not caller_of(request).can_see(project):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No secret named '{name}' ({scope.describe()})")
    require_may_write(request, project)
    if not server_of(request).vault.delete(name, scope):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No secret named '{name}' ({scope.describe()})")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
