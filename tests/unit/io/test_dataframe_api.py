"""DataFrame's remaining SDK surface: from_local (+ from_local_sync) with columns and a hash,
columns()/column_names(), metadata, literal/set_literal, lazy_uploader."""

from __future__ import annotations

from collections import OrderedDict

import pandas as pd
import pyarrow as pa
import pytest

import flyte
from flyte.io import DataFrame
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="dataframe_api")


def frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})


def test_from_local_keeps_columns_as_metadata() -> None:
    df = DataFrame.from_local(frame(), columns=OrderedDict(a=int, b=str))
    assert df.columns() == {"a": int, "b": str} and df.column_names() == ["a", "b"]
    assert df.metadata is not None
    assert [c.name for c in df.metadata.structured_dataset_type.columns] == ["a", "b"]
    assert df.metadata.structured_dataset_type.format == "parquet"
    assert df.val is not None and df.uri is None
    # On the class, as in the Flyte SDK: no declared columns.
    assert DataFrame.columns() == {} and DataFrame.column_names() == []
    assert DataFrame.from_existing_remote("s3://b/x").metadata is None


def test_from_local_sync_and_the_remote_destination(tmp_path: object) -> None:
    df = DataFrame.from_local_sync(frame(), remote_destination="tables/out.parquet")
    assert df.uri == "tables/out.parquet"
    assert df.literal is None
    df.set_literal()
    assert df.literal is not None and df.literal.uri.endswith("tables/out.parquet")
    assert df.literal.metadata.structured_dataset_type.format == "parquet"
    assert DataFrame.from_existing_remote(df.literal.uri).open(pd.DataFrame).all().equals(frame())


@env.task
async def make_async() -> DataFrame:
    return await DataFrame.from_local(frame(), hash_method="fixed-hash")


@env.task
def make_sync() -> DataFrame:
    return DataFrame.from_local(frame(), columns={"a": int})


@env.task
def total(df: DataFrame) -> int:
    return int(df.open(pd.DataFrame).all()["a"].sum())


def test_from_local_in_tasks_round_trips() -> None:
    out = run_local(make_async)
    assert out.hash == "fixed-hash" and out.uri is not None
    assert run_local(total, out) == 6
    assert run_local(total, run_local(make_sync)) == 6


def test_a_lazy_uploader_replaces_the_dataframe_when_passed_on() -> None:
    df = DataFrame.from_existing_remote("/nowhere/missing.parquet")

    async def uploader() -> pa.Table:
        return pa.table({"a": [10, 20]})

    df.lazy_uploader = uploader
    assert df.lazy_uploader is uploader
    assert run_local(total, df) == 30


def test_model_dump_of_a_wrapped_frame_stores_it() -> None:
    df = DataFrame.wrap_df(frame())
    dumped = df.model_dump()
    assert set(dumped) == {"uri", "format", "hash"} and dumped["uri"]
    again = DataFrame.model_validate(dumped).open(pd.DataFrame).all()
    assert again.equals(frame())


def test_set_literal_is_awaitable() -> None:
    import asyncio

    async def go() -> str:
        df = DataFrame.wrap_df(frame())
        await df.set_literal()
        assert df.literal is not None
        return df.literal.uri

    assert asyncio.run(go())
    with pytest.raises(ValueError, match="neither a URI nor a frame"):
        DataFrame().set_literal()
