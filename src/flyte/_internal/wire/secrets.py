"""Secrets stored on the server: written with their value, listed without it."""

from __future__ import annotations

from pydantic import Field

from flyte._internal.wire.base import _NAME, _Model

SECRET_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,127})?$"
"""A stored secret's name: a key, or ``group/key`` for a secret with a group."""
MAX_SECRET_BYTES = 1 << 20
"""The largest secret value a server stores (1 MiB)."""


class SecretWrite(_Model):
    """Stores a secret (replacing the one of the same name and scope); ``None`` scopes mean any."""

    name: str = Field(pattern=SECRET_NAME_PATTERN)
    value: str = Field(max_length=MAX_SECRET_BYTES)
    org: str | None = Field(default=None, pattern=_NAME)
    project: str | None = Field(default=None, pattern=_NAME)
    domain: str | None = Field(default=None, pattern=_NAME)


class SecretInfo(_Model):
    """A stored secret's name and scope, never its value."""

    name: str
    org: str | None = None
    project: str | None = None
    domain: str | None = None
    created_at: float
    updated_at: float
