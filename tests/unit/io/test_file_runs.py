"""File inside real local runs: the spec's examples verbatim, sync and async tasks, nesting in
dataclasses, pydantic models, lists and dicts, typed files, and remote raw-data prefixes."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pydantic
import pytest

import flyte
import flyte.errors
import flyte.io
from flyte.io import File
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="file_runs")

# A name for the typed form, since checkers read a string inside an annotation as a forward reference.
CsvFile = File["csv"]


def process_data(content: str) -> str:
    return content.upper()


# -- the spec's "Files and Directories" example, as printed --------------------------------------


@env.task
def process_file(input_file: flyte.io.File) -> flyte.io.File:
    # Read file content
    content = input_file.read()

    # Process content
    result = process_data(content)

    # Create output file
    return flyte.io.File.from_string(result, "output.txt")


@env.task
def upload_local():  # type: ignore[no-untyped-def]
    # Upload local file
    return flyte.io.File.from_local("./local_file.txt")


def test_spec_example_upload_local_stores_a_copy_in_the_run() -> None:
    Path("local_file.txt").write_text("spec content")
    f = run_local(upload_local)
    assert isinstance(f, File) and f.name == "local_file.txt"
    assert f.path != str(Path("local_file.txt").absolute()) and "/runs/" in f.path
    Path("local_file.txt").unlink()
    assert f.read() == "spec content"


def test_spec_example_process_file() -> None:
    Path("local_file.txt").write_text("spec content")
    out = run_local(process_file, File.from_local("local_file.txt"))
    assert out.name == "output.txt" and out.read() == "SPEC CONTENT"


# -- sync and async tasks handing files to each other --------------------------------------------


@env.task
def make_local(text: str) -> File:
    Path("made.txt").write_text(text)
    return File.from_local("made.txt")


@env.task
async def read_async(f: File) -> str:
    async with f.open("rb") as fh:
        head = await fh.read(3)
    return head.decode() + "|" + await f.read()


@env.task
async def async_pipeline(text: str) -> str:
    f = await File.from_string(text, "a.txt")
    g = await process_file(f)
    return await read_async(g) + "|" + await read_async(await make_local(text))


def test_sync_and_async_tasks_pass_files() -> None:
    assert run_local(async_pipeline, "abc") == "ABC|ABC|abc|abc"


@env.task
def write_streamed(n: int) -> File:
    f = File.new_remote("stream.bin")
    with f.open("wb") as fh:
        for i in range(n):
            fh.write(i.to_bytes(4, "big"))
    return f


@env.task
async def write_streamed_async(n: int) -> File:
    f = File.new_remote("stream.bin")
    async with f.open("wb") as fh:
        for i in range(n):
            await fh.write(i.to_bytes(4, "big"))
    return f


@env.task
def count_ints(f: File) -> int:
    with f.open() as fh:
        return sum(1 for _ in iter(lambda: fh.read(4), b""))


@env.task
async def stream_both(n: int) -> list[int]:
    return [await count_ints(await write_streamed(n)), await count_ints(await write_streamed_async(n))]


def test_streamed_files_between_tasks() -> None:
    assert run_local(stream_both, 500) == [500, 500]


@env.task
async def forgets_await() -> File:
    return File.from_string("x", "x.txt")  # type: ignore[return-value]


def test_a_coroutine_returned_as_a_file_is_explained() -> None:
    with pytest.raises(flyte.errors.RuntimeDataValidationError, match="await"):
        run_local(forgets_await)


# -- files nested in structures -------------------------------------------------------------------


@dataclass
class Bundle:
    label: str
    data: File
    extras: list[File]


class Model(pydantic.BaseModel):
    label: str
    data: File
    table: CsvFile | None = None


@env.task
def make_bundle(text: str) -> Bundle:
    return Bundle("b", File.from_string(text, "d.txt"), [File.from_string(text * 2, "e.txt")])


@env.task
def read_bundle(b: Bundle) -> str:
    return b.label + b.data.read() + "".join(f.read() for f in b.extras)


@env.task
def make_model(text: str) -> Model:
    return Model(label="m", data=File.from_string(text, "d.txt"), table=CsvFile.from_string("x\n", "t.csv"))


@env.task
async def read_model(m: Model) -> str:
    assert m.table is not None and m.table.format == "csv"
    return m.label + await m.data.read() + await m.table.read()


@env.task
def make_collections(text: str) -> dict[str, list[File]]:
    return {"k": [File.from_string(text, "1.txt"), File.from_string(text + "!", "2.txt")]}


@env.task
def read_collections(files: dict[str, list[File]]) -> list[str]:
    return [f.read() for f in files["k"]]


@env.task
async def structures(text: str) -> list[str]:
    return [
        await read_bundle(await make_bundle(text)),
        await read_model(await make_model(text)),
        *await read_collections(await make_collections(text)),
    ]


def test_files_inside_dataclasses_models_lists_and_dicts() -> None:
    assert run_local(structures, "z") == ["bzzz", "mzx\n", "z", "z!"]


def test_pydantic_validates_and_dumps_files() -> None:
    m = Model(label="x", data={"path": "/a/b.txt"}, table={"path": "/a/t.csv", "format": "csv"})  # type: ignore[arg-type]
    assert m.data == File("/a/b.txt") and type(m.table) is File["csv"]
    dumped = m.model_dump(mode="json")
    assert dumped["data"] == {"path": "/a/b.txt", "name": "b.txt", "format": "", "hash": None}
    assert Model.model_validate_json(m.model_dump_json()) == m
    assert Model.model_json_schema()["properties"]["data"]["type"] == "object"
    with pytest.raises(pydantic.ValidationError, match="expected 'csv'"):
        Model(label="x", data=File("/a"), table=File("/a/t.parquet", format="parquet"))
    with pytest.raises(pydantic.ValidationError, match="File"):
        Model(label="x", data=3)  # type: ignore[arg-type]


# -- typed files ----------------------------------------------------------------------------------


@env.task
def csv_out(text: str) -> CsvFile:
    return File.from_string(text, "t.csv")  # a plain File takes the declared format


@env.task
def csv_in(f: CsvFile) -> str:
    return f"{type(f).__name__}:{f.format}:{f.read()}"


@env.task
async def typed(text: str) -> str:
    f = await csv_out(text)
    assert f.format == "csv"
    return await csv_in(f)


def test_typed_files_keep_their_format_through_tasks() -> None:
    assert run_local(typed, "a,b") == "File[csv]:csv:a,b"


def test_a_file_of_another_format_is_refused_naming_it() -> None:
    with pytest.raises(flyte.errors.RuntimeDataValidationError, match=r"t\.parquet"):
        run_local(wrong_format_caller)


@env.task
async def wrong_format_caller() -> str:
    f = File("/data/t.parquet", format="parquet")
    return await csv_in(f)  # type: ignore[arg-type]


# -- data frames ----------------------------------------------------------------------------------


@env.task
def frame_files() -> list[File]:
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    return [
        flyte.io.File.from_dataframe(df, "processed_data.parquet"),
        File.from_dataframe(df, "out.csv"),
        File.from_dataframe(pl.DataFrame({"a": [1, 2]}), "p.parquet"),
        File.from_dataframe(pl.DataFrame({"a": [1, 2]}), "p.csv"),
        File.from_dataframe(pa.table({"a": [1, 2]}), "t.parquet"),
        File.from_dataframe(pa.table({"a": [1, 2]}), "t.csv"),
        File["csv"].from_dataframe(df, "typed"),
    ]


def test_from_dataframe_writes_parquet_or_csv() -> None:
    pq, csv, pl_pq, pl_csv, pa_pq, pa_csv, typed_csv = run_local(frame_files)
    assert pq.format == "parquet" and pd.read_parquet(pq).to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    assert csv.format == "csv" and pd.read_csv(csv).to_dict("list") == {"a": [1, 2], "b": ["x", "y"]}
    for f in (pl_pq, pa_pq):
        assert pd.read_parquet(f)["a"].tolist() == [1, 2]
    for f in (pl_csv, pa_csv, typed_csv):
        assert pd.read_csv(f)["a"].tolist() == [1, 2] and f.format == "csv"


def test_from_dataframe_refuses_other_values_and_mismatched_names() -> None:
    with pytest.raises(TypeError, match="pandas, polars or pyarrow"):
        File.from_dataframe([1, 2], "x.parquet")
    with pytest.raises(ValueError, match=r"x\.parquet"):
        File["csv"].from_dataframe(pd.DataFrame({"a": [1]}), "x.parquet")
    with pytest.raises(ValueError, match="json"):
        File["json"].from_dataframe(pd.DataFrame({"a": [1]}), "x.json")
    with pytest.raises(ValueError, match="plain file name"):
        File.from_dataframe(pd.DataFrame({"a": [1]}), "../x.csv")


# -- raw data in an object store ------------------------------------------------------------------


@env.task
def upload_and_describe(path: str) -> File:
    return File.from_local(path)


@env.task
async def remote_round_trip(path: str) -> list[str]:
    f = await upload_and_describe(path)
    g = await process_file(f)
    new = File.new_remote("n.txt")
    async with new.open("wb") as fh:
        await fh.write(b"new")
    return [f.path, g.path, new.path, await g.read(), await new.read(), Path(await g.download()).read_text()]


def test_remote_prefix_uploads_and_writes_under_it(tmp_path: Path) -> None:
    src = tmp_path / "src.txt"
    src.write_text("payload")
    prefix = f"memory://r{secrets.token_hex(6)}/raw"
    run = flyte.with_runcontext(mode="local", raw_data_path=prefix).run(remote_round_trip, str(src))
    uploaded, processed, new, text, new_text, downloaded = run.outputs()[0]
    for uri in (uploaded, processed, new):
        assert uri.startswith(prefix + "/")
    assert uploaded.endswith("/src.txt") and processed.endswith("/output.txt")
    assert (text, new_text, downloaded) == ("PAYLOAD", "new", "PAYLOAD")
    assert src.read_text() == "payload"  # the original is untouched


def test_local_prefix_copies_only_inside_a_task(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    src = tmp_path / "src" / "big.txt"
    src.write_text("x")
    assert File.from_local(src).path == str(src)  # outside a task the file is the user's own
    stored = run_local(upload_and_describe, str(src))
    assert stored.path != str(src) and Path(stored.path).read_text() == "x"
    assert os.listdir(tmp_path / "src") == ["big.txt"]
    data = Path(os.environ["FLYTE_HOME"])
    assert [p for p in data.rglob("big.txt")] == [Path(stored.path)]


@env.task
def store_twice(path: str) -> list[str]:
    first = File.from_local(path)
    return [first.path, File.from_local(first.path).path]


def test_a_file_already_in_the_run_store_is_not_copied_again(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("x")
    first, second = run_local(store_twice, str(src))
    assert first != str(src) and second == first


# -- cache keys -----------------------------------------------------------------------------------

_cached_calls: list[str] = []


@env.task(cache="auto")
def cached_read(f: File) -> str:
    _cached_calls.append(f.path)
    return f.read()


def test_same_path_hits_the_cache(tmp_path: Path) -> None:
    src = tmp_path / "c.txt"
    src.write_text("cached")
    _cached_calls.clear()
    first, second = run_local(cached_read, File.from_local(src)), run_local(cached_read, File.from_local(src))
    assert first == second == "cached"
    assert _cached_calls == [str(src)]


def test_same_hash_at_another_path_hits_the_cache(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("same content")
    _cached_calls.clear()
    run_local(cached_read, File.from_local(tmp_path / "a.txt", hash_method="content-v1"))
    run_local(cached_read, File.from_local(tmp_path / "b.txt", hash_method="content-v1"))
    assert len(_cached_calls) == 1
