"""API: images built on the server, into the environments its workers run in."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from starlette.concurrency import run_in_threadpool

from flyte._internal import wire
from flyte.errors import ImageBuildError
from flyte.server.api.deps import errors, server_of

router = APIRouter(prefix=wire.API_PREFIX, tags=["images"])


@router.post("/images", response_model=wire.BuiltImageInfo, responses=errors(400, 413))
async def build_image(request: Request, body: wire.BuildImageRequest) -> wire.BuiltImageInfo:
    """Builds the image (once: a built image is answered at once, unless ``force``)."""
    server = server_of(request)
    try:
        built = await run_in_threadpool(server.images.build, body.image, force=body.force)
    except ImageBuildError as e:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, e.message) from None
    return wire.BuiltImageInfo(hash=built.hash, uri=built.uri)
