"""The check that a request comes from the worker holding an attempt (see attempt_tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, HTTPException, Path, Request, status

from flyte._internal import wire
from flyte.server.api.deps import server_of
from flyte.server.attempt_tokens import token_matches
from flyte.server.repo import attempts as attempt_repo

AttemptToken = Annotated[
    str | None,
    Header(
        alias=wire.ATTEMPT_TOKEN_HEADER,
        description="The token the server gave the attempt's worker; only that worker may use this route",
    ),
]


def require_token(run: str, action: str, found: bool, stored_hash: str | None, presented: str | None) -> None:
    """404 when there is no such attempt, 401 without a token, 403 with another one."""
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No attempt of action '{action}' in run '{run}'")
    if presented is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            f"Only the worker of an attempt may report on it: send its token in {wire.ATTEMPT_TOKEN_HEADER}",
        )
    if not token_matches(presented, stored_hash):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, f"The token is not that of the current attempt of '{action}' in run '{run}'"
        )


AttemptNumber = Annotated[int, Path(ge=0, le=wire.MAX_INT32, description="The attempt's number (1 for the first)")]


def verify_attempt(request: Request, run: str, action: str, attempt: AttemptNumber, token: AttemptToken = None) -> None:
    """A route dependency: the request carries the token of attempt ``attempt`` of the action."""
    server = server_of(request)
    key = (run, action, attempt)
    stored = server.token_hashes.get(key)
    found = stored is not None
    if not found:
        found, stored = attempt_repo.token_hash(server.engine, run, action, attempt)
        if found and stored is not None:
            server.remember_token_hash(key, stored)
    require_token(run, action, found, stored, token)


def verify_parent(request: Request, run: str, parents: set[str], token: str | None) -> None:
    """The request carries the token of the current attempt of each of ``parents``."""
    server = server_of(request)
    for parent in sorted(parents):
        found, stored = attempt_repo.current_token_hash(server.engine, run, parent)
        require_token(run, parent, found, stored, token)
