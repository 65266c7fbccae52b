"""``flyte get run`` without a name, ``get action``, ``get io -i/-o`` and ``get logs`` options:
local runs made by real local runs, server logs from the fake server."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import flyte
from flyte._internal import wire
from flyte._internal.module_loader import load_file
from flyte._internal.serde import pack
from flyte.errors import RuntimeUserError
from tests.unit.cli.run_helpers import flyte as flyte_cli
from tests.unit.cli.run_helpers import forget_modules, write
from tests.unit.remote.fake_server import ENDPOINT, FakeServer, Outcome, install

WORKFLOW = '''
    import flyte

    env = flyte.TaskEnvironment(name="lst")


    @env.task
    async def square(x: int) -> int:
        return x * x


    @env.task
    async def main(x: int) -> int:
        """Squares twice."""
        return await square(await square(x))


    @env.task
    async def fails(x: int) -> int:
        raise ValueError(f"x was {x}")
'''


@pytest.fixture
def runs() -> Iterator[None]:
    """Local runs ``m1`` and ``m2`` (of main) and ``bad`` (failed), made in that order."""
    before_path, before_modules = list(sys.path), set(sys.modules)
    write(Path("lst.py"), WORKFLOW)
    wf = load_file("lst.py")
    flyte.with_runcontext(mode="local", name="m1").run(wf.main, 2)
    flyte.with_runcontext(mode="local", name="m2").run(wf.main, 3)
    with pytest.raises(RuntimeUserError):
        flyte.with_runcontext(mode="local", name="bad").run(wf.fails, 7)
    yield
    forget_modules(before_path, before_modules)


def _ok(*args: str) -> str:
    result = flyte_cli("get", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _names(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()[1:]]


def _one_line_error(*args: str, code: int = 2) -> str:
    result = flyte_cli("get", *args)
    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    return result.stderr


@pytest.mark.usefixtures("runs")
def test_get_run_without_a_name_lists_runs_with_filters() -> None:
    assert _names(_ok("run")) == ["bad", "m2", "m1"]
    assert _names(_ok("run", "--limit", "2")) == ["bad", "m2"]
    assert _names(_ok("run", "--in-phase", "succeeded")) == ["m2", "m1"]
    assert _names(_ok("run", "--in-phase", "FAILED")) == ["bad"]
    assert _names(_ok("run", "--task-name", "main")) == ["m2", "m1"]
    assert _names(_ok("run", "--task-name", "lst.fails")) == ["bad"]
    assert _ok("run", "--task-name", "square") == "No runs.\n"
    assert _ok("run", "m1").startswith("Run:      m1 (SUCCEEDED, ")


@pytest.mark.usefixtures("runs")
def test_listing_filters_with_a_name_are_usage_errors() -> None:
    assert "--limit, --in-phase only apply when listing runs" in _one_line_error(
        "run", "m1", "--limit", "2", "--in-phase", "failed"
    )
    assert "Invalid value for '--in-phase'" in _one_line_error("run", "--in-phase", "sleeping")
    assert "Invalid value for '--limit'" in _one_line_error("run", "--limit", "0")


@pytest.mark.usefixtures("runs")
def test_get_action_lists_the_actions_of_a_run_or_shows_one() -> None:
    rows = _ok("action", "m1").splitlines()
    assert rows[0].split() == ["ACTION", "TASK", "PHASE", "DURATION", "ATTEMPTS", "CACHE"]
    assert [row.split()[-5] for row in rows[1:]] == ["lst.main", "lst.square", "lst.square"]
    listed = json.loads(_ok("action", "m1", "--output-format", "json"))
    child = listed[1]["name"]
    detail = _ok("action", "m1", child).splitlines()
    assert detail[0] == f"Action:   {child}"
    assert "Task:     lst.square (task)" in detail and "Parent:   a0" in detail and "Phase:    SUCCEEDED" in detail
    failed = _ok("action", "bad", "a0")
    assert "Error:    ValueError: x was 7" in failed
    assert json.loads(_ok("action", "bad", "a0", "--output-format", "json"))["error"]["code"] == "ValueError"


@pytest.mark.usefixtures("runs")
def test_get_action_in_phase_is_a_flat_table() -> None:
    assert _ok("action", "m1", "--in-phase", "failed") == "No actions in m1 in phase FAILED.\n"
    rows = _ok("action", "bad", "--in-phase", "failed").splitlines()
    assert rows[0].split()[-1] == "PARENT" and rows[1].split()[:3] == ["a0", "lst.fails", "FAILED"]
    assert "--in-phase only applies when listing actions" in _one_line_error(
        "action", "m1", "a0", "--in-phase", "failed"
    )
    assert _one_line_error("action", "m1", "a9", code=1) == "Error: run m1 has no action named 'a9'\n"


@pytest.mark.usefixtures("runs")
def test_get_io_inputs_only_and_outputs_only() -> None:
    assert _ok("io", "m1", "--inputs-only").splitlines()[1:] == ["Inputs:", "  x = 2"]
    assert _ok("io", "m1", "-o").splitlines()[1:] == ["Outputs:", "  o0 = 16"]
    assert _ok("io", "bad", "-o").splitlines()[1] == "Error:   ValueError: x was 7"
    only_inputs = json.loads(_ok("io", "m1", "-i", "--output-format", "json"))
    assert "outputs" not in only_inputs and only_inputs["inputs"] == {"x": 2}
    only_outputs = json.loads(_ok("io", "m1", "-o", "--output-format", "json"))
    assert "inputs" not in only_outputs and only_outputs["outputs"] == {"o0": 16}
    assert "exclude each other" in _one_line_error("io", "m1", "-i", "-o")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> FakeServer:
    """A fake server with run ``r-logs`` whose root action logged two attempts."""
    monkeypatch.setenv("FLYTE_ADMIN_ENDPOINT", ENDPOINT)
    fake = FakeServer()
    install(monkeypatch, fake)
    spec = wire.TaskSpec(name="hello.main", module="hello.py")
    fake.add_run(wire.CreateRunRequest(name="r-logs", task=spec, inputs=pack({})), Outcome(outputs=pack(1)))
    texts = [(1, "first try"), (1, "failed"), (2, "second try"), (2, "worked"), (2, "bye")]
    fake.logs[("r-logs", "a0")] = [
        wire.StoredLogLine(seq=i + 1, attempt=attempt, ts=1_700_000_000.0 + i, text=text)
        for i, (attempt, text) in enumerate(texts)
    ]
    return fake


@pytest.mark.usefixtures("server")
def test_get_logs_lines_attempt_and_timestamps() -> None:
    assert _ok("logs", "r-logs").splitlines() == ["first try", "failed", "second try", "worked", "bye"]
    assert _ok("logs", "r-logs", "--lines", "2").splitlines() == ["worked", "bye"]
    assert _ok("logs", "r-logs", "-l", "2", "--follow").splitlines() == ["worked", "bye"]
    assert _ok("logs", "r-logs", "--attempt", "1").splitlines() == ["first try", "failed"]
    assert _ok("logs", "r-logs", "-a", "1", "-l", "1").splitlines() == ["failed"]
    stamped = _ok("logs", "r-logs", "--show-ts", "-l", "1").splitlines()
    assert len(stamped) == 1 and stamped[0].endswith("  bye") and stamped[0][:4].isdigit()
    missing = flyte_cli("get", "logs", "r-logs", "--attempt", "3")
    assert (missing.stdout, missing.stderr) == ("", "No logs from r-logs/a0 (attempt 3).\n")
    as_yaml = _ok("logs", "r-logs", "--output-format", "yaml", "-a", "2")
    import yaml

    assert [(line["attempt"], line["text"]) for line in yaml.safe_load(as_yaml)] == [
        (2, "second try"),
        (2, "worked"),
        (2, "bye"),
    ]
