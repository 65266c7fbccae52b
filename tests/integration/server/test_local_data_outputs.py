"""On a server, File.from_local and Dir.from_local of a temporary folder inside a task: the data
reaches the next task (a worker process of its own) after the folder is gone."""

from __future__ import annotations

from pathlib import Path

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, load_workflow

WORKFLOW = """
import tempfile
from pathlib import Path

import flyte
from flyte.io import Dir, File

env = flyte.TaskEnvironment(name="temporary_outputs")


@env.task
async def make_file() -> File:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "made.txt"
        path.write_text("made in a temporary folder")
        return await File.from_local(path)


@env.task
def make_dir() -> Dir:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sub").mkdir()
        (Path(tmp) / "a.txt").write_text("a")
        (Path(tmp) / "sub" / "b.txt").write_text("b")
        return Dir.from_local(tmp)


@env.task
async def read_file(f: File) -> str:
    return await f.read()


@env.task
def read_dir(d: Dir) -> list[str]:
    return sorted(f.read() for f in d.walk())


@env.task
async def main() -> tuple[str, list[str]]:
    return await read_file(await make_file()), await read_dir(await make_dir())
"""


def test_temporary_local_data_reaches_the_next_task(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.run(wf.main)
    assert tuple(run.outputs()) == ("made in a temporary folder", ["a", "b"])
