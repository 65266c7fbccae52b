"""Shared fixtures: every test gets its own HOME, flyte home and working folder."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures.seaweedfs", "tests.fixtures.server"]


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Points HOME and FLYTE_HOME at empty folders, clears FLYTE_* settings, runs in a new cwd.

    Afterwards it forgets any ``flyte.init`` state and closes the local store of the test.
    """
    for name in list(os.environ):
        if name.startswith("FLYTE_") or name == "FLYTECTL_CONFIG":
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("FLYTE_HOME", str(tmp_path / "flyte-home"))
    monkeypatch.chdir(work)
    yield tmp_path
    initialize = sys.modules.get("flyte._initialize")
    if initialize is not None:
        initialize.reset()
    local_db = sys.modules.get("flyte._internal.store.local_db")
    if local_db is not None and local_db._default_store is not None:
        local_db._default_store.close()
