"""The root options and listing commands of the installed ``flyte`` command, in fresh processes:
``--endpoint`` against a real server (no configuration at all), ``get run``/``get action``/
``get logs`` options there, and ``--no-progress`` on a pseudo-terminal."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.fixtures.server import ServerHandle
from tests.integration.test_cli_run import Terminal, _screen, cli_workdir

FLYTE = Path(sys.executable).parent / "flyte"

WORKFLOW = """
import asyncio

import flyte

env = flyte.TaskEnvironment(name="cli_opts")


@env.task
async def square(x: int) -> int:
    return x * x


@env.task
async def main(x: int) -> int:
    print(f"squaring {x}")
    print("twice")
    return await square(await square(x))


@env.task
async def lasts(seconds: float = 1.0) -> str:
    await asyncio.sleep(seconds)
    return "finished"
"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with ``opts_wf.py``, in a fresh environment (see :func:`cli_workdir`)."""
    return cli_workdir(tmp_path, monkeypatch, {"opts_wf.py": WORKFLOW})


def _flyte(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    result = subprocess.run(
        [str(FLYTE), *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_endpoint_option_runs_and_reads_on_the_server(workdir: Path, flyte_server: ServerHandle) -> None:
    server = ["--endpoint", flyte_server.endpoint]
    done = _flyte(workdir, *server, "run", "--follow", "opts_wf.py", "main", "--x", "2")
    name = done.stdout.split()[1]
    assert "  o0 = 16" in done.stdout.splitlines()
    # Without the option nothing is configured: the local runs database has no runs.
    assert _flyte(workdir, "get", "run").stdout == "No runs.\n"
    listed = json.loads(_flyte(workdir, *server, "-of", "json", "get", "run", "--task-name", "main").stdout)
    assert [(r["name"], r["phase"]) for r in listed] == [(name, "SUCCEEDED")]
    actions = yaml.safe_load(_flyte(workdir, *server, "-of", "yaml", "get", "action", name).stdout)
    assert sorted(a["task_name"] for a in actions) == ["cli_opts.main", "cli_opts.square", "cli_opts.square"]
    root = _flyte(workdir, *server, "get", "action", name, "a0").stdout.splitlines()
    assert root[:3] == ["Action:   a0", "Task:     cli_opts.main (task)", "Phase:    SUCCEEDED"]
    assert _flyte(workdir, *server, "get", "logs", name, "--lines", "1").stdout == "twice\n"
    stamped = _flyte(workdir, *server, "get", "logs", name, "--show-ts", "--attempt", "1").stdout.splitlines()
    assert [re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  ", "", line) for line in stamped] == ["squaring 2", "twice"]
    assert _flyte(workdir, *server, "get", "io", name, "--outputs-only").stdout.splitlines()[1:] == [
        "Outputs:",
        "  o0 = 16",
    ]


def test_no_progress_draws_no_line_on_a_terminal(workdir: Path) -> None:
    args = [str(FLYTE), "--no-progress", "run", "opts_wf.py", "lasts", "--seconds", "1.0"]
    with Terminal(args, workdir) as terminal:
        assert terminal.wait() == 0, terminal.output
    assert "Running" not in terminal.output
    screen = _screen(terminal.output)
    assert screen[0].startswith("Run:     ") and screen[1:] == ["Outputs:", "  o0 = 'finished'", screen[3]]
    assert screen[3].startswith("Records: ")


def test_progress_is_drawn_without_the_option(workdir: Path) -> None:
    with Terminal([str(FLYTE), "run", "opts_wf.py", "lasts", "--seconds", "1.0"], workdir) as terminal:
        assert terminal.read_until(r"Running \S+ \(\d+\.\ds\)", time.monotonic() + 30), terminal.output
        assert terminal.wait() == 0, terminal.output
