"""``flyte start server``: options handed to the server's ``serve`` as settings, endpoint printed,
and a database password kept out of the command line."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from flyte.server.settings import ServerSettings
from tests.unit.cli.run_helpers import flyte


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[ServerSettings]:
    """The server module replaced by one whose ``serve`` records its settings."""
    calls: list[ServerSettings] = []
    app = types.ModuleType("flyte.server.app")
    app.serve = calls.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "flyte.server.app", app)
    monkeypatch.delenv("FLYTE_SERVER_DB", raising=False)
    return calls


def test_defaults(served: list[ServerSettings]) -> None:
    result = flyte("start", "server")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Flyte server: http://127.0.0.1:8080 (set admin.endpoint to use it)\n"
    assert served == [ServerSettings()]


def test_options(served: list[ServerSettings], tmp_path: Path) -> None:
    args = ["--host", "::1", "--port", "9000", "--db", "postgresql://db/flyte", "--store", "s3://b/p"]
    limits = ["--max-workers", "4", "--max-request-bytes", "4096", "--max-bundle-unpacked-bytes", "65536"]
    code = ["--allow-installed-modules", "--worker-env", "A", "--worker-env", "B"]
    result = flyte("start", "server", *args, *limits, *code, "--home", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Flyte server: http://[::1]:9000 ")
    assert served == [
        ServerSettings(
            host="::1",
            port=9000,
            db_url="postgresql://db/flyte",
            store="s3://b/p",
            home=tmp_path,
            max_workers=4,
            max_request_bytes=4096,
            max_bundle_unpacked_bytes=65536,
            allow_installed_modules=True,
            worker_env=("A", "B"),
        )
    ]


def test_a_password_on_the_command_line_is_warned_about(served: list[ServerSettings]) -> None:
    result = flyte("start", "server", "--db", "postgresql://u:pw@db/flyte")
    assert result.exit_code == 0, result.output
    assert "FLYTE_SERVER_DB" in result.stderr
    assert served[0].db_url == "postgresql://u:pw@db/flyte"


def test_the_database_url_from_the_environment_and_a_password_file(
    served: list[ServerSettings], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLYTE_SERVER_DB", "postgresql://u:from-env@db/flyte")
    result = flyte("start", "server")
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr
    password = tmp_path / "password"
    password.write_text("from-file\n")
    result = flyte("start", "server", "--db", "postgresql://u@db/flyte", "--db-password-file", str(password))
    assert result.exit_code == 0, result.output
    assert [s.db_url for s in served] == ["postgresql://u:from-env@db/flyte", "postgresql://u:from-file@db/flyte"]


def test_an_unreadable_password_file_is_one_line(served: list[ServerSettings], tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = flyte("start", "server", "--db", "postgresql://u@db/flyte", "--db-password-file", str(missing))
    assert result.exit_code != 0
    assert "cannot read the database password" in result.output
    assert "Traceback" not in result.output
    assert served == []


def test_a_bad_port_is_a_usage_error(served: list[ServerSettings]) -> None:
    result = flyte("start", "server", "--port", "70000")
    assert result.exit_code == 2
    assert "70000 is not in the range 1<=x<=65535" in result.stderr
    assert served == []


def test_listed_in_the_help() -> None:
    assert re.search(r"\n  start +Start the flyte server\.\n", flyte("--help").stdout)


@pytest.mark.parametrize("executor", ["process", "ray", "ray://head.example:10001"])
def test_the_executor(served: list[ServerSettings], executor: str) -> None:
    result = flyte("start", "server", "--executor", executor)
    assert result.exit_code == 0, result.output
    assert served[0].executor == executor


@pytest.mark.parametrize("executor", ["spark", "ray://", "ray://host", "ray://host:99999", "ray:host:1"])
def test_an_unknown_executor_is_one_line(served: list[ServerSettings], executor: str) -> None:
    result = flyte("start", "server", "--executor", executor)
    assert result.exit_code != 0
    assert f"--executor must be one of process, ray, ray://HOST:PORT, got {executor!r}" in result.stderr
    assert "Traceback" not in result.output
    assert served == []
