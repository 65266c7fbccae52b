"""Kubernetes pod customisation, stored as given and passed on to executors that understand it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["PodTemplate"]


@dataclass
class PodTemplate:
    """A Kubernetes pod spec (a ``V1PodSpec`` or its dict form) plus labels and annotations.

    ``primary_container_name`` names the container in ``pod_spec`` that runs the task; flyte fills
    in its image, command and resources. Local executors keep the template but do not use it.
    """

    pod_spec: Any = None
    primary_container_name: str = "primary"
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.primary_container_name, str) or not self.primary_container_name:
            raise ValueError(f"primary_container_name must be a non-empty str, got {self.primary_container_name!r}")
        for field in ("labels", "annotations"):
            value = getattr(self, field)
            if value is not None and not (
                isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
            ):
                raise TypeError(f"{field} must be a dict of str to str, got {value!r}")
