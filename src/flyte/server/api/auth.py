"""API: API keys (create, list, delete) and ``whoami``.

Only a caller with an unscoped key (or any caller of a server without ``--auth``) manages keys:
a key scoped to one project must not be able to make itself a wider one (403 otherwise). A new
key is shown once, in the creation's answer; afterwards only its name and scope are.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.server.api.deps import errors, server_of
from flyte.server.auth.caller import caller_of
from flyte.server.auth.keys import new_key
from flyte.server.repo import api_keys as key_repo

router = APIRouter(prefix=wire.API_PREFIX, tags=["auth"])

_MEANINGS = {
    403: "The caller's key is scoped to one project: only an unscoped key manages keys",
    404: "No API key of that name",
    409: "An API key of that name exists already",
}


def _require_key_admin(request: Request) -> None:
    caller = caller_of(request)
    if caller.project is not None or caller.worker_run is not None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"The API key '{caller.key_name}' is scoped to project '{caller.project}': only an unscoped key "
            "manages API keys",
        )


@router.post(
    "/api-keys",
    status_code=status.HTTP_201_CREATED,
    response_model=wire.ApiKeyCreated,
    responses=errors(400, 403, 409, meanings=_MEANINGS),
)
async def create_api_key(request: Request, body: wire.ApiKeyCreate) -> wire.ApiKeyCreated:
    """Creates a key (scoped to ``project`` when given) and answers it, the only time it is shown."""
    _require_key_admin(request)
    key, key_hash = new_key(body.name)
    try:
        info = await run_in_threadpool(
            key_repo.create_key, server_of(request).engine, body.name, key_hash, body.project
        )
    except key_repo.KeyExistsError:
        raise HTTPException(status.HTTP_409_CONFLICT, f"An API key named '{body.name}' exists already") from None
    return wire.ApiKeyCreated(**info.model_dump(), key=key)


@router.get("/api-keys", response_model=list[wire.ApiKeyInfo], responses=errors(403, meanings=_MEANINGS))
def list_api_keys(request: Request) -> list[wire.ApiKeyInfo]:
    """Every key's name, scope and creation time (never the key)."""
    _require_key_admin(request)
    return key_repo.list_keys(server_of(request).engine)


@router.delete(
    "/api-keys/{name}", status_code=status.HTTP_204_NO_CONTENT, responses=errors(403, 404, meanings=_MEANINGS)
)
def delete_api_key(request: Request, name: str) -> Response:
    """Deletes a key: the next request presenting it is refused (401)."""
    _require_key_admin(request)
    if not key_repo.delete_key(server_of(request).engine, name):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No API key named '{name}'")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/whoami", response_model=wire.WhoAmI)
def whoami(request: Request) -> wire.WhoAmI:
    """The caller as the server sees it: its key's name and scope."""
    caller = caller_of(request)
    return wire.WhoAmI(
        auth=server_of(request).settings.auth,
        key_name=caller.key_name,
        key_project=caller.project,
    )
