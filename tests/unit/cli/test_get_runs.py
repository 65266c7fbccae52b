"""``flyte get runs|run|io|logs`` without an endpoint: the local runs database, filled by real
local runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import flyte
from flyte._internal.module_loader import load_file
from flyte.errors import RuntimeUserError
from tests.unit.cli.run_helpers import flyte as flyte_cli
from tests.unit.cli.run_helpers import forget_modules, write

WORKFLOW = '''
    import asyncio
    from dataclasses import dataclass

    import flyte

    env = flyte.TaskEnvironment(name="loc")


    @dataclass
    class Point:
        x: int
        y: int


    @env.task
    async def greet(name: str) -> str:
        return f"Hello, {name}!"


    @env.task
    async def main(names: list[str]) -> list[str]:
        """Greets everyone, in a group."""
        first = await greet("first")
        with flyte.group("greetings"):
            rest = await asyncio.gather(*(greet(n) for n in names))
        return [first, *rest]


    @env.task
    async def point(x: int) -> Point:
        return Point(x, 2 * x)


    @env.task
    async def fails(x: int) -> int:
        raise ValueError(f"x was {x}")
'''


@pytest.fixture
def runs() -> Iterator[dict[str, str]]:
    """Three local runs, by what they did: ``main`` (with a group), ``point`` and ``fails``."""
    before_path, before_modules = list(sys.path), set(sys.modules)
    write(Path("loc.py"), WORKFLOW)
    wf = load_file("loc.py")
    local = flyte.with_runcontext(mode="local")
    names = {"main": local.run(wf.main, ["ada", "bob"]).name, "point": local.run(wf.point, 3).name}
    with pytest.raises(RuntimeUserError):
        flyte.with_runcontext(mode="local", name="failing-run").run(wf.fails, 7)
    names["fails"] = "failing-run"
    yield names
    forget_modules(before_path, before_modules)


def _ok(*args: str) -> str:
    result = flyte_cli("get", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _error(*args: str) -> str:
    result = flyte_cli("get", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr.strip()


def test_runs_are_listed_newest_first(runs: dict[str, str]) -> None:
    lines = _ok("runs").splitlines()
    assert lines[0].split() == ["NAME", "TASK", "PHASE", "STARTED", "DURATION"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["failing-run", "loc.fails", "FAILED"],
        [runs["point"], "loc.point", "SUCCEEDED"],
        [runs["main"], "loc.main", "SUCCEEDED"],
    ]


def test_runs_are_filtered_by_phase_task_and_limit(runs: dict[str, str]) -> None:
    assert [line.split()[0] for line in _ok("runs", "--phase", "failed").splitlines()[1:]] == ["failing-run"]
    assert [line.split()[0] for line in _ok("runs", "--task", "point").splitlines()[1:]] == [runs["point"]]
    assert [line.split()[0] for line in _ok("runs", "--task", "loc.main").splitlines()[1:]] == [runs["main"]]
    assert len(_ok("runs", "--limit", "1").splitlines()) == 2
    assert _ok("runs", "--task", "nothing") == "No runs.\n"


def test_runs_as_json(runs: dict[str, str]) -> None:
    listed = json.loads(_ok("runs", "--output-format", "json"))
    assert [r["name"] for r in listed] == ["failing-run", runs["point"], runs["main"]]
    failed = listed[0]
    assert (failed["phase"], failed["error"]["code"], failed["error"]["message"]) == ("FAILED", "ValueError", "x was 7")


def test_run_shows_the_action_tree_with_groups_as_folders(runs: dict[str, str]) -> None:
    out = _ok("run", runs["main"])
    header, _, table = out.partition("\n\n")
    assert header.splitlines()[0].startswith(f"Run:      {runs['main']} (SUCCEEDED, ")
    assert "Task:     loc.main" in header and "Project:  flytesnacks/development" in header
    rows = table.splitlines()
    assert rows[0].split() == ["ACTION", "TASK", "PHASE", "DURATION", "ATTEMPTS", "CACHE"]
    assert rows[1].split()[:3] == ["a0", "loc.main", "SUCCEEDED"]
    assert rows[2].startswith("├── a") and rows[2].split()[2:4] == ["loc.greet", "SUCCEEDED"]
    assert rows[3].split()[:4] == ["└──", "greetings/", "(2", "actions)"]
    assert rows[4].startswith("    ├── a") and rows[5].startswith("    └── a")
    assert len(rows) == 6


def test_run_as_json_and_a_failed_run(runs: dict[str, str]) -> None:
    shown = json.loads(_ok("run", runs["main"], "--output-format", "json"))
    assert shown["run"]["name"] == runs["main"]
    assert sorted(a["group"] or "" for a in shown["actions"]) == ["", "", "greetings", "greetings"]
    assert "Error:    ValueError: x was 7" in _ok("run", "failing-run")


def test_io_decodes_inputs_and_outputs_without_the_code(runs: dict[str, str]) -> None:
    lines = _ok("io", runs["main"]).splitlines()
    assert lines == [
        f"Action:  {runs['main']}/a0 loc.main (SUCCEEDED)",
        "Inputs:",
        "  names = ['ada', 'bob']",
        "Outputs:",
        "  o0 = ['Hello, first!', 'Hello, ada!', 'Hello, bob!']",
    ]
    assert _ok("io", runs["point"]).splitlines()[-1] == "  o0 = {'x': 3, 'y': 6}"
    child = json.loads(_ok("run", runs["main"], "--output-format", "json"))["actions"][1]["name"]
    shown = json.loads(_ok("io", runs["main"], child, "--output-format", "json"))
    assert (shown["inputs"], shown["outputs"]) == ({"name": "first"}, {"o0": "Hello, first!"})


def test_io_of_a_failed_action_shows_the_error_and_traceback(runs: dict[str, str]) -> None:
    out = _ok("io", "failing-run")
    assert "Inputs:\n  x = 7\nError:   ValueError: x was 7\nTraceback (most recent call last):" in out
    assert json.loads(_ok("io", "failing-run", "--output-format", "json"))["outputs"] is None


def test_local_runs_have_no_logs(runs: dict[str, str]) -> None:
    assert _error("logs", runs["main"]).startswith(f"Error: local runs keep no logs: what run {runs['main']} printed")


def test_unknown_runs_and_actions_are_one_line_errors(runs: dict[str, str]) -> None:
    assert _error("run", "nope").startswith("Error: no run named 'nope' in the local runs database ")
    assert _error("io", runs["main"], "a9") == f"Error: run {runs['main']} has no action named 'a9'"
    assert _error("logs", "nope").startswith("Error: no run named 'nope'")


def test_no_database_yet() -> None:
    assert _ok("runs") == "No runs.\n"
    assert _error("run", "r1").startswith("Error: no run named 'r1'")


def test_project_and_domain_of_a_named_run_are_checked(runs: dict[str, str]) -> None:
    point = runs["point"]
    (shown,) = [run for run in json.loads(_ok("runs", "--output-format", "json")) if run["name"] == point]
    project, domain = shown["project"], shown["domain"]
    for command in (("io", point), ("action", point), ("io", point, "a0"), ("action", point, "a0")):
        assert _ok(*command, "-p", project, "-d", domain) == _ok(*command)
        wrong = _error(*command, "-p", "elsewhere")
        assert wrong == f"Error: No run named '{point}' in elsewhere (it is in {project}/{domain})"
    assert _error("io", point, "-d", "production").startswith(f"Error: No run named '{point}' in production")
