"""Artifacts flowing through runs: tasks return artifacts, callers get plain values."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import flyte
import flyte.artifacts as artifacts
from flyte._internal.store.local_db import default_store
from flyte.artifacts import Metadata
from flyte.artifacts._outputs import run_artifacts, split_outputs, store_records
from flyte.artifacts._produces import declared_for
from flyte.io import File

env = flyte.TaskEnvironment(name="artifact-tests")


async def _file(tmp: str) -> File:
    path = Path(tmp) / "weights.bin"
    path.write_text("weights")
    return await File.from_local(str(path))


@env.task
async def produce(tmp: str) -> tuple[File, float]:
    weights = await _file(tmp)
    return artifacts.new(weights, Metadata(name="model", version="v1", kind="model")), 0.9


@env.task
async def plain(tmp: str) -> File:
    return await _file(tmp)


@env.task
async def driver(tmp: str) -> str:
    weights, accuracy = await produce(tmp)
    with artifacts.produces(o0=Metadata(name="events", partitions={"region": "us"})):
        other = await plain.override(produces_artifacts=True)(tmp)
    return f"{type(weights) is File} {type(other) is File} {accuracy}"


def test_new_keeps_the_value_interface(tmp_path: Path) -> None:
    f = flyte.run(plain, str(tmp_path)).outputs()[0]
    wrapped = artifacts.new(f, Metadata(name="w"))
    assert isinstance(wrapped, File) and wrapped.path == f.path and wrapped == f
    assert isinstance(wrapped, artifacts.Artifact)
    assert wrapped.get_artifact_metadata().name == "w"  # type: ignore[attr-defined]
    with pytest.raises(TypeError, match="'str' cannot be an artifact"):
        artifacts.new("a plain string", Metadata(name="nope"))
    with pytest.raises(TypeError, match=r"must be a flyte\.artifacts\.Metadata"):
        artifacts.new(f, {"name": "x"})  # type: ignore[arg-type]


def test_callers_get_plain_values(tmp_path: Path) -> None:
    run = flyte.with_runcontext(mode="local").run(driver, str(tmp_path))
    assert run.outputs()[0] == "True True 0.9"
    root = flyte.with_runcontext(mode="local").run(produce, str(tmp_path)).outputs()
    assert type(root[0]) is File and root[1] == 0.9


def test_split_outputs_and_store(tmp_path: Path) -> None:
    f = File(path=str(tmp_path / "f"))
    value, records = split_outputs((artifacts.new(f, Metadata(name="a", description="mine")), 1.5), False, {})
    assert value == (f, 1.5) and type(value[0]) is File
    assert [(r["output"], r["name"], r["description"]) for r in records] == [("o0", "a", "mine")]
    assert split_outputs(f, False, {}) == (f, [])

    @dataclasses.dataclass
    class Box:
        inner: object

    with pytest.raises(TypeError, match="cannot be nested"):
        split_outputs(Box(artifacts.new(f, Metadata(name="n"))), False, {})

    store = default_store()
    store_records(store, "run-1", "a0", records)
    [stored] = run_artifacts(store, "run-1")
    assert stored["action"] == "a0" and stored["name"] == "a"


def test_produces_declarations_merge_with_the_tasks_own(tmp_path: Path) -> None:
    from flyte._custom_context import get_custom_context

    f = File(path=str(tmp_path / "f"))
    with artifacts.produces(o0=Metadata(name="declared", version="v2")):
        custom = get_custom_context()
    assert declared_for(custom)["o0"]["name"] == "declared"
    own = artifacts.new(f, Metadata(name="own", description="from task"))
    _, [record] = split_outputs(own, True, custom)
    assert (record["name"], record["version"], record["description"]) == ("declared", "v2", "from task")
    _, ignored = split_outputs(f, False, custom)
    assert ignored == []
    with pytest.raises(ValueError, match="'model' is not an output slot"), artifacts.produces(model=Metadata(name="x")):
        pass


def test_run_keeps_artifact_records(tmp_path: Path) -> None:
    run = flyte.with_runcontext(mode="local").run(driver, str(tmp_path))
    names = sorted(r["name"] for r in run_artifacts(default_store(), run.name))
    assert names == ["events", "model"]
