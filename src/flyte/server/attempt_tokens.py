"""Attempt tokens: only the worker an attempt was given to may report on it.

When the scheduler starts an attempt it makes a random token, hands it to the worker in its
environment and keeps only its sha256 in the database. Every report of the worker (heartbeat,
logs, report, outcome) and every child it creates carries the token in a header; a request
without it, or with another attempt's, is refused. A hash, not the token, is stored, so reading
the database does not let anyone report on an attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["hash_token", "new_token", "token_matches"]


def new_token() -> tuple[str, str]:
    """A fresh token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    """The hex sha256 of a token, as stored."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def token_matches(presented: str | None, stored_hash: str | None) -> bool:
    """Whether ``presented`` is the token whose hash is ``stored_hash`` (in constant time)."""
    if presented is None or stored_hash is None:
        return False
    return hmac.compare_digest(hash_token(presented), stored_hash)
