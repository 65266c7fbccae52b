"""Who a presented API key belongs to: what the guard asks for every request, and what a login
form can ask to tell a mistyped key at once."""

from __future__ import annotations

from sqlalchemy import Engine

from flyte.server.auth.caller import Caller
from flyte.server.auth.keys import key_matches, parse_key
from flyte.server.repo import api_keys as key_repo

__all__ = ["caller_for_key"]


def caller_for_key(engine: Engine, presented: str) -> Caller | None:
    """The caller holding the key ``presented``; None for a malformed, unknown or deleted key."""
    key = parse_key(presented)
    if key is None:
        return None
    row = key_repo.key_row(engine, key.name)
    if row is None or not key_matches(key, row.key_hash):
        return None
    return Caller(key_name=row.name, project=row.project)
