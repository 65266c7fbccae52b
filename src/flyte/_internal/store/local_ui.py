"""Where a running ``flyte start ui`` is found, so that local runs print their page's URL.

The UI writes a small marker next to the local runs database it serves (its URL, its process
id and the database's path) and removes it when it stops; a marker whose process is gone is
ignored. Only the standard library is used: this is read on every local run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

MARKER_NAME = "ui.json"


def marker_path(db_path: Path) -> Path:
    """The marker of the UI serving the database at ``db_path``."""
    return db_path.parent / MARKER_NAME


def write_marker(db_path: Path, url: str) -> Path:
    """Records that this process serves ``db_path`` at ``url``."""
    path = marker_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": url, "pid": os.getpid(), "db": str(db_path.resolve())}))
    return path


def remove_marker(db_path: Path) -> None:
    """Forgets the marker, if it is this process's."""
    path = marker_path(db_path)
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        return


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_url(db_path: Path, run_name: str) -> str | None:
    """The UI's page of local run ``run_name``, when a UI serving ``db_path`` is running."""
    try:
        marker = json.loads(marker_path(db_path).read_text())
        url, pid, db = str(marker["url"]), int(marker["pid"]), str(marker["db"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if db != str(db_path.resolve()) or not _alive(pid):
        return None
    return f"{url.rstrip('/')}/runs/{quote(run_name)}"
