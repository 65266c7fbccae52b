"""Attempt tokens: random, stored as a hash, matched in constant time."""

from __future__ import annotations

from flyte.server.attempt_tokens import hash_token, new_token, token_matches


def test_a_token_matches_its_hash_only() -> None:
    token, stored = new_token()
    other, _ = new_token()
    assert token != other
    assert stored == hash_token(token)
    assert token not in stored
    assert token_matches(token, stored)
    assert not token_matches(other, stored)
    assert not token_matches(None, stored)
    assert not token_matches(token, None)
