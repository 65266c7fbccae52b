"""The ``flyte`` console script against a server (configured by ``FLYTE_ADMIN_ENDPOINT`` only):
``flyte run`` (with and without ``--follow``), ``flyte get runs``, ``flyte get run`` (the action
tree, groups as folders) and ``flyte get io``, each also as JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, flyte_cli

WORKFLOW = """
import asyncio

import flyte

env = flyte.TaskEnvironment(name="cli_wf")


@env.task
async def square(x: int) -> int:
    return x * x


@env.task
async def main(x: int) -> dict[str, int]:
    print(f"starting with {x}")
    with flyte.group("squares"):
        squares = await asyncio.gather(*[square(x + i) for i in range(3)])
    alone = await square(10)
    print("done")
    return {"sum": sum(squares), "alone": alone}


@env.task
async def fails(x: int) -> int:
    raise ValueError(f"no good: {x}")
"""


@pytest.fixture
def workflow() -> Path:
    path = Path.cwd() / "pipeline.py"
    path.write_text(WORKFLOW)
    return path


def _started(stdout: str, endpoint: str) -> str:
    lines = stdout.splitlines()
    match = re.fullmatch(r"Run: +(\S+) \((QUEUED|INITIALIZING|RUNNING|SUCCEEDED)\)", lines[0])
    assert match, lines
    name = match.group(1)
    assert lines[1] == f"URL:     {endpoint}/runs/{name}"
    return name


def test_run_prints_the_run_name_and_url(flyte_server: ServerHandle, workflow: Path) -> None:
    done = flyte_cli(flyte_server, "run", workflow.name, "main", "--x", "1")
    assert done.returncode == 0, done.stderr
    name = _started(done.stdout, flyte_server.endpoint)
    assert len(done.stdout.splitlines()) == 2
    connect(flyte_server)
    run = flyte.remote.Run.get(name)
    run.wait(timeout=30)
    assert run.phase == "SUCCEEDED"
    assert run.outputs()[0] == {"sum": 1 + 4 + 9, "alone": 100}


def test_run_follow_shows_progress_logs_and_outputs(flyte_server: ServerHandle, workflow: Path) -> None:
    done = flyte_cli(flyte_server, "run", "--follow", workflow.name, "main", "--x", "2")
    assert done.returncode == 0, done.stderr
    name = _started(done.stdout, flyte_server.endpoint)
    lines = done.stdout.splitlines()
    assert "starting with 2" in lines
    assert "done" in lines
    assert any(line.startswith("Actions: ") for line in lines)
    assert lines[-3:] == [f"Run:     {name} (SUCCEEDED)", "Outputs:", "  o0 = {'sum': 29, 'alone': 100}"]
    # The last progress line counts every action: the root, 3 in the group and 1 alone.
    progress = [line for line in lines if line.startswith("Actions: ")]
    assert progress[-1] == "Actions: 5 succeeded"


def test_run_follow_of_a_failing_task(flyte_server: ServerHandle, workflow: Path) -> None:
    done = flyte_cli(flyte_server, "run", "--follow", workflow.name, "fails", "--x", "3")
    assert done.returncode == 1
    name = _started(done.stdout, flyte_server.endpoint)
    assert f"Error: run {name} failed: ValueError: no good: 3" in done.stderr
    assert f"flyte get io {name}" in done.stderr
    assert "Traceback" not in done.stderr


def test_get_runs_run_and_io(flyte_server: ServerHandle, workflow: Path) -> None:
    done = flyte_cli(flyte_server, "run", "--follow", workflow.name, "main", "--x", "1")
    assert done.returncode == 0, done.stderr
    name = _started(done.stdout, flyte_server.endpoint)

    runs = flyte_cli(flyte_server, "get", "runs")
    assert runs.returncode == 0, runs.stderr
    header, row = runs.stdout.splitlines()
    assert header.split() == ["NAME", "TASK", "PHASE", "STARTED", "DURATION"]
    assert row.split()[:3] == [name, "cli_wf.main", "SUCCEEDED"]
    listed = json.loads(flyte_cli(flyte_server, "get", "runs", "--output-format", "json").stdout)
    assert [(r["name"], r["task_name"], r["phase"]) for r in listed] == [(name, "cli_wf.main", "SUCCEEDED")]

    tree = flyte_cli(flyte_server, "get", "run", name)
    assert tree.returncode == 0, tree.stderr
    text = tree.stdout
    assert f"Run:      {name} (SUCCEEDED" in text
    assert "Task:     cli_wf.main" in text
    rows = text.split("\n\n", 1)[1].splitlines()
    assert rows[0].split() == ["ACTION", "TASK", "PHASE", "DURATION", "ATTEMPTS", "CACHE"]
    assert rows[1].startswith("a0 ") and "cli_wf.main" in rows[1]
    assert re.match(r"├── squares/ +\(3 actions\)", rows[2]), rows
    assert all(re.match(r"│   [├└]── \w+ +cli_wf\.square +SUCCEEDED", r) for r in rows[3:6]), rows
    assert re.match(r"└── \w+ +cli_wf\.square +SUCCEEDED", rows[6]), rows
    assert len(rows) == 7
    detail = json.loads(flyte_cli(flyte_server, "get", "run", name, "--output-format", "json").stdout)
    assert detail["run"]["name"] == name
    groups = sorted((a["group"] or "", a["task_name"]) for a in detail["actions"])
    assert groups == [("", "cli_wf.main"), ("", "cli_wf.square")] + [("squares", "cli_wf.square")] * 3

    io = flyte_cli(flyte_server, "get", "io", name, "a0")
    assert io.returncode == 0, io.stderr
    assert io.stdout.splitlines() == [
        f"Action:  {name}/a0 cli_wf.main (SUCCEEDED)",
        "Inputs:",
        "  x = 1",
        "Outputs:",
        "  o0 = {'sum': 14, 'alone': 100}",
    ]
    body = json.loads(flyte_cli(flyte_server, "get", "io", name, "a0", "--output-format", "json").stdout)
    assert body == {
        "run": name,
        "action": "a0",
        "phase": "SUCCEEDED",
        "inputs": {"x": 1},
        "outputs": {"o0": {"sum": 14, "alone": 100}},
        "error": None,
    }


def test_get_io_of_a_failed_run_shows_the_error(flyte_server: ServerHandle, workflow: Path) -> None:
    done = flyte_cli(flyte_server, "run", "--follow", workflow.name, "fails", "--x", "4")
    name = _started(done.stdout, flyte_server.endpoint)
    io = flyte_cli(flyte_server, "get", "io", name)
    assert io.returncode == 0, io.stderr
    assert "Error:   ValueError: no good: 4" in io.stdout
    assert 'raise ValueError(f"no good: {x}")' in io.stdout  # the traceback
    body = json.loads(flyte_cli(flyte_server, "get", "io", name, "--output-format", "json").stdout)
    assert body["outputs"] is None
    assert body["error"]["code"] == "ValueError"
    missing = flyte_cli(flyte_server, "get", "run", "no-such-run")
    assert missing.returncode == 1
    assert "no-such-run" in missing.stderr and "Traceback" not in missing.stderr
