"""Human-readable documentation attached to a task."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Documentation"]


@dataclass
class Documentation:
    """A description of a task, shown in the UI and CLI instead of (or besides) its docstring."""

    description: str

    def __post_init__(self) -> None:
        if not isinstance(self.description, str):
            raise TypeError(
                f"Documentation.description must be a str, got {type(self.description).__name__}: {self.description!r}"
            )
