"""Whether an attempt token belongs to a run: what lets a worker call its own run's routes on a
server that requires API keys (the routes then check which attempt it is)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from flyte.server.attempt_tokens import hash_token
from flyte.server.db.schema import attempts

__all__ = ["is_attempt_token_of_run"]


def is_attempt_token_of_run(engine: Engine, run: str, token: str) -> bool:
    """Whether ``token`` is the token of some attempt of ``run``."""
    query = (
        select(attempts.c.attempt)
        .where(attempts.c.run_name == run, attempts.c.token_hash == hash_token(token))
        .limit(1)
    )
    with engine.connect() as conn:
        return conn.execute(query).first() is not None
