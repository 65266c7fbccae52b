"""Tests of the root ``flyte`` group: lazy subcommands, --version, one-line errors, start-up cost."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from flyte.cli.main import LazyCommand, LazyGroup, cli_errors, main
from flyte.errors import RuntimeSystemError

FLYTE = Path(sys.executable).parent / "flyte"


def test_help_lists_commands_from_their_short_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in ("create", "get", "run"):
        assert f"  {name}  " in result.stdout


def test_lazy_group_imports_a_command_only_when_it_is_used() -> None:
    group = LazyGroup(
        "g",
        lazy_commands={
            "missing": LazyCommand("no_such_module_for_flyte_tests", "cmd", "Never imported."),
            "create": LazyCommand("flyte.cli._create", "create", "Create things."),
        },
    )
    result = CliRunner().invoke(group, ["--help"])
    assert result.exit_code == 0
    assert "missing  Never imported." in result.stdout
    result = CliRunner().invoke(group, ["create", "--help"])
    assert result.exit_code == 0
    assert "config" in result.stdout


def test_lazy_attribute_must_be_a_command() -> None:
    group = LazyGroup("g", lazy_commands={"x": LazyCommand("flyte.cli.main", "USER_ERRORS", "Not one.")})
    result = CliRunner().invoke(group, ["x"])
    assert isinstance(result.exception, TypeError)


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"flyte {importlib.metadata.version('openflyte')}\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["frobnicate"], "Error: No such command 'frobnicate'. Try 'flyte --help'.\n"),
        (["--zzzz"], "Error: No such option '--zzzz'. Try 'flyte --help'.\n"),
        (["create", "secret"], "Error: Missing argument 'NAME'. Try 'flyte create secret --help'.\n"),
        (["get", "nothing"], "Error: No such command 'nothing'. Try 'flyte get --help'.\n"),
    ],
)
def test_usage_errors_are_one_line_with_exit_code_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_user_errors_are_one_line_with_exit_code_1() -> None:
    Path("config.yaml").write_text("task:\n  projet: x\n")
    result = CliRunner().invoke(main, ["get", "config"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {Path('config.yaml').absolute()}:2: unknown key 'task.projet' " + (
        "(known: org, project, domain)\n"
    )
    assert result.stdout == ""


def test_missing_explicit_config_is_a_one_line_error(isolated: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(isolated / "nope.yaml"), "get", "config"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: config file not found: {isolated / 'nope.yaml'}\n"


@pytest.mark.parametrize(
    "error",
    [FileNotFoundError(2, "No such file or directory", "data.csv"), RuntimeSystemError("E", "two\nlines")],
)
def test_cli_errors_turns_user_errors_into_click_exceptions(error: Exception) -> None:
    with pytest.raises(click.ClickException) as info, cli_errors():
        raise error
    assert info.value.exit_code == 1
    assert "\n" not in info.value.message
    assert info.value.__cause__ is error


def test_cli_errors_lets_bugs_through() -> None:
    with pytest.raises(KeyError), cli_errors():
        raise KeyError("bug")


def test_console_script_reports_a_user_mistake_on_one_line() -> None:
    first = subprocess.run([str(FLYTE), "create", "config"], capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    second = subprocess.run([str(FLYTE), "create", "config"], capture_output=True, text=True, timeout=60)
    assert second.returncode == 1
    assert second.stderr == "Error: config.yaml already exists; use --force to overwrite it\n"


def test_help_starts_without_heavy_imports() -> None:
    script = (
        "import contextlib, io, sys\n"
        "import flyte.cli.main as m\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    m.main.main(['--help'], prog_name='flyte', standalone_mode=False)\n"
        "assert 'create' in out.getvalue()\n"
        "heavy = ('yaml', 'rich', 'pydantic', 'flyte.cli._create', 'flyte.cli._get', 'flyte.cli._run')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"


def test_console_script_help_exits_zero() -> None:
    result = subprocess.run([str(FLYTE), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "Usage: flyte" in result.stdout
