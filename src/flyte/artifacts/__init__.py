"""Artifacts: task outputs published under a name, with a version, metadata and a card.

An artifact is a stored asset (a flyte.io File, Dir or DataFrame). A task publishes one by
returning ``flyte.artifacts.new(value, Metadata(name=...))`` (callers get the plain value), or a
caller declares a task's outputs as artifacts with ``flyte.artifacts.produces(o0=Metadata(...))``
around a call of a task with ``produces_artifacts=True``. Partitions (``Metadata.partitions``) are
part of a version's identity: a ``date`` is a daily time partition, a ``datetime`` an hourly one,
:class:`TimePartition` names a granularity, anything else is a string partition.

Locally the artifacts a run produces are kept with the run's records in the run store.
``flyte.OnArtifact`` triggers (with ``flyte.TriggeredArtifact`` and ``flyte.TriggeredPartition``
inputs) fire on new versions on a server.
"""

from __future__ import annotations

from ._card import Card, CardFormat, CardType
from ._ids import ArtifactKey, ArtifactVersionId
from ._metadata import KIND_KEY, MAX_PARENTS, Kind, Metadata
from ._partitions import Granularity, TimePartition
from ._produces import produces
from ._wrapper import Artifact, new

__all__ = [
    "KIND_KEY",
    "MAX_PARENTS",
    "Artifact",
    "ArtifactKey",
    "ArtifactVersionId",
    "Card",
    "CardFormat",
    "CardType",
    "Granularity",
    "Kind",
    "Metadata",
    "TimePartition",
    "new",
    "produces",
]
