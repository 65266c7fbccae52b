"""Downloads of the files and data frames that inputs and outputs name.

Only files inside the source's data folders are served (see :func:`values.local_path`), always
as attachments under a sandbox policy: a stored ``.html`` file is downloaded, never rendered in
the UI's origin.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse
from starlette.concurrency import run_in_threadpool

from flyte.server.ui import values
from flyte.server.ui.source import source_of
from flyte.server.ui.templating import SECURITY_HEADERS

router = APIRouter(prefix="/ui", include_in_schema=False)


@router.get("/runs/{run}/actions/{action}/data/{which}/{name}/{index}")
async def download(
    request: Request, run: str, action: str, which: Literal["inputs", "outputs"], name: str, index: int
) -> FileResponse:
    """The ``index``-th file or data frame named by input or output ``name`` of the action."""
    source = source_of(request)
    detail = await run_in_threadpool(source.get_action, run, action)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No action '{action}' in run '{run}'")
    payload = detail.outputs if which == "outputs" else detail.inputs
    location = await run_in_threadpool(values.ref_location, payload, which == "outputs", name, index)
    if location is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No data {index} in {which} '{name}'")
    path = values.local_path(location, source.data_roots)
    if path is None or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{location} cannot be downloaded from here")
    headers = {"Content-Security-Policy": "sandbox", **SECURITY_HEADERS}
    return FileResponse(
        path,
        filename=path.name,
        media_type="application/octet-stream",
        headers=headers,
        content_disposition_type="attachment",
    )
