"""Deploying environments to a real server (SQLite and PostgreSQL), and running what was deployed.

``flyte deploy`` registers the tasks of a file's environments (one named, or ``--all``) with
their code bundle; deploying unchanged code again changes nothing. The deployed tasks then run
with no source at hand (the file moved away, another working folder): from the CLI with
``flyte run deployed-task`` and from Python with ``flyte.remote.Task.get`` and ``flyte.run``;
``flyte get task`` lists and shows them.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

import flyte
import flyte.errors
import flyte.remote
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import count_rows, flyte_cli

WORKFLOW = """
import dataclasses

import flyte

base = flyte.TaskEnvironment(name="deploy_base")
env = flyte.TaskEnvironment(name="deploy_main", depends_on=[base])
other = flyte.TaskEnvironment(name="deploy_other")


@dataclasses.dataclass
class Point:
    x: int
    y: int


@base.task
async def double(x: int) -> int:
    return 2 * x


@env.task
async def square_plus(x: int, bonus: int = 10) -> int:
    \"\"\"Squares x (doubled by the base environment's task) and adds a bonus.\"\"\"
    return (await double(x)) ** 2 + bonus


@env.task
async def norm(p: Point, scale: float = 1.0) -> float:
    return (p.x * p.x + p.y * p.y) ** 0.5 * scale


@other.task
async def greet(name: str) -> str:
    return f"hello {name}"
"""


def _write_workflow(folder: Path) -> Path:
    path = folder / "deployable.py"
    path.write_text(textwrap.dedent(WORKFLOW))
    return path


def _move_away(path: Path, elsewhere: Path) -> None:
    elsewhere.mkdir(exist_ok=True)
    path.rename(elsewhere / path.name)


def test_deploy_then_run_without_source(flyte_server: ServerHandle, tmp_path: Path) -> None:
    source = _write_workflow(Path.cwd())

    deployed = flyte_cli(flyte_server, "deploy", str(source.name), "deploy_main")
    assert deployed.returncode == 0, deployed.stderr
    # The environment it depends on comes along; the unrelated one does not.
    assert "deploy_main.square_plus" in deployed.stdout
    assert "deploy_base.double" in deployed.stdout
    assert "deploy_other.greet" not in deployed.stdout
    assert count_rows(flyte_server, "deployed_tasks") == 3

    again = flyte_cli(flyte_server, "deploy", str(source.name), "deploy_main")
    assert again.returncode == 0, again.stderr
    assert count_rows(flyte_server, "deployed_tasks") == 3, "unchanged code deploys as the same version"

    everything = flyte_cli(flyte_server, "deploy", "--all", str(source.name))
    assert everything.returncode == 0, everything.stderr
    assert "deploy_other.greet" in everything.stdout
    assert count_rows(flyte_server, "deployed_tasks") == 4

    # No source from here on: the file is gone and the commands run from another folder.
    _move_away(source, tmp_path / "archive")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.chdir(elsewhere)

    ran = flyte_cli(flyte_server, "run", "--follow", "deployed-task", "deploy_main.square_plus", "--x", "3")
    assert ran.returncode == 0, ran.stderr
    assert "o0 = 46" in ran.stdout  # (2 * 3) ** 2 + 10

    listed = flyte_cli(flyte_server, "-of", "json", "get", "task")
    assert listed.returncode == 0, listed.stderr
    names = {task["task"]["name"] for task in json.loads(listed.stdout)}
    assert names == {"deploy_main.square_plus", "deploy_main.norm", "deploy_base.double", "deploy_other.greet"}
    shown = flyte_cli(flyte_server, "get", "task", "deploy_main.square_plus", "latest")
    assert shown.returncode == 0, shown.stderr
    assert "bonus: int  (has a default)" in shown.stdout

    flyte.init(endpoint=flyte_server.endpoint)
    task = flyte.remote.Task.get("deploy_main.norm", auto_version="latest")
    run = flyte.run(task, p={"x": 3, "y": 4}, scale=2.0)
    remote = flyte.remote.Run.get(run.name)
    remote.wait(timeout=60)
    assert remote.phase == "SUCCEEDED", remote.error
    assert remote.outputs()[0] == 10.0

    pinned = flyte.remote.Task.get("deploy_other.greet", version=task.version)
    assert pinned.version == task.version
    greeted = flyte.remote.Run.get(flyte.run(pinned, "deployed").name)
    greeted.wait(timeout=60)
    assert greeted.outputs()[0] == "hello deployed"


def test_deploy_dry_run_and_recursive(flyte_server: ServerHandle) -> None:
    nested = Path.cwd() / "flows" / "nested"
    nested.mkdir(parents=True)
    _write_workflow(nested)
    (Path.cwd() / "flows" / "broken.py").write_text("raise RuntimeError('not importable')\n")

    dry = flyte_cli(flyte_server, "deploy", "--dry-run", "flows/nested/deployable.py", "deploy_other")
    assert dry.returncode == 0, dry.stderr
    assert "Would deploy 1 task(s)" in dry.stdout and "deploy_other.greet" in dry.stdout
    assert count_rows(flyte_server, "deployed_tasks") == 0

    refused = flyte_cli(flyte_server, "deploy", "--recursive", "--all", "flows")
    assert refused.returncode == 1 and "broken.py" in refused.stderr
    everything = flyte_cli(flyte_server, "deploy", "--recursive", "--all", "--ignore-load-errors", "flows")
    assert everything.returncode == 0, everything.stderr
    assert "Skipped flows/broken.py" in everything.stderr
    assert count_rows(flyte_server, "deployed_tasks") == 4


def test_deploy_mistakes_are_one_line_errors(flyte_server: ServerHandle) -> None:
    source = _write_workflow(Path.cwd())
    no_env = flyte_cli(flyte_server, "deploy", source.name, "nope")
    assert no_env.returncode == 1
    assert "no environment named nope" in no_env.stderr and "deploy_main" in no_env.stderr
    assert "Traceback" not in no_env.stderr

    missing = flyte_cli(flyte_server, "run", "deployed-task", "deploy_main.square_plus", "--x", "1")
    assert missing.returncode == 1
    assert "deploy_main.square_plus" in missing.stderr and "Traceback" not in missing.stderr

    assert flyte_cli(flyte_server, "deploy", "--version", "v1", source.name, "deploy_other").returncode == 0
    source.write_text(source.read_text().replace("hello {name}", "hi {name}"))
    conflict = flyte_cli(flyte_server, "deploy", "--version", "v1", source.name, "deploy_other")
    assert conflict.returncode == 1
    assert "deployed already with other content" in conflict.stderr

    bad_value = flyte_cli(flyte_server, "run", "deployed-task", "deploy_other.greet:v1")
    assert bad_value.returncode != 0 and "--name" in bad_value.stderr

    flyte.init(endpoint=flyte_server.endpoint)
    greet = flyte.remote.Task.get("deploy_other.greet", version="v1")
    with pytest.raises(flyte.errors.RuntimeDataValidationError):
        flyte.run(greet, name=3)
    with pytest.raises(flyte.errors.RuntimeUserError, match="no input"):
        flyte.run(greet, name="x", extra=1)
    with pytest.raises(ValueError, match="auto_version"):
        flyte.remote.Task.get("deploy_other.greet")
