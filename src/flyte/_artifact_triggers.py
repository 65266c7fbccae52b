"""Triggers on artifacts: run a task when a new version of an artifact is published."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional


class _TriggeredArtifactType:
    """The type of :data:`TriggeredArtifact`; there is exactly one instance."""

    def __repr__(self) -> str:
        return "flyte.TriggeredArtifact"


#: Bound to a task input in an artifact trigger's ``inputs``: the input receives the artifact
#: version that fired the trigger.
TriggeredArtifact = _TriggeredArtifactType()


@dataclass(frozen=True)
class TriggeredPartition:
    """Bound to a task input in an artifact trigger's ``inputs``: the input receives the value of
    partition ``key`` of the version that fired the trigger."""

    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise ValueError(f"TriggeredPartition needs a non-empty partition key, got {self.key!r}")


@dataclass(frozen=True, init=False)
class OnArtifact:
    """A trigger automation firing when a new version of artifact ``name`` is published.

    ``version`` fires only for that exact version; ``partitions`` (also given as keywords, e.g.
    ``OnArtifact("events", region="us")``) fire only for versions with those string partitions.
    """

    name: str
    version: Optional[str] = None
    partitions: Optional[Mapping[str, str]] = None

    def __init__(
        self,
        name: str,
        version: Optional[str] = None,
        partitions: Optional[Mapping[str, str]] = None,
        **partition_kwargs: str,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"OnArtifact needs a non-empty artifact name, got {name!r}")
        merged = {**(partitions or {}), **partition_kwargs}
        for key, value in merged.items():
            if not isinstance(value, str):
                raise TypeError(
                    f"OnArtifact('{name}'): partition '{key}' must be a string, got {type(value).__name__}; "
                    "artifact triggers match string partitions"
                )
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "version", version)
        object.__setattr__(self, "partitions", merged or None)

    def __str__(self) -> str:
        pinned = f"@{self.version}" if self.version else ""
        parts = ", ".join(f"{k}={v}" for k, v in (self.partitions or {}).items())
        return f"Artifact trigger: new version of {self.name}{pinned}" + (f" [{parts}]" if parts else "")


def check_trigger(name: str, automation: object, inputs: Mapping[str, object] | None) -> None:
    """Refuses a trigger misusing the artifact bindings: :data:`TriggeredArtifact` on more than
    one input, or either binding without an :class:`OnArtifact` automation.

    Raises:
        ValueError: naming the trigger and the input.
    """
    bound = [k for k, v in (inputs or {}).items() if v is TriggeredArtifact]
    if len(bound) > 1:
        raise ValueError(
            f"Trigger '{name}' binds TriggeredArtifact to inputs {sorted(bound)}; at most one input can receive "
            "the triggering artifact"
        )
    partitions = [k for k, v in (inputs or {}).items() if isinstance(v, TriggeredPartition)]
    if (bound or partitions) and not isinstance(automation, OnArtifact):
        what = "TriggeredArtifact" if bound else "TriggeredPartition"
        raise ValueError(
            f"Trigger '{name}' binds {what} to input '{(bound or partitions)[0]}', but its automation is not "
            "flyte.OnArtifact"
        )
