"""A cap on the size of request bodies, declared (``Content-Length``) or streamed (chunked).

A body announced as too big is refused before it is read; a streamed one as soon as the bytes
read pass the limit. Either way the client gets a 413 with the API's ``{"detail": ...}`` body,
and the handler never sees a partial body.
"""

from __future__ import annotations

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """ASGI middleware refusing request bodies over ``limit`` bytes (see the module docstring)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _message(self, size: str) -> str:
        return f"Request body of {size} bytes is over the limit of {self.limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            response = JSONResponse({"detail": self._message(declared)}, status_code=status.HTTP_413_CONTENT_TOO_LARGE)
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    # An HTTPException passes through FastAPI's body parsing and the handlers
                    # that read the body themselves, and is rendered as a 413 by the app.
                    raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, self._message(f"more than {self.limit}"))
            return message

        await self.app(scope, limited_receive, send)
