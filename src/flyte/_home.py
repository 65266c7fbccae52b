"""Where flyte keeps its local state: the metadata database, local secrets and run data."""

from __future__ import annotations

import os
from pathlib import Path


def flyte_home() -> Path:
    """The flyte home folder: ``$FLYTE_HOME`` if set, else ``~/.flyte``. Not created here."""
    configured = os.environ.get("FLYTE_HOME")
    return Path(configured).expanduser() if configured else Path.home() / ".flyte"
