"""What API handlers share: the server's state, reached through the request."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from fastapi import Request

if TYPE_CHECKING:
    from flyte.server.app import ServerState


def server_of(request: Request) -> ServerState:
    """The state of the server handling ``request``."""
    return cast("ServerState", request.app.state.server)
