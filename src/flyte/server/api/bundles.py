"""API: code bundles, stored once by content hash, and the server's description of itself."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request, Response, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte._internal.bundle import BundleLimits, check_bundle
from flyte._internal.store.blob import get_store, join
from flyte._version import __version__
from flyte.errors import CodeBundleError
from flyte.server.api.deps import errors, server_of
from flyte.server.db.database import describe
from flyte.server.repo import bundles as bundle_repo

if TYPE_CHECKING:
    from flyte.server.app import ServerState

router = APIRouter(prefix=wire.API_PREFIX, tags=["bundles"])
_HASH = r"^[0-9a-f]{64}$"
_GZIP = {"application/gzip": {"schema": {"type": "string", "format": "binary"}}}


@router.get("/info", response_model=wire.ServerInfo)
def info(request: Request) -> wire.ServerInfo:
    """The server's version and where it keeps metadata and data."""
    settings = server_of(request).settings
    return wire.ServerInfo(version=__version__, store=settings.store_prefix, database=describe(settings.database_url))


@router.head(
    "/bundles/{digest}",
    response_class=Response,
    responses={200: {"content": _GZIP, "description": "Known"}, **errors(404)},
)
def has_bundle(request: Request, digest: str) -> Response:
    """200 when the server has the bundle, 404 otherwise."""
    if bundle_repo.bundle_uri(server_of(request).engine, digest) is not None:
        return Response(status_code=status.HTTP_200_OK, media_type="application/gzip")
    # What a GET would answer, less the body a HEAD never has.
    return Response(status_code=status.HTTP_404_NOT_FOUND, media_type="application/json")


@router.get(
    "/bundles/{digest}",
    response_class=Response,
    responses={200: {"content": _GZIP, "description": "The tar.gz"}, **errors(404)},
)
def get_bundle(request: Request, digest: str) -> Response:
    """The bundle's bytes (a tar.gz)."""
    server = server_of(request)
    uri = bundle_repo.bundle_uri(server.engine, digest)
    if uri is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No code bundle '{digest}'")
    return Response(content=get_store(uri).get(uri), media_type="application/gzip")


@router.put(
    "/bundles/{digest}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=errors(400, 413),
    openapi_extra={"requestBody": {"required": True, "content": _GZIP}},
)
async def put_bundle(request: Request, digest: str) -> Response:
    """Stores a bundle; its sha256 must be ``digest``."""
    if not re.match(_HASH, digest):
        raise HTTPException(status.HTTP_400_BAD_REQUEST, f"'{digest}' is not a sha256 hex digest")
    data = await request.body()
    if hashlib.sha256(data).hexdigest() != digest:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "The bundle's content does not match its hash")
    server = server_of(request)
    await run_in_threadpool(_store_bundle, server, digest, data)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _check_bundle(data: bytes, limits: BundleLimits) -> None:
    """Refuses (400) bytes that are not a tar.gz of plain files and folders that stay in their
    folder, within the server's limits: a bundle is checked, streaming, before anything of it is
    stored, not when a worker unpacks it."""
    try:
        check_bundle(data, limits)
    except CodeBundleError as e:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, e.message) from None


def _store_bundle(server: ServerState, digest: str, data: bytes) -> None:
    if bundle_repo.bundle_uri(server.engine, digest) is not None:
        return  # checked and stored before
    _check_bundle(data, server.settings.bundle_limits)
    uri = join(server.settings.store_prefix, "bundles", f"{digest}.tar.gz")
    store = get_store(uri)
    if not store.exists(uri):
        store.put(uri, data)
    bundle_repo.record_bundle(server.engine, digest, len(data), uri)
