"""The version of flyte (the single source: pyproject.toml reads it from here)."""

from __future__ import annotations

__version__ = "0.1.0"


def version() -> str:
    """The version of this flyte package."""
    return __version__
