"""Identifiers of artifacts and their versions."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ArtifactKey:
    """An artifact's identity without a version: its name within a project and domain.

    Empty fields are filled from the context an artifact is published in.
    """

    project: str = ""
    domain: str = ""
    name: str = ""
    org: str = ""


@dataclass(frozen=True)
class ArtifactVersionId:
    """One version of an artifact: its key and the version string."""

    key: ArtifactKey = field(default_factory=ArtifactKey)
    version: str = ""
