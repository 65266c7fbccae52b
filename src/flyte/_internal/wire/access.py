"""API keys, projects and who the caller is."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from flyte._internal.wire.base import _NAME, _Model

API_KEY_HEADER = "Authorization"
"""The header carrying a client's API key, as ``Bearer <key>`` (a server started with ``--auth``)."""
API_KEY_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
"""Names of API keys: no ``:``, which separates the parts of a key."""


class ApiKeyCreate(_Model):
    """Creates an API key; with ``project``, the key acts in that project only."""

    name: str = Field(pattern=API_KEY_NAME_PATTERN)
    project: str | None = Field(default=None, pattern=_NAME)


class ApiKeyInfo(_Model):
    """An API key as listed: its name, scope and age; never its secret."""

    name: str
    project: str | None = None
    created_at: float


class ApiKeyCreated(ApiKeyInfo):
    """A new API key, with the key itself: the only time the server ever shows it."""

    key: str


class ProjectCreate(_Model):
    """Creates a project: ``id`` is what runs, secrets and keys name; ``name`` is for people."""

    id: str = Field(pattern=_NAME)
    name: str = Field(min_length=1, max_length=256)
    description: str = Field(default="", max_length=4096)
    labels: dict[Annotated[str, Field(max_length=128)], Annotated[str, Field(max_length=512)]] = Field(
        default_factory=dict, max_length=64
    )


class ProjectInfo(ProjectCreate):
    """A project the server knows, and when it was created."""

    created_at: float


class WhoAmI(_Model):
    """Who the server takes a caller for: the API key's name and the one project it may act in
    (None: every project); ``auth`` False: the server runs without authentication."""

    auth: bool
    key_name: str | None = None
    key_project: str | None = None
