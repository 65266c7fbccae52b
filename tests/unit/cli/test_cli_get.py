"""Tests of ``flyte get config`` and ``flyte get secret``."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from flyte._config import Config
from flyte._secrets_store import set_secret
from flyte.cli.main import main


def _flyte(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def test_get_config_says_defaults_are_in_use() -> None:
    result = _flyte("get", "config")
    assert result.exit_code == 0, result.output
    first, _, rest = result.stdout.partition("\n")
    assert first.startswith("# no config file found, using defaults (searched: config.yaml")
    assert yaml.safe_load(rest) == Config().to_dict()


def test_get_config_names_the_file_and_env_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    Path("config.yaml").write_text("admin:\n  endpoint: http://server:8080\ntask:\n  project: p\n")
    monkeypatch.setenv("FLYTE_TASK_DOMAIN", "prod")
    result = _flyte("get", "config")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [
        f"# source: {Path('config.yaml').absolute()}",
        "# overridden by environment: FLYTE_TASK_DOMAIN",
    ]
    shown = yaml.safe_load("\n".join(lines[2:]))
    assert shown["admin"]["endpoint"] == "http://server:8080"
    assert (shown["task"]["project"], shown["task"]["domain"]) == ("p", "prod")


def test_get_config_with_explicit_file(isolated: Path) -> None:
    other = isolated / "other.yaml"
    other.write_text("image:\n  builder: remote\n")
    result = _flyte("--config", str(other), "get", "config")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"# source: {other}\n")
    assert "builder: remote" in result.stdout


def test_get_config_bad_yaml_is_one_line_with_the_line_number() -> None:
    Path("config.yaml").write_text("task:\n  project: [\n")
    result = _flyte("get", "config")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {Path('config.yaml').absolute()}:3: invalid YAML")
    assert result.stderr.count("\n") == 1


def test_get_config_wrong_type_names_file_and_key() -> None:
    Path("config.yaml").write_text("admin:\n  insecure: 3\n")
    result = _flyte("get", "config")
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {Path('config.yaml').absolute()}:2: 'admin.insecure' must be a boolean, got int 3\n"
    )


def test_get_secret_lists_names_and_scopes_never_values() -> None:
    set_secret("API_KEY", "value-one")
    set_secret("API_KEY", "value-two", project="p")
    set_secret("DB", "value-three", domain="development")
    result = _flyte("get", "secret")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "NAME     PROJECT  DOMAIN",
        "API_KEY  -        -",
        "API_KEY  p        -",
        "DB       -        development",
    ]
    assert "value" not in result.output


def test_get_secret_filters() -> None:
    set_secret("A", "1")
    set_secret("A", "2", project="p")
    set_secret("B", "3", domain="d")
    assert _flyte("get", "secret", "B").stdout.splitlines()[1:] == ["B     -        d"]
    assert _flyte("get", "secret", "-p", "p").stdout.splitlines()[1:] == ["A     p        -"]
    assert _flyte("get", "secret", "--domain", "nope").stdout == "No local secrets.\n"


def test_get_secret_empty_and_unknown_name() -> None:
    assert _flyte("get", "secret").stdout == "No local secrets.\n"
    result = _flyte("get", "secret", "NOPE")
    assert result.exit_code == 1
    assert result.stderr == "Error: no local secret named 'NOPE'\n"


def test_get_secret_with_an_endpoint_lists_the_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    from flyte._internal import wire
    from flyte.cli import _secrets_remote

    info = wire.SecretInfo(name="K", project="p1", created_at=1.0, updated_at=1.0)
    monkeypatch.setattr(_secrets_remote, "list_on_server", lambda *args: [info])
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", "http://127.0.0.1:8080")
    result = _flyte("get", "secret")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split("\n")[1].split() == ["K", "p1", "-"]
