"""What is published with an artifact: its name, version, description, attributes, card, kind,
partitions and parents."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Mapping, Optional, Tuple, Union

from ._card import Card
from ._ids import ArtifactVersionId
from ._partitions import resolve_partitions

#: The attribute naming what an artifact is (a model, data, ...), set from ``Metadata.kind``.
#: Namespaced so that it cannot collide with attributes users choose.
KIND_KEY = "flyte.io/kind"

Kind = Literal["model", "data", "generic"]

#: The most parents one artifact version may name.
MAX_PARENTS = 32


def check_parents(parents: Optional[Tuple[Union[str, ArtifactVersionId], ...]]) -> None:
    """Refuses too many parents, an empty version string or an entry of another type."""
    if parents is None:
        return
    if len(parents) > MAX_PARENTS:
        raise ValueError(f"An artifact version may name at most {MAX_PARENTS} parents, got {len(parents)}")
    for i, parent in enumerate(parents):
        if isinstance(parent, str):
            if not parent:
                raise ValueError(f"Artifact parents[{i}] is an empty version string")
        elif not isinstance(parent, ArtifactVersionId):
            raise TypeError(
                f"Artifact parents[{i}] must be a version string or an ArtifactVersionId, got {type(parent).__name__}"
            )


@dataclass(frozen=True, kw_only=True)
class Metadata:
    """How an output is published as an artifact.

    ``partitions`` are part of the version's identity (see :mod:`flyte.artifacts`);
    ``parents`` are the versions it derives from, primary first: a version string means an
    earlier version of the same artifact. ``version_from_content`` names an unversioned artifact
    after its content hash instead of the producing action.
    """

    name: str
    version: Optional[str] = None
    description: Optional[str] = None
    attrs: Optional[Mapping[str, str]] = None
    card: Optional[Card] = None
    kind: Optional[Kind] = None
    partitions: Optional[Mapping[str, Any]] = None
    parents: Optional[Tuple[Union[str, ArtifactVersionId], ...]] = None
    version_from_content: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Artifact Metadata needs a non-empty name, got {self.name!r}")
        check_parents(self.parents)
        resolve_partitions(self.partitions)

    @classmethod
    def create_model_metadata(
        cls,
        *,
        name: str,
        version: Optional[str] = None,
        description: Optional[str] = None,
        card: Optional[Card] = None,
        framework: Optional[str] = None,
        model_type: Optional[str] = None,
        architecture: Optional[str] = None,
        task: Optional[str] = None,
        modality: Tuple[str, ...] = ("text",),
        serial_format: str = "safetensors",
        attrs: Optional[Mapping[str, str]] = None,
        partitions: Optional[Mapping[str, Any]] = None,
    ) -> Metadata:
        """Metadata of a model: ``kind`` "model" and the model attributes (framework, architecture,
        ...) merged over ``attrs``."""
        merged = dict(attrs or {})
        merged.update(
            {
                KIND_KEY: "model",
                "framework": framework or "",
                "model_type": model_type or "",
                "architecture": architecture or "",
                "task": task or "",
                "modality": ",".join(modality),
                "serial_format": serial_format or "",
            }
        )
        return cls(name=name, version=version, description=description, attrs=merged, card=card, partitions=partitions)

    def resolved_attrs(self) -> dict[str, str]:
        """The attributes published: ``attrs`` plus ``kind`` under :data:`KIND_KEY` (an explicit
        ``attrs`` entry for that key wins)."""
        attrs = dict(self.attrs or {})
        if self.kind is not None:
            attrs.setdefault(KIND_KEY, self.kind)
        return attrs

    def to_record(self, output: str) -> dict[str, Any]:
        """The JSON-ready form stored with the producing action's outputs, for output ``output``."""
        parents = [
            p if isinstance(p, str) else {"name": p.key.name, "project": p.key.project, "version": p.version}
            for p in self.parents or ()
        ]
        card = None
        if self.card is not None:
            card = {"uri": self.card.uri, "format": self.card.format, "card_type": self.card.card_type}
        return {
            "output": output,
            "name": self.name,
            "version": self.version or "",
            "description": self.description or "",
            "attrs": self.resolved_attrs(),
            "card": card,
            "partitions": resolve_partitions(self.partitions),
            "parents": parents,
            "version_from_content": self.version_from_content,
        }
