"""DataFrames against a real S3 server (SeaweedFS): frames passed between tasks of a run whose
raw data is in S3, references read whole and in batches, csv, folders of parts, missing objects."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flyte
from flyte._internal.store.blob import get_store
from flyte.io import DataFrame, _frames
from tests.fixtures.seaweedfs import S3Server

env = flyte.TaskEnvironment(name="s3_frames")


@pytest.fixture(autouse=True)
def read_from_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every read goes to S3, as in a worker of another process, not to a frame this process wrote."""
    monkeypatch.setattr(_frames, "_unchanged_source", lambda uri: None)
    _frames.recent.clear()
    yield
    _frames.recent.clear()


def sample(rows: int) -> pd.DataFrame:
    return pd.DataFrame({"n": range(rows), "s": [f"r{i}" for i in range(rows)]})


def objects(server: S3Server, prefix: str) -> list[str]:
    uri = server.uri(prefix)
    return [o.uri for o in get_store(uri).list(uri + "/")]


@env.task
async def produce(rows: int) -> pd.DataFrame:
    return sample(rows)


@env.task
async def consume(df: pl.DataFrame) -> int:
    return int(df["n"].sum())


@env.task
async def reconsume(df: pd.DataFrame) -> int:
    return len(df)


@env.task
async def pipeline(rows: int) -> list[int]:
    df = await produce(rows)
    return [await reconsume(df), await consume(pl.from_pandas(df))]


def test_frames_between_tasks_are_stored_in_s3(s3_env: S3Server) -> None:
    prefix = f"runs-{secrets.token_hex(4)}"
    run = flyte.with_runcontext(mode="local", raw_data_path=s3_env.uri(prefix)).run(pipeline, 1000)
    assert run.outputs()[0] == [1000, sum(range(1000))]
    stored = [u for u in objects(s3_env, prefix) if u.endswith(".parquet")]
    # The frame read back and passed on is not stored again; its polars copy is a new frame.
    assert len(stored) == 2
    tables = [pq.read_table(pa.BufferReader(get_store(u).get(u))) for u in stored]
    assert all(t.num_rows == 1000 for t in tables)


@env.task
async def wrap(rows: int, fmt: str) -> DataFrame:
    return DataFrame.from_df(sample(rows), format=fmt)


@env.task
async def read_back(df: DataFrame) -> list[Any]:
    whole = await df.open(pa.Table).all()
    sizes = [len(b) async for b in df.open(pd.DataFrame).iter(batch_size=400)]
    return [df.uri, whole.num_rows, sizes]


@env.task
async def reference_round_trip(fmt: str) -> list[Any]:
    return await read_back(await wrap(1000, fmt))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_references_read_whole_and_in_batches(s3_env: S3Server, fmt: str) -> None:
    prefix = f"runs-{secrets.token_hex(4)}"
    run = flyte.with_runcontext(mode="local", raw_data_path=s3_env.uri(prefix)).run(reference_round_trip, fmt)
    uri, rows, sizes = run.outputs()[0]
    assert uri.startswith(s3_env.uri(prefix)) and uri.endswith(f".{fmt}")
    assert rows == 1000 and sizes == [400, 400, 200]


def test_existing_objects_and_folders_of_parts(s3_env: S3Server) -> None:
    folder = s3_env.uri(f"dataset-{secrets.token_hex(4)}")
    for i in range(3):
        uri = f"{folder}/part-{i}.parquet"
        with get_store(uri).open_write(uri) as out:
            pq.write_table(pa.Table.from_pandas(sample(100), preserve_index=False), out, row_group_size=30)
    get_store(folder).put(f"{folder}/_SUCCESS", b"")

    one = DataFrame.from_existing_remote(f"{folder}/part-1.parquet")
    assert len(one.open(pl.DataFrame).all()) == 100
    everything = DataFrame.from_existing_remote(folder)
    assert len(everything.open(pd.DataFrame).all()) == 300
    assert sum(b.num_rows for b in everything.open(pa.Table).iter(batch_size=50)) == 300


def test_a_missing_object_is_named(s3_env: S3Server) -> None:
    uri = s3_env.uri("no", "such.parquet")
    with pytest.raises(FileNotFoundError, match=f"no dataframe at '{uri}'"):
        DataFrame.from_existing_remote(uri).open(pd.DataFrame).all()
