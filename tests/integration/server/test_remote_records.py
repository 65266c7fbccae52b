"""``flyte.remote`` extras against a real server: every object's ``to_dict``/``to_json``, a run's
root ``action``, and ``upload_file``/``upload_dir`` whose URIs tasks read as File and Dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import flyte
import flyte.remote
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow

WORKFLOW = """
import flyte
from flyte.io import Dir, File

env = flyte.TaskEnvironment(name="remote_records")


@env.task
async def read_file(f: File) -> str:
    async with f.open("rb") as handle:
        return (await handle.read()).decode()


@env.task
async def list_dir(d: Dir) -> list[str]:
    return sorted([f.name async for f in d.walk()])
"""


def test_records_are_plain_json(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server, tmp_path)
    wf = load_workflow(WORKFLOW, tmp_path)
    source = tmp_path / "note.txt"
    source.write_text("hello")
    digest, uri = flyte.remote.upload_file(source)
    assert digest == "5d41402abc4b2a76b9719d911017c592"
    run = finished(flyte.run(wf.read_file, f=flyte.io.File.from_existing_remote(uri)))
    assert run.outputs()[0] == "hello"

    record = run.to_dict()
    assert record["name"] == run.name and record["phase"] == "SUCCEEDED"
    assert json.loads(run.to_json()) == record
    root = run.action
    assert root.name == "a0" and root.to_dict()["task_name"] == record["task_name"]
    details = run.details()
    assert details.to_dict()["action"]["attempts"][0]["phase"] == "SUCCEEDED"
    assert json.loads(root.details().to_json())["run_name"] == run.name
    for listed in (flyte.remote.Task, flyte.remote.Project):
        for item in listed.listall():
            json.loads(item.to_json())


def test_upload_dir_keeps_the_tree_and_upload_file_refuses_bad_input(
    flyte_server: ServerHandle, tmp_path: Path
) -> None:
    connect(flyte_server, tmp_path)
    wf = load_workflow(WORKFLOW, tmp_path)
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "a.txt").write_text("a")
    (tree / "sub" / "b.txt").write_text("b")
    uri = flyte.remote.upload_dir(tree)
    assert uri.endswith("/tree")
    run = finished(flyte.run(wf.list_dir, d=flyte.io.Dir.from_existing_remote(uri)))
    assert run.outputs()[0] == ["a.txt", "b.txt"]
    with pytest.raises(FileNotFoundError, match=r"missing\.txt"):
        flyte.remote.upload_file(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="plain file name"):
        flyte.remote.upload_file(tree / "a.txt", fname="../escape.txt")
    with pytest.raises(NotADirectoryError, match=r"a\.txt"):
        flyte.remote.upload_dir(tree / "a.txt")
