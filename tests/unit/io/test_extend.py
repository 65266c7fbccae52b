"""flyte.io.extend: encoders and decoders of your own make a new frame type (or a new storage
format) work with flyte.io.DataFrame and as task inputs and outputs."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pandas as pd
import pytest

import flyte
from flyte._internal.store.blob import get_store, join
from flyte.io import DataFrame
from flyte.io import _frame_handlers as handlers
from flyte.io.extend import (
    DataFrameDecoder,
    DataFrameEncoder,
    DataFrameTransformerEngine,
    DuplicateHandlerError,
    StructuredDataset,
    StructuredDatasetMetadata,
    StructuredDatasetType,
)
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="extend")


class Rows:
    """A toy frame type: a list of records."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records


class RowsEncoder(DataFrameEncoder[Rows]):
    def __init__(self) -> None:
        super().__init__(Rows, None, "jsonl")

    async def encode(self, dataframe: DataFrame, structured_dataset_type: StructuredDatasetType) -> StructuredDataset:
        assert dataframe.uri is not None
        target = join(dataframe.uri, "rows.jsonl")
        text = "".join(json.dumps(r) + "\n" for r in dataframe.val.records)
        get_store(target).put(target, text.encode())
        structured_dataset_type.format = "jsonl"
        return StructuredDataset(dataframe.uri, StructuredDatasetMetadata(structured_dataset_type))


def _read_records(uri: str) -> list[dict[str, Any]]:
    target = join(uri, "rows.jsonl")
    return [json.loads(line) for line in get_store(target).get(target).decode().splitlines()]


class RowsDecoder(DataFrameDecoder[Rows]):
    def __init__(self) -> None:
        super().__init__(Rows, None, "jsonl")

    async def decode(self, flyte_value: StructuredDataset, current_task_metadata: StructuredDatasetMetadata) -> Rows:
        records = _read_records(flyte_value.uri)
        wanted = [c.name for c in current_task_metadata.structured_dataset_type.columns]
        if wanted:
            records = [{k: r[k] for k in wanted} for r in records]
        return Rows(records)


class PandasFromRows(DataFrameDecoder[pd.DataFrame]):
    """Reads the jsonl format into pandas, in batches of one row."""

    def __init__(self) -> None:
        super().__init__(pd.DataFrame, "file://", "jsonl", additional_protocols=["memory://"])

    async def decode(
        self, flyte_value: StructuredDataset, current_task_metadata: StructuredDatasetMetadata
    ) -> AsyncIterator[pd.DataFrame]:
        async def batches() -> AsyncIterator[pd.DataFrame]:
            for record in _read_records(flyte_value.uri):
                yield pd.DataFrame([record])

        return batches()


@pytest.fixture(autouse=True)
def registry() -> Iterator[None]:
    saved = [copy.copy(t) for t in (handlers.ENCODERS, handlers.DECODERS)]
    saved_defaults = dict(handlers.DEFAULT_FORMATS)
    DataFrameTransformerEngine.register(RowsEncoder(), default_format_for_type=True)
    DataFrameTransformerEngine.register(RowsDecoder())
    DataFrameTransformerEngine.register(PandasFromRows())
    yield
    for table, old in zip((handlers.ENCODERS, handlers.DECODERS), saved, strict=True):
        table.clear()
        table.update(old)
    handlers.DEFAULT_FORMATS.clear()
    handlers.DEFAULT_FORMATS.update(saved_defaults)


def test_handler_constructor_params_match_the_sdk() -> None:
    h = PandasFromRows()
    assert (h.python_type, h.protocol, h.supported_format) == (pd.DataFrame, "file", "jsonl")
    assert h.additional_protocols == ["memory"]
    assert RowsEncoder().protocol is None
    assert DataFrameTransformerEngine.get_decoder(pd.DataFrame, "memory", "jsonl") is not None
    assert isinstance(DataFrameTransformerEngine.get_encoder(Rows, "s3", "jsonl"), RowsEncoder)
    with pytest.raises(ValueError, match="no decoder"):
        DataFrameTransformerEngine.get_decoder(pd.DataFrame, "s3", "jsonl")


def test_registering_twice_needs_override() -> None:
    with pytest.raises(DuplicateHandlerError):
        DataFrameTransformerEngine.register(RowsDecoder())
    DataFrameTransformerEngine.register(RowsDecoder(), override=True)
    with pytest.raises(TypeError, match="DataFrameEncoder or DataFrameDecoder"):
        DataFrameTransformerEngine.register(object())  # type: ignore[arg-type]


def test_wrap_df_and_open_outside_a_run() -> None:
    df = DataFrame.wrap_df(Rows([{"a": 1}, {"a": 2}]))
    literal = df.to_literal()
    assert literal["format"] == "jsonl"
    stored = DataFrame.from_literal(literal)
    assert stored.open(Rows).all().records == [{"a": 1}, {"a": 2}]
    batches = list(stored.open(pd.DataFrame).iter())
    assert [int(b["a"].iloc[0]) for b in batches] == [1, 2]


@env.task
def make_rows(n: int) -> Rows:
    return Rows([{"i": i, "sq": i * i} for i in range(n)])


@env.task
def count_rows(rows: Rows) -> int:
    return sum(r["sq"] for r in rows.records)


@env.task
def as_dataframe(df: DataFrame) -> int:
    return len(df.open(Rows).all().records)


@env.task
def wrap_rows() -> DataFrame:
    return DataFrame.wrap_df(Rows([{"k": "v"}]))


def test_a_custom_frame_type_round_trips_through_runs() -> None:
    rows = run_local(make_rows, 4)
    assert isinstance(rows, Rows) and rows.records[3] == {"i": 3, "sq": 9}
    assert run_local(count_rows, rows) == 14
    assert run_local(as_dataframe, DataFrame.wrap_df(rows)) == 4
    wrapped = run_local(wrap_rows)
    assert wrapped.format == "jsonl" and wrapped.open(Rows).all().records == [{"k": "v"}]


@env.task
def pandas_total(frame: pd.DataFrame) -> int:
    return int(frame["i"].sum())


@env.task
def parquet_total(df: DataFrame) -> int:
    return int(df.open(pd.DataFrame).all()["i"].sum())


def test_a_new_format_for_pandas_and_parquet_still_built_in() -> None:
    stored = DataFrame.from_literal(DataFrame.wrap_df(Rows([{"i": 1}, {"i": 2}, {"i": 5}])).to_literal())
    assert stored.format == "jsonl"
    # A task taking a plain pandas frame reads the jsonl table with the registered decoder.
    assert run_local(pandas_total, stored) == 8
    assert stored.open(pd.DataFrame).all()["i"].tolist() == [1, 2, 5]
    # Parquet tables are still read by flyte itself, although a pandas decoder is registered.
    assert run_local(parquet_total, DataFrame.wrap_df(pd.DataFrame({"i": [3, 4]}))) == 7
