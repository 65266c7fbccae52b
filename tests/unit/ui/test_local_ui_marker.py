"""Local runs find a running ``flyte start ui`` through its marker next to the database."""

from __future__ import annotations

import json
from pathlib import Path

from flyte._internal.store import local_ui


def test_a_live_marker_gives_the_run_url(tmp_path: Path) -> None:
    db = tmp_path / "local.db"
    local_ui.write_marker(db, "http://127.0.0.1:8090/")
    assert local_ui.run_url(db, "r1") == "http://127.0.0.1:8090/runs/r1"
    local_ui.remove_marker(db)
    assert local_ui.run_url(db, "r1") is None


def test_a_marker_of_a_dead_process_or_another_database_is_ignored(tmp_path: Path) -> None:
    db = tmp_path / "local.db"
    marker = local_ui.marker_path(db)
    marker.write_text(json.dumps({"url": "http://127.0.0.1:1", "pid": 2**22 + 12345, "db": str(db.resolve())}))
    assert local_ui.run_url(db, "r1") is None
    local_ui.write_marker(tmp_path / "other.db", "http://127.0.0.1:2")
    assert local_ui.run_url(db, "r1") is None


def test_a_broken_marker_is_ignored(tmp_path: Path) -> None:
    db = tmp_path / "local.db"
    local_ui.marker_path(db).write_text("{not json")
    assert local_ui.run_url(db, "r1") is None
