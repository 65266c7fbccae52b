"""API keys: their textual form, their stored hash, and how a presented key is read.

A key reads ``flyte:<name>:<secret>``. The name is in the key so that one key can be looked up
(one row, by name) and so that tools can say which key is in use without showing the secret;
``:`` never occurs in a name. The server stores only the sha256 of the whole key: reading the
database does not let anyone call the server. 32 random bytes make the hash safe to store
unsalted (nothing to guess), and comparing hashes in constant time leaks nothing of the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from flyte._internal.wire import API_KEY_NAME_PATTERN

__all__ = ["PREFIX", "ParsedKey", "hash_key", "key_matches", "new_key", "parse_key"]

PREFIX = "flyte"
"""The first part of every key."""
_SECRET = re.compile(r"^[A-Za-z0-9_-]{20,128}$")


@dataclass(frozen=True)
class ParsedKey:
    """A key as presented: the name it claims and the whole text, to hash."""

    name: str
    text: str


def new_key(name: str) -> tuple[str, str]:
    """A fresh key named ``name`` and its hash.

    Raises:
        ValueError: ``name`` is not a valid key name.
    """
    if not re.match(API_KEY_NAME_PATTERN, name):
        raise ValueError(f"{name!r} is not a valid API key name (letters, digits, '_', '.', '-'; at most 64)")
    key = f"{PREFIX}:{name}:{secrets.token_urlsafe(32)}"
    return key, hash_key(key)


def hash_key(key: str) -> str:
    """The hex sha256 of a key, as stored."""
    return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()


def parse_key(text: str) -> ParsedKey | None:
    """The key ``text`` names, or None when it is not a key of this server's form."""
    prefix, sep, rest = text.strip().partition(":")
    name, sep2, secret = rest.partition(":")
    if prefix != PREFIX or not sep or not sep2:
        return None
    if not re.match(API_KEY_NAME_PATTERN, name) or not _SECRET.match(secret):
        return None
    return ParsedKey(name=name, text=text.strip())


def key_matches(key: ParsedKey, stored_hash: str | None) -> bool:
    """Whether ``key`` is the one whose hash is ``stored_hash`` (in constant time)."""
    if stored_hash is None:
        return False
    return hmac.compare_digest(hash_key(key.text), stored_hash)
