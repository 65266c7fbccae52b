"""EmptyDir and Dir.empty/is_empty, File.named_remote, pre_init, and lazy uploaders of File and
Dir: data referenced outside a task is uploaded only when a run keeps its data in a store."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import flyte
from flyte._internal.store.blob import get_store
from flyte.io import Dir, EmptyDir, File
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="ref_extras")


def run_pair(task: Any, *args: Any, raw_data_path: str | None = None) -> tuple[Any, ...]:
    """Runs a task returning a tuple locally; its outputs."""
    return tuple(flyte.with_runcontext(mode="local", raw_data_path=raw_data_path).run(task, *args).outputs())


# -- EmptyDir -------------------------------------------------------------------------------------


def test_empty_dir_is_a_dir_flagged_empty() -> None:
    e = EmptyDir()
    assert isinstance(e, Dir) and e.is_empty and e.name == ""
    assert Dir.empty().is_empty and not Dir("/tmp").is_empty
    assert e == Dir.empty()


@dataclass
class Output:
    output_dir: Dir
    note: str


@env.task
def maybe_dir(make: bool) -> Output:
    if make:
        return Output(output_dir=Dir.new_remote("real"), note="made")
    return Output(output_dir=EmptyDir(), note="none")


@env.task
def describe(out: Output) -> str:
    return "empty" if out.output_dir.is_empty else "real"


@env.task
def returns_empty() -> Dir:
    return Dir.empty()


def test_empty_dir_round_trips_through_a_run() -> None:
    out = run_local(maybe_dir, False)
    assert out.output_dir.is_empty and type(out.output_dir) is Dir
    assert run_local(describe, out) == "empty"
    assert run_local(returns_empty).is_empty


# -- named_remote ---------------------------------------------------------------------------------


@env.task
def write_named(attempts: int) -> list[File]:
    files = []
    for _ in range(attempts):
        f = File.named_remote("result.txt")
        with f.open("w") as fh:
            fh.write("done")
        files.append(f)
    return files


def test_named_remote_is_stable_within_a_task() -> None:
    first, second = run_local(write_named, 2)
    assert first.path == second.path and first.path.endswith("/result.txt")
    assert first.read() == "done"
    other = run_local(write_named, 1)[0]
    assert other.path != first.path  # another run, another place


def test_named_remote_needs_a_task_and_a_plain_name() -> None:
    with pytest.raises(ValueError, match="task execution context"):
        File.named_remote("x.txt")
    with pytest.raises(ValueError, match="plain file name"):
        File.named_remote("../x.txt")


# -- pre_init -------------------------------------------------------------------------------------


def test_pre_init_fills_the_name_from_the_path() -> None:
    assert File.pre_init({"path": "s3://b/k/a.csv"}) == {"path": "s3://b/k/a.csv", "name": "a.csv"}
    assert Dir.pre_init({"path": "/d/e/", "name": "keep"})["name"] == "keep"


# -- lazy uploaders -------------------------------------------------------------------------------


@env.task
def read_file(f: File) -> tuple[str, str]:
    return f.path, f.read()


@env.task
def read_dir(d: Dir) -> tuple[str, list[str]]:
    return d.path, sorted(f.name for f in d.walk())


def test_from_local_outside_a_task_defers_the_upload(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("lazy")
    f = File.from_local(str(src))
    assert f.lazy_uploader is not None and f.path == str(src)
    # A local run reads it in place.
    assert run_pair(read_file, f) == (str(src), "lazy")
    # A run keeping data in a store gets it uploaded there, once.
    prefix = f"memory://lazy{secrets.token_hex(4)}/raw"
    path, text = run_pair(read_file, f, raw_data_path=prefix)
    assert path.startswith(prefix) and text == "lazy"


def test_dir_from_local_outside_a_task_defers_the_upload(tmp_path: Path) -> None:
    folder = tmp_path / "d"
    (folder / "sub").mkdir(parents=True)
    (folder / "one.txt").write_text("1")
    (folder / "sub" / "two.txt").write_text("2")
    d = Dir.from_local(str(folder))
    assert d.lazy_uploader is not None
    prefix = f"memory://lazy{secrets.token_hex(4)}/raw"
    path, names = run_pair(read_dir, d, raw_data_path=prefix)
    assert path.startswith(prefix) and names == ["one.txt", "two.txt"]


def test_a_lazy_uploader_set_by_hand_decides_the_literal() -> None:
    target = f"memory://lazy{secrets.token_hex(4)}/chosen.txt"
    get_store(target).put(target, b"chosen")
    calls: list[Any] = []

    async def uploader() -> tuple[str | None, str]:
        calls.append(1)
        return "h-chosen", target

    f = File("/nowhere/placeholder.txt")
    f.lazy_uploader = uploader
    assert run_pair(read_file, f) == (target, "chosen")
    assert calls == [1]
    f.lazy_uploader = None
    assert f.lazy_uploader is None
