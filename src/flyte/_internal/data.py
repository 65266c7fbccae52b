"""Where new task data goes: the raw-data prefix of the current run, and fresh URIs under it."""

from __future__ import annotations

import secrets

from flyte._context import current_action
from flyte._home import flyte_home


def raw_data_prefix() -> str:
    """The prefix new data is written under: the run's raw-data path inside a task, else a local one.

    A local prefix is a plain path (or a ``file://`` URI); any other prefix is a store URI such as
    ``s3://bucket/prefix``.
    """
    current = current_action.get()
    if current is not None:
        return current.run.raw_data_path
    return str(flyte_home() / "data")


def new_data_uri(name: str | None = None) -> str:
    """A fresh, unique location under :func:`raw_data_prefix`, ending in ``name`` if given.

    ``name`` must be a plain file name: a path with separators or ``..`` is refused, so nothing
    is ever written outside the prefix.
    """
    if name is not None:
        check_plain_name(name)
    prefix = raw_data_prefix().rstrip("/")
    unique = secrets.token_hex(8)
    return f"{prefix}/{unique}/{name}" if name else f"{prefix}/{unique}"


def check_plain_name(name: str) -> None:
    """Raises ValueError naming ``name`` unless it is a plain file name."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"'{name}' is not a plain file name (no folders, '..' or absolute paths)")
