"""Frames in real local runs: plain pandas, pyarrow and polars inputs and outputs, frames in
dataclasses and lists, flyte.io.DataFrame references, copies that stay independent, and raw
data in the memory:// store."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flyte
import flyte.errors
from flyte._internal.store.blob import get_store
from flyte.io import DataFrame, _frames
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="frame_runs")


@pytest.fixture(autouse=True)
def forget_recent() -> Iterator[None]:
    _frames.recent.clear()
    yield
    _frames.recent.clear()


def sample(rows: int = 4) -> pd.DataFrame:
    return pd.DataFrame({"n": list(range(rows)), "s": [f"r{i}" for i in range(rows)]})


def parquet_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.parquet"))


# -- plain frames between tasks -------------------------------------------------------------------


@env.task
async def make_pandas(rows: int) -> pd.DataFrame:
    return sample(rows)


@env.task
async def make_arrow(rows: int) -> pa.Table:
    return pa.Table.from_pandas(sample(rows), preserve_index=False)


@env.task
async def make_polars(rows: int) -> pl.DataFrame:
    return pl.from_pandas(sample(rows))


@env.task
async def total_pandas(df: pd.DataFrame) -> int:
    return int(df["n"].sum())


@env.task
async def total_arrow(table: pa.Table) -> int:
    return sum(table.column("n").to_pylist())


@env.task
async def total_polars(df: pl.DataFrame) -> int:
    return int(df["n"].sum())


@env.task
async def pipeline(rows: int) -> list[int]:
    df = await make_pandas(rows)
    table = await make_arrow(rows)
    frame = await make_polars(rows)
    assert isinstance(df, pd.DataFrame) and isinstance(table, pa.Table) and isinstance(frame, pl.DataFrame)
    return [await total_pandas(df), await total_arrow(table), await total_polars(frame)]


def test_plain_frames_pass_between_tasks_as_parquet(isolated: Path) -> None:
    assert run_local(pipeline, 5) == [10, 10, 10]
    files = parquet_files(isolated / "flyte-home" / "runs")
    assert len(files) == 3  # one per frame: passing one on stores nothing new
    assert sorted(pq.read_table(f).num_rows for f in files) == [5, 5, 5]


@pytest.mark.parametrize(
    ("task", "kind"), [(make_pandas, pd.DataFrame), (make_arrow, pa.Table), (make_polars, pl.DataFrame)]
)
def test_a_run_returns_the_kind_of_frame_its_task_returned(task: Any, kind: type[Any]) -> None:
    out = run_local(task, 3)
    assert isinstance(out, kind) and len(out) == 3


@env.task
def sync_make(rows: int) -> pd.DataFrame:
    return sample(rows)


@env.task
def total_polars_sync(df: pl.DataFrame) -> int:
    return int(df["n"].sum())


@env.task
def hands_pandas_to_polars(rows: int) -> int:
    return total_polars_sync(sync_make(rows))  # type: ignore[arg-type]


def test_a_frame_of_another_library_is_refused() -> None:
    with pytest.raises(flyte.errors.RuntimeUserError, match="expected polars DataFrame, got DataFrame"):
        run_local(hands_pandas_to_polars, 4)


@env.task
def sync_chain(rows: int) -> int:
    df = sync_make(rows)
    return total_arrow_sync(pa.Table.from_pandas(df, preserve_index=False))


@env.task
def total_arrow_sync(table: pa.Table) -> int:
    return sum(table.column("n").to_pylist())


def test_sync_tasks_pass_frames_too() -> None:
    assert run_local(sync_chain, 4) == 6


# -- copies stay independent ----------------------------------------------------------------------


@env.task
async def scribble(df: pd.DataFrame) -> int:
    df.loc[0, "n"] = 1000
    return int(df["n"].sum())


@env.task
async def caller_keeps_its_frame() -> list[int]:
    df = sample()
    seen = await scribble(df)
    return [seen, int(df["n"].sum())]


def test_a_child_changing_its_input_does_not_change_the_callers_frame() -> None:
    assert run_local(caller_keeps_its_frame) == [1006, 6]


@env.task
async def changed_then_passed() -> int:
    df = await make_pandas(4)
    df.loc[0, "n"] = 100
    return await total_pandas(df)


def test_a_frame_changed_after_it_was_received_is_passed_as_changed(isolated: Path) -> None:
    assert run_local(changed_then_passed) == 106
    assert len(parquet_files(isolated / "flyte-home" / "runs")) == 2


# -- frames inside other values -------------------------------------------------------------------


@dataclass
class Report:
    title: str
    table: pd.DataFrame
    extra: Optional[pl.DataFrame] = None


@env.task
async def build_report(rows: int) -> Report:
    return Report("r", sample(rows), pl.from_pandas(sample(2)))


@env.task
async def many(rows: int) -> list[pa.Table]:
    return [pa.Table.from_pandas(sample(r), preserve_index=False) for r in range(1, rows + 1)]


@env.task
async def read_report(report: Report, tables: list[pa.Table], named: dict[str, pd.DataFrame]) -> list[int]:
    assert report.extra is not None
    return [len(report.table), len(report.extra), sum(t.num_rows for t in tables), len(named["a"])]


@env.task
async def nested() -> list[int]:
    report = await build_report(3)
    assert isinstance(report.table, pd.DataFrame)
    return await read_report(report, await many(3), {"a": sample(7)})


def test_frames_inside_dataclasses_lists_and_dicts() -> None:
    assert run_local(nested) == [3, 2, 6, 7]


@dataclass
class Catalog:
    tables: list[DataFrame]
    default: Optional[DataFrame] = None


@env.task
async def catalog(rows: int) -> Catalog:
    return Catalog([DataFrame.from_df(sample(r)) for r in range(1, rows + 1)])


@env.task
async def catalog_sizes(c: Catalog) -> list[int]:
    assert c.default is None
    return [len(await t.open(pl.DataFrame).all()) for t in c.tables]


@env.task
async def use_catalog() -> list[int]:
    return await catalog_sizes(await catalog(3))


def test_references_inside_dataclasses_and_lists() -> None:
    assert run_local(use_catalog) == [1, 2, 3]


# -- flyte.io.DataFrame references ----------------------------------------------------------------


@env.task
async def wrap(rows: int) -> DataFrame:
    return DataFrame.from_df(pl.from_pandas(sample(rows)))


@env.task
async def read_ref(df: DataFrame) -> list[Any]:
    whole = await df.open(pd.DataFrame).all()
    sizes = [len(b) async for b in df.open(pa.Table).iter(batch_size=2)]
    return [df.format, len(whole), sizes]


@env.task
async def refs() -> list[Any]:
    ref = await wrap(5)
    assert ref.uri is not None and ref.val is None
    as_plain = await total_pandas(ref)  # a reference where a plain frame is declared
    from_plain = await read_ref(sample(3))  # a plain frame where a reference is declared
    return [await read_ref(ref), as_plain, from_plain]


def test_references_and_plain_frames_interchange() -> None:
    assert run_local(refs) == [["parquet", 5, [2, 2, 1]], 10, ["parquet", 3, [2, 1]]]


@env.task
def sync_read_ref(df: DataFrame) -> int:
    return len(df.open(pl.DataFrame).all()) + sum(len(b) for b in df.open(pd.DataFrame).iter())


def test_a_sync_task_reads_a_reference_with_plain_calls() -> None:
    uri = DataFrame.from_df(sample(6)).to_literal()["uri"]
    assert run_local(sync_read_ref, DataFrame.from_existing_remote(uri)) == 12


@env.task
async def wrap_csv() -> DataFrame:
    return DataFrame.from_df(sample(), format="csv")


def test_a_csv_reference_comes_back_as_csv() -> None:
    out = run_local(wrap_csv)
    assert out.format == "csv" and out.uri.endswith(".csv")
    assert len(out.open(pd.DataFrame).all()) == 4


# -- cache keys -----------------------------------------------------------------------------------

_cached_calls: list[int] = []


@env.task(cache="auto")
async def cached_total(df: pd.DataFrame, ref: DataFrame) -> int:
    _cached_calls.append(len(df))
    return int(df["n"].sum()) + len(await ref.open(pa.Table).all())


def test_an_equal_frame_in_another_run_hits_the_cache() -> None:
    _cached_calls.clear()
    assert run_local(cached_total, sample(3), DataFrame.from_df(sample(2))) == 5
    assert run_local(cached_total, sample(3), DataFrame.from_df(sample(2))) == 5
    assert _cached_calls == [3]
    assert run_local(cached_total, sample(4), DataFrame.from_df(sample(2))) == 8
    assert run_local(cached_total, sample(3), DataFrame.from_df(sample(5))) == 8
    assert _cached_calls == [3, 4, 3]


# -- bad values and other stores ------------------------------------------------------------------


@env.task
async def not_a_frame() -> pd.DataFrame:
    return {"n": [1]}  # type: ignore[return-value]


def test_a_value_that_is_no_frame_is_refused() -> None:
    with pytest.raises(flyte.errors.RuntimeDataValidationError, match="expected pandas DataFrame, got dict"):
        run_local(not_a_frame)


@env.task
async def make_and_total(rows: int) -> int:
    return await total_polars(await make_polars(rows))


def test_raw_data_in_the_memory_store() -> None:
    prefix = f"memory://frames-{secrets.token_hex(4)}/runs"
    runner = flyte.with_runcontext(mode="local", raw_data_path=prefix)
    assert runner.run(make_and_total, 4).outputs()[0] == 6
    stored = [o.uri for o in get_store(prefix).list(prefix + "/") if o.uri.endswith(".parquet")]
    assert len(stored) == 1 and get_store(prefix).get(stored[0])[:4] == b"PAR1"


def test_a_root_tasks_frames_go_under_the_runs_raw_data_path() -> None:
    prefix = f"memory://frames-{secrets.token_hex(4)}/runs"
    flyte.with_runcontext(mode="local", raw_data_path=prefix).run(make_polars, 2)
    assert list(get_store(prefix).list(prefix + "/"))
