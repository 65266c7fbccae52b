"""Projects: created and shown with the CLI (the options of ``flyte create project`` and ``flyte
get project``), read with ``flyte.remote.Project``, and recorded by the first run that names one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

import flyte
from flyte.errors import RuntimeUserError
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, flyte_cli, load_workflow

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="projects_wf")


@env.task
async def one() -> int:
    return 1
"""


def test_projects_are_created_and_shown_with_the_cli(flyte_server: ServerHandle) -> None:
    created = flyte_cli(
        flyte_server,
        *("create", "project", "--id", "ml", "--name", "Machine learning"),
        *("--description", "Models and data", "-l", "team=ml", "--label", "env=prod"),
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout == "Created project ml (Machine learning)\n"

    again = flyte_cli(flyte_server, "create", "project", "--id", "ml", "--name", "Other")
    assert again.returncode == 1 and again.stderr == "Error: A project with id 'ml' exists already\n"
    bad = flyte_cli(flyte_server, "create", "project", "--id", "no spaces", "--name", "X")
    assert bad.returncode == 1 and bad.stderr.startswith("Error: invalid project: id:"), bad.stderr
    bad_label = flyte_cli(flyte_server, "create", "project", "--id", "x", "--name", "X", "-l", "novalue")
    assert bad_label.returncode == 2 and bad_label.stderr.count("\n") == 1, bad_label.stderr
    missing = flyte_cli(flyte_server, "create", "project", "--id", "x")
    assert missing.returncode == 2 and "--name" in missing.stderr

    listed = flyte_cli(flyte_server, "get", "project")
    assert listed.returncode == 0, listed.stderr
    header, row = listed.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "CREATED", "LABELS"]
    assert row.startswith("ml  Machine learning  ") and row.endswith("env=prod,team=ml")
    one = json.loads(flyte_cli(flyte_server, "-of", "json", "get", "project", "ml").stdout)
    assert {k: v for k, v in one.items() if k != "created_at"} == {
        "id": "ml",
        "name": "Machine learning",
        "description": "Models and data",
        "labels": {"env": "prod", "team": "ml"},
    }
    unknown = flyte_cli(flyte_server, "get", "project", "nope")
    assert unknown.returncode == 1 and unknown.stderr == "Error: No project with id 'nope'\n"


def test_a_run_records_its_project_and_the_sdk_reads_projects(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server, tmp_path)
    assert flyte.remote.Project.listall() == []
    wf = load_workflow(WORKFLOW, tmp_path)
    flyte.with_runcontext(project="analytics").run(wf.one).wait()
    flyte.remote.Project.create("zeta", "Zeta", labels={"k": "v"})

    found = flyte.remote.Project.get("analytics")
    assert (found.id, found.name, found.description, found.labels) == ("analytics", "analytics", "", {})
    assert [p.id for p in flyte.remote.Project.listall()] == ["analytics", "zeta"]
    assert [p.id for p in flyte.remote.Project.listall(sort_by=("id", "desc"))] == ["zeta", "analytics"]
    assert flyte.remote.Project.get("zeta").to_dict()["labels"] == {"k": "v"}

    async def listed() -> list[str]:
        return [p.id async for p in flyte.remote.Project.listall.aio()]

    assert asyncio.run(listed()) == ["analytics", "zeta"]
    assert asyncio.run(flyte.remote.Project.get.aio("zeta")).name == "Zeta"
    with pytest.raises(RuntimeUserError, match="No project with id 'nope'"):
        flyte.remote.Project.get("nope")
    with pytest.raises(ValueError, match="does not archive"):
        flyte.remote.Project.listall(archived=True)
