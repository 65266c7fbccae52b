"""Dir inside real local runs: the spec's File Processing Pipeline verbatim, local and remote
folders, sync and async tasks, and folders nested in structures."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pydantic
import pytest

import flyte
import flyte.io
from flyte.io import Dir, File
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="dir_runs")

# A name for the typed form, since checkers read a string inside an annotation as a forward reference.
CsvDir = Dir["csv"]


def process_dataframe(data: pd.DataFrame) -> pd.DataFrame:
    return data.assign(doubled=data["value"] * 2)


# -- the spec's "File Processing Pipeline", as printed ---------------------------------------------


# fmt: off
@env.task
def process_dataset(input_dir: flyte.io.Dir) -> flyte.io.File:
    results = []

    # Process files in directory
    for file_path in input_dir.walk():
        if file_path.endswith('.csv'):
            data = pd.read_csv(file_path)
            processed = process_dataframe(data)
            results.append(processed)

    # Combine results
    combined = pd.concat(results)

    # Return as Flyte file
    return flyte.io.File.from_dataframe(combined, "processed_data.parquet")
# fmt: on


def _dataset(root: Path) -> Path:
    (root / "nested").mkdir(parents=True)
    (root / "one.csv").write_text("value\n1\n2\n")
    (root / "nested" / "two.csv").write_text("value\n3\n")
    (root / "notes.txt").write_text("not a table")
    return root


def _sorted_values(f: File) -> list[list[int]]:
    frame = pd.read_parquet(f)
    return sorted(frame[["value", "doubled"]].values.tolist())


def test_spec_pipeline_on_a_local_folder(tmp_path: Path) -> None:
    out = run_local(process_dataset, Dir.from_local(_dataset(tmp_path / "ds")))
    assert out.name == "processed_data.parquet" and out.format == "parquet"
    assert _sorted_values(out) == [[1, 2], [2, 4], [3, 6]]


@env.task
def upload_dataset(path: str) -> Dir:
    return Dir.from_local(path)


@env.task
async def remote_pipeline(path: str) -> File:
    return await process_dataset(await upload_dataset(path))


def test_spec_pipeline_on_a_remote_folder(tmp_path: Path) -> None:
    prefix = f"memory://p{secrets.token_hex(6)}/raw"
    src = _dataset(tmp_path / "ds")
    run = flyte.with_runcontext(mode="local", raw_data_path=prefix).run(remote_pipeline, str(src))
    out = run.outputs()[0]
    assert out.path.startswith(prefix + "/")
    assert _sorted_values(out) == [[1, 2], [2, 4], [3, 6]]


# -- sync and async tasks handing folders to each other ---------------------------------------------


@env.task
async def make_dir(n: int) -> Dir:
    d = Dir.new_remote("made")
    for i in range(n):
        async with d.new_file(f"sub{i % 2}/f{i}.txt").open("wb") as fh:
            await fh.write(str(i).encode())
    return d


@env.task
def sum_sync(d: Dir) -> int:
    return sum(int(f.read()) for f in d.walk())


@env.task
async def sum_async(d: Dir) -> int:
    total = 0
    async for f in d.walk():
        total += int(await f.read())
    return total


@env.task
async def download_and_count(d: Dir) -> int:
    local = Path(await d.download())
    return len([p for p in local.rglob("*") if p.is_file()])


@env.task
async def folders(n: int) -> list[int]:
    d = await make_dir(n)
    return [await sum_sync(d), await sum_async(d), await download_and_count(d)]


@pytest.mark.parametrize("remote", [False, True], ids=["local", "memory"])
def test_sync_and_async_tasks_pass_folders(remote: bool) -> None:
    options: dict[str, Any] = {"raw_data_path": f"memory://f{secrets.token_hex(6)}/raw"} if remote else {}
    run = flyte.with_runcontext(mode="local", **options).run(folders, 6)
    assert run.outputs()[0] == [15, 15, 6]


# -- folders nested in structures and typed folders --------------------------------------------------


@dataclass
class Job:
    inputs: Dir
    outputs: list[Dir]


class Report(pydantic.BaseModel):
    folder: Dir
    by_name: dict[str, Dir]


@env.task
def describe(job: Job, report: Report, typed: CsvDir) -> list[str]:
    return [job.inputs.name, job.outputs[0].name, report.folder.name, report.by_name["k"].name, typed.format]


def test_folders_inside_dataclasses_models_and_typed(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    job = Job(Dir.from_local(a), [Dir.from_local(b)])
    report = Report(folder=Dir.from_local(a), by_name={"k": Dir.from_local(b)})
    assert run_local(describe, job, report, Dir.from_local(a)) == ["a", "b", "a", "b", "csv"]
    assert Report.model_validate_json(report.model_dump_json()) == report


@env.task
def wants_dir(d: Dir) -> str:
    return d.name


def test_a_file_is_not_a_dir(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"expected Dir, got File"):
        run_local(wants_dir, File(tmp_path / "x.txt"))
