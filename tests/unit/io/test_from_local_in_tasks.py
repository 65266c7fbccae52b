"""File.from_local and Dir.from_local inside a task: the data outlives the task that made it,
even when it was written to a temporary folder removed as the task returned."""

from __future__ import annotations

import tempfile
from pathlib import Path

import flyte
from flyte.io import Dir, File
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="from_local_in_tasks")


@env.task
def make_file(text: str) -> File:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "made.txt"
        path.write_text(text)
        return File.from_local(path)


@env.task
async def make_file_async(text: str) -> File:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "made.txt"
        path.write_text(text)
        return await File.from_local.aio(path)


@env.task
def make_dir() -> Dir:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "tree"
        (root / "sub").mkdir(parents=True)
        (root / "top.txt").write_text("top")
        (root / "sub" / "deep.txt").write_text("deep")
        return Dir.from_local(root)


@env.task
async def make_dir_async() -> Dir:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "a.txt").write_text("a")
        return await Dir.from_local.aio(tmp)


@env.task
def read_file(f: File) -> str | bytes:
    return f.read()


@env.task
def read_dir(d: Dir) -> dict[str, str | bytes]:
    return {f.name: f.read() for f in d.walk()}


@env.task
def file_pipeline(text: str) -> list[str | bytes]:
    return [read_file(make_file(text)), read_file(make_file_async(text))]


@env.task
async def dir_pipeline() -> list[dict[str, str | bytes]]:
    return [await read_dir(await make_dir()), await read_dir(await make_dir_async())]


@env.task
def pass_through(f: File) -> File:
    return f


@env.task
def hand_to_child() -> str | bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "arg.txt"
        path.write_text("handed over")
        f = File.from_local(path)
    return read_file(f)


def test_a_file_from_a_temporary_folder_reaches_the_next_task() -> None:
    assert run_local(file_pipeline, "hello") == ["hello", "hello"]


def test_a_folder_from_a_temporary_folder_reaches_the_next_task() -> None:
    top, flat = run_local(dir_pipeline)
    assert top == {"top.txt": "top", "deep.txt": "deep"}
    assert flat == {"a.txt": "a"}


@env.task
def make_empty_dir() -> Dir:
    with tempfile.TemporaryDirectory() as tmp:
        return Dir.from_local(tmp)


@env.task
def empty_dir_pipeline() -> dict[str, str | bytes]:
    return read_dir(make_empty_dir())


def test_an_empty_folder_reaches_the_next_task() -> None:
    assert run_local(empty_dir_pipeline) == {}


def test_a_file_handed_to_a_child_outlives_its_temporary_folder() -> None:
    assert run_local(hand_to_child) == "handed over"


def test_the_copy_is_under_the_run_raw_data_path() -> None:
    run = flyte.with_runcontext(mode="local").run(make_file, "x")
    f = run.outputs()[0]
    assert f.name == "made.txt"
    assert f"/runs/{run.name}/data/" in f.path


def test_data_already_in_a_store_is_not_copied() -> None:
    stored = File.from_existing_remote("memory://bucket/in.txt")
    assert run_local(pass_through, stored).path == "memory://bucket/in.txt"
