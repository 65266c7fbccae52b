"""``flyte start server``: options handed to the server's ``serve``, endpoint printed."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tests.unit.cli.run_helpers import flyte


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The server module replaced by one whose ``serve`` records its arguments."""
    calls: list[dict[str, Any]] = []
    app = types.ModuleType("flyte.server.app")
    app.serve = lambda **kwargs: calls.append(kwargs)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flyte.server.app", app)
    return calls


def test_defaults(served: list[dict[str, Any]]) -> None:
    result = flyte("start", "server")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Flyte server: http://127.0.0.1:8080 (set admin.endpoint to use it)\n"
    defaults = {"db_url": None, "store": None, "home": None, "max_workers": None, "max_request_bytes": None}
    assert served == [{"host": "127.0.0.1", "port": 8080, **defaults}]


def test_options(served: list[dict[str, Any]], tmp_path: Path) -> None:
    args = ["--host", "::1", "--port", "9000", "--db", "postgresql://db/flyte", "--store", "s3://b/p"]
    limits = ["--max-workers", "4", "--max-request-bytes", "4096"]
    result = flyte("start", "server", *args, *limits, "--home", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Flyte server: http://[::1]:9000 ")
    assert served == [
        {
            "host": "::1",
            "port": 9000,
            "db_url": "postgresql://db/flyte",
            "store": "s3://b/p",
            "home": tmp_path,
            "max_workers": 4,
            "max_request_bytes": 4096,
        }
    ]


def test_a_bad_port_is_a_usage_error(served: list[dict[str, Any]]) -> None:
    result = flyte("start", "server", "--port", "70000")
    assert result.exit_code == 2
    assert "70000 is not in the range 1<=x<=65535" in result.stderr
    assert served == []


def test_listed_in_the_help() -> None:
    assert "  start   Start the flyte server.\n" in flyte("--help").stdout
