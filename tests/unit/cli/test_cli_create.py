"""Tests of ``flyte create config`` and ``flyte create secret``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from flyte._config import AdminConfig, Config, ImageConfig, TaskConfig, load_config
from flyte._secrets_store import get_secret, list_secrets, secrets_path
from flyte.cli.main import main


def _flyte(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input)


def test_create_config_without_options_writes_defaults_here() -> None:
    result = _flyte("create", "config")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Wrote config.yaml\n"
    loaded = load_config()
    assert loaded.source == Path("config.yaml").absolute()
    assert dataclasses.replace(loaded, source=None) == Config()
    assert yaml.safe_load(Path("config.yaml").read_text())["task"]["project"] == "flytesnacks"


def test_create_config_with_every_option() -> None:
    result = _flyte(
        "create", "config", "--endpoint", "http://127.0.0.1:8080", "--insecure", "--org", "acme",
        "-p", "proj", "-d", "prod", "--builder", "remote",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = load_config()
    assert config.admin == AdminConfig("http://127.0.0.1:8080", insecure=True)
    assert config.image == ImageConfig("remote")
    assert config.task == TaskConfig(org="acme", project="proj", domain="prod")


def test_create_config_refuses_to_overwrite_without_force() -> None:
    Path("config.yaml").write_text("task:\n  project: mine\n")
    result = _flyte("create", "config", "--project", "theirs")
    assert result.exit_code == 1
    assert result.stderr == "Error: config.yaml already exists; use --force to overwrite it\n"
    assert load_config().task.project == "mine"
    result = _flyte("create", "config", "--project", "theirs", "--force")
    assert result.exit_code == 0, result.output
    assert load_config().task.project == "theirs"


def test_create_config_output_file_or_folder(isolated: Path) -> None:
    nested = isolated / "a" / "b" / "flyte.yaml"
    assert _flyte("create", "config", "-o", str(nested), "-p", "nested").exit_code == 0
    assert load_config(nested).task.project == "nested"
    folder = isolated / "folder"
    folder.mkdir()
    assert _flyte("create", "config", "--output", str(folder)).exit_code == 0
    assert (folder / "config.yaml").is_file()


def test_create_config_rejects_an_unknown_builder() -> None:
    result = _flyte("create", "config", "--builder", "podman")
    assert result.exit_code == 2
    assert not Path("config.yaml").exists()


def test_create_secret_with_positional_value() -> None:
    result = _flyte("create", "secret", "MY_SECRET_KEY", "my_secret_value")
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Stored secret MY_SECRET_KEY (global) in {secrets_path()}\n"
    assert get_secret("MY_SECRET_KEY") == "my_secret_value"
    assert "my_secret_value" not in result.output


def test_create_secret_with_scopes_and_precedence() -> None:
    assert _flyte("create", "secret", "K", "global").exit_code == 0
    result = _flyte("create", "secret", "K", "scoped", "--project", "p", "--domain", "d")
    assert result.exit_code == 0, result.output
    assert "(project=p domain=d)" in result.stdout
    assert get_secret("K", project="p", domain="d") == "scoped"
    assert get_secret("K", project="p", domain="other") == "global"


def test_create_secret_value_option_file_and_prompt(isolated: Path) -> None:
    assert _flyte("create", "secret", "A", "--value", "from-option").exit_code == 0
    source = isolated / "token.txt"
    source.write_text("line1\nline2\n")
    assert _flyte("create", "secret", "B", "--from-file", str(source)).exit_code == 0
    result = _flyte("create", "secret", "C", input="typed\n")
    assert result.exit_code == 0, result.output
    assert [get_secret(k) for k in "ABC"] == ["from-option", "line1\nline2\n", "typed"]
    assert "typed" not in result.stdout.replace("Enter secret value:", "")


def test_create_secret_from_a_binary_file_fails(isolated: Path) -> None:
    source = isolated / "blob.bin"
    source.write_bytes(b"\xff\xfe")
    result = _flyte("create", "secret", "A", "--from-file", str(source))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {source} is not UTF-8 text\n"


def test_create_secret_value_given_twice_is_a_usage_error() -> None:
    result = _flyte("create", "secret", "A", "v", "--value", "w")
    assert result.exit_code == 2
    assert "give the value once" in result.stderr
    assert list_secrets() == []


@pytest.mark.parametrize("name", ["MY KEY", " "])
def test_create_secret_bad_name_is_one_line(name: str) -> None:
    result = _flyte("create", "secret", name, "v")
    assert result.exit_code == 1
    assert result.stderr == f"Error: secret name must not contain whitespace, got {name!r}\n"


def test_create_secret_with_an_endpoint_goes_to_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from flyte.cli import _secrets_remote

    stored: list[tuple[object, ...]] = []
    monkeypatch.setattr(_secrets_remote, "store_on_server", lambda config, *args: stored.append(args))
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", "http://127.0.0.1:8080")
    result = _flyte("create", "secret", "K", "v", "-p", "p1")
    assert result.exit_code == 0, result.stderr
    assert stored == [("K", "v", "p1", None)]
    assert "on the server http://127.0.0.1:8080" in result.stdout
    assert not secrets_path().exists()


def test_create_secret_honours_local_home_from_config(isolated: Path) -> None:
    Path("config.yaml").write_text(f"local:\n  home: {isolated / 'custom'}\n")
    assert _flyte("create", "secret", "K", "v").exit_code == 0
    assert get_secret("K", home=isolated / "custom") == "v"
    assert not secrets_path().exists()


def test_create_secret_checks_the_name_before_prompting() -> None:
    result = _flyte("create", "secret", "BAD NAME", input="never-read\n")
    assert result.exit_code == 1
    assert "Enter secret value" not in result.output


def test_delete_secret_removes_exactly_that_scope_from_the_local_store() -> None:
    assert _flyte("create", "secret", "K", "global").exit_code == 0
    assert _flyte("create", "secret", "K", "scoped", "-p", "p1").exit_code == 0
    result = _flyte("delete", "secret", "K", "-p", "p1")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Deleted secret K (project=p1) from the local store\n"
    assert [(i.name, i.project) for i in list_secrets()] == [("K", None)]
    missing = _flyte("delete", "secret", "K", "-p", "p1")
    assert missing.exit_code == 1
    assert missing.stderr == "Error: no local secret named 'K' (project=p1)\n"
