"""flyte.io.DataFrame outside runs: storing and reading pandas, pyarrow and polars frames as
parquet or csv, in local folders and the memory:// store, whole or in batches, and bad input."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pydantic
import pytest

from flyte._internal.serde import TypeEngine, TypeTransformerFailedError
from flyte._internal.store.blob import get_store, local_path
from flyte.io import DataFrame, _frame_io, _frames

KINDS: dict[str, type[Any]] = {"pandas": pd.DataFrame, "pyarrow": pa.Table, "polars": pl.DataFrame}


@pytest.fixture(autouse=True)
def forget_recent() -> Iterator[None]:
    """Each test starts without knowledge of frames stored by earlier tests."""
    _frames.recent.clear()
    yield
    _frames.recent.clear()


def sample(rows: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {"n": list(range(rows)), "x": [i / 2 for i in range(rows)], "s": [f"r{i}" for i in range(rows)]}
    )


def as_kind(df: pd.DataFrame, kind: str) -> Any:
    if kind == "pandas":
        return df
    if kind == "pyarrow":
        return pa.Table.from_pandas(df, preserve_index=False)
    return pl.from_pandas(df)


def rows_of(frame: Any) -> list[tuple[Any, ...]]:
    """The rows of any kind of frame, ignoring a pandas range index."""
    if isinstance(frame, pd.DataFrame):
        frame = pa.Table.from_pandas(frame, preserve_index=False)
    if isinstance(frame, pl.DataFrame):
        frame = frame.to_arrow()
    columns = [c for c in frame.column_names if not c.startswith("__index_level")]
    return list(zip(*(frame.column(c).to_pylist() for c in columns), strict=True))


def memory_uri(name: str) -> str:
    return f"memory://frames-{secrets.token_hex(4)}/{name}"


def stored_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# -- storing and reading --------------------------------------------------------------------------


@pytest.mark.parametrize("writer", list(KINDS))
@pytest.mark.parametrize("reader", list(KINDS))
def test_any_kind_is_stored_as_parquet_and_read_as_any_kind(writer: str, reader: str) -> None:
    frame = as_kind(sample(), writer)
    literal = DataFrame.from_df(frame).to_literal()
    assert set(literal) == {"uri", "format", "hash"} and literal["format"] == "parquet"
    assert pq.read_table(literal["uri"]).num_rows == 5  # a real parquet file anyone can read
    _frames.recent.clear()  # read the file, as another process would

    back = DataFrame.from_literal(literal).open(KINDS[reader]).all()

    assert isinstance(back, KINDS[reader])
    assert rows_of(back) == rows_of(frame)


def test_new_objects_go_under_the_raw_data_prefix(isolated: Path) -> None:
    literal = DataFrame.from_df(sample()).to_literal()
    prefix = isolated / "flyte-home" / "data"
    assert Path(literal["uri"]).is_relative_to(prefix) and literal["uri"].endswith(".parquet")


def test_a_pandas_index_survives_and_a_range_index_is_not_stored() -> None:
    indexed = sample().set_index("s")
    back = DataFrame.from_existing_remote(DataFrame.from_df(indexed).to_literal()["uri"])
    _frames.recent.clear()
    pd.testing.assert_frame_equal(back.open(pd.DataFrame).all(), indexed)

    plain_uri = DataFrame.from_df(sample()).to_literal()["uri"]
    assert pq.read_schema(plain_uri).names == ["n", "x", "s"]


def test_csv_on_request() -> None:
    literal = DataFrame.from_df(sample(), format="csv").to_literal()
    assert literal["format"] == "csv" and literal["uri"].endswith(".csv")
    assert Path(literal["uri"]).read_text().splitlines()[0] == '"n","x","s"'

    df = DataFrame.from_existing_remote(literal["uri"], format="csv")
    assert rows_of(df.open(pl.DataFrame).all()) == rows_of(sample())
    batches = list(df.open(pd.DataFrame).iter(batch_size=2))
    assert [len(b) for b in batches] == [2, 2, 1]


def test_explicit_uris_absolute_and_relative_to_the_prefix(isolated: Path) -> None:
    target = isolated / "mine" / "table.parquet"
    assert DataFrame.from_df(sample(), uri=str(target)).to_literal()["uri"] == str(target)
    assert pq.read_table(target).num_rows == 5

    relative = DataFrame.from_df(sample(), uri="tables/t.parquet").to_literal()["uri"]
    assert Path(relative) == isolated / "flyte-home" / "data" / "tables" / "t.parquet"


def test_a_wrapped_frame_is_read_without_storing_it(isolated: Path) -> None:
    wrapped = DataFrame.wrap_df(as_kind(sample(), "polars"))
    assert wrapped.val is not None and wrapped.uri is None

    assert rows_of(wrapped.open(pd.DataFrame).all()) == rows_of(sample())
    assert wrapped.open(pl.DataFrame).all() is wrapped.val
    assert [len(b) for b in wrapped.open(pa.Table).iter(batch_size=4)] == [4, 1]
    assert not (isolated / "flyte-home" / "data").exists()


def test_the_memory_store_holds_frames() -> None:
    uri = memory_uri("t.parquet")
    literal = DataFrame.from_df(sample(), uri=uri).to_literal()
    assert literal["uri"] == uri and literal["format"] == "parquet"
    assert get_store(uri).get(uri)[:4] == b"PAR1"
    _frames.recent.clear()

    df = DataFrame.from_existing_remote(uri)
    assert rows_of(df.open(pa.Table).all()) == rows_of(sample())
    assert [len(b) for b in df.open(pl.DataFrame).iter(batch_size=3)] == [3, 2]


def test_a_folder_of_parts_reads_as_one_table(tmp_path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(sample(3), preserve_index=False), tmp_path / "part-0.parquet")
    pq.write_table(pa.Table.from_pandas(sample(2), preserve_index=False), tmp_path / "part-1.parquet")
    (tmp_path / "_SUCCESS").write_text("")

    df = DataFrame.from_existing_remote(str(tmp_path))
    assert len(df.open(pd.DataFrame).all()) == 5
    assert len(DataFrame.from_existing_remote(tmp_path.as_uri()).open(pa.Table).all()) == 5
    one = (tmp_path / "part-1.parquet").as_uri()
    assert len(DataFrame.from_existing_remote(one).open(pa.Table).all()) == 2
    assert sum(len(b) for b in df.open(pl.DataFrame).iter()) == 5

    prefix = memory_uri("parts")
    for i, part in enumerate([sample(3), sample(4)]):
        DataFrame.from_df(part, uri=f"{prefix}/part-{i}.parquet").to_literal()
    assert len(DataFrame.from_existing_remote(prefix).open(pa.Table).all()) == 7


def test_iter_streams_batches_without_reading_the_whole_file(monkeypatch: pytest.MonkeyPatch) -> None:
    table = pa.Table.from_pandas(sample(1000), preserve_index=False)
    uri = memory_uri("big.parquet")
    with get_store(uri).open_write(uri) as out:
        pq.write_table(table, out, row_group_size=100)

    def no_whole_reads(*args: Any) -> None:
        raise AssertionError("iter read the whole table")

    monkeypatch.setattr(_frame_io, "read", no_whole_reads)
    batches = DataFrame.from_existing_remote(uri).open(pa.Table).iter(batch_size=64)
    first = next(iter(batches))
    assert isinstance(first, pa.Table) and first.num_rows == 64
    assert first.num_rows + sum(b.num_rows for b in batches) == 1000
    batches.close()


# -- sync and async -------------------------------------------------------------------------------


async def test_all_and_iter_are_awaited_in_async_code() -> None:
    df = DataFrame.from_existing_remote(DataFrame.from_df(sample()).to_literal()["uri"])
    whole = await df.open(pd.DataFrame).all()
    assert isinstance(whole, pd.DataFrame) and len(whole) == 5
    assert isinstance(await df.all.aio(), pd.DataFrame)
    assert isinstance(df.all_sync(), pd.DataFrame)  # the SDK's blocking name, even here

    sizes = [len(b) async for b in await df.open(pl.DataFrame).iter(batch_size=2)]
    assert sizes == [2, 2, 1]


def test_all_is_a_plain_call_in_sync_code() -> None:
    df = DataFrame.from_existing_remote(DataFrame.from_df(sample()).to_literal()["uri"])
    assert isinstance(df.open(pa.Table).all(), pa.Table)


# -- what the process remembers -------------------------------------------------------------------


def read_forbidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(uri: str, fmt: str) -> Any:
        raise AssertionError(f"read {uri}")

    monkeypatch.setattr(_frames, "read", fail)


def test_a_frame_just_stored_is_read_back_from_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = sample()
    uri = DataFrame.from_df(frame).to_literal()["uri"]
    read_forbidden(monkeypatch)
    back = DataFrame.from_existing_remote(uri).open(pd.DataFrame).all()
    pd.testing.assert_frame_equal(back, frame)
    assert back is not frame


def test_a_frame_changed_in_place_is_read_from_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = sample()
    uri = DataFrame.from_df(frame).to_literal()["uri"]
    frame.loc[0, "n"] = 99
    back = DataFrame.from_existing_remote(uri).open(pd.DataFrame).all()
    assert back.loc[0, "n"] == 0


def test_an_unchanged_frame_is_stored_once_and_a_changed_one_again(isolated: Path) -> None:
    frame = sample()
    first = DataFrame.from_df(frame).to_literal()
    assert DataFrame.from_df(frame).to_literal() == first
    assert DataFrame.from_df(sample()).to_literal() == first  # equal bytes, another object
    frame.loc[0, "x"] = -1.0
    changed = DataFrame.from_df(frame).to_literal()
    assert changed != first
    assert len(stored_files(isolated / "flyte-home" / "data")) == 2


def test_a_frame_read_from_a_file_is_not_stored_again(isolated: Path) -> None:
    uri = DataFrame.from_df(sample()).to_literal()["uri"]
    _frames.recent.clear()
    back = DataFrame.from_existing_remote(uri).open(pd.DataFrame).all()
    assert DataFrame.from_df(back).to_literal()["uri"] == uri
    assert len(stored_files(isolated / "flyte-home" / "data")) == 1


def test_nested_columns_are_stored_every_time_and_categories_once(isolated: Path) -> None:
    nested = pa.table({"xs": [[1, 2], [3]], "kv": [{"k": 1}, {"k": 2}]})
    assert DataFrame.from_df(nested).to_literal() != DataFrame.from_df(nested).to_literal()
    categories = pd.DataFrame({"c": pd.Categorical(["a", "b", "a"])})
    first = DataFrame.from_df(categories).to_literal()
    assert DataFrame.from_df(categories).to_literal() == first
    _frames.recent.clear()
    back = DataFrame.from_literal(first).open(pd.DataFrame).all()
    pd.testing.assert_frame_equal(back, categories)


def test_a_deleted_object_is_not_reused() -> None:
    frame = sample()
    first = DataFrame.from_df(frame).to_literal()["uri"]
    local_path(first).unlink()
    second = DataFrame.from_df(frame).to_literal()["uri"]
    assert second != first and Path(second).exists()


# -- the type engine ------------------------------------------------------------------------------


def test_the_transformer_takes_dataframes_and_plain_frames() -> None:
    tf = TypeEngine.get_transformer(DataFrame)
    ref = DataFrame.from_existing_remote("s3://bucket/t.csv", format="csv")
    assert tf.to_literal(ref) == {"uri": "s3://bucket/t.csv", "format": "csv", "hash": None}
    assert tf.to_python_value({"uri": "s3://bucket/t.csv", "format": "csv"}) == ref
    literal = tf.to_literal(as_kind(sample(), "polars"))
    assert pq.read_table(literal["uri"]).num_rows == 5


def test_pydantic_models_hold_dataframes() -> None:
    class Holder(pydantic.BaseModel):
        table: DataFrame

    dumped = Holder(table=DataFrame.from_df(sample())).model_dump(mode="json")
    assert dumped["table"]["format"] == "parquet"
    restored = Holder.model_validate_json(pydantic.TypeAdapter(dict[str, Any]).dump_json(dumped))
    assert len(restored.table.open(pd.DataFrame).all()) == 5


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda: DataFrame.from_df(sample(), format="json"),
        lambda: DataFrame.from_existing_remote("s3://bucket/t.xlsx", format="xlsx"),
        lambda: DataFrame(uri="/data/t", format="orc"),
    ],
)
def test_a_wrong_format_is_named(make: Callable[[], Any]) -> None:
    with pytest.raises(ValueError, match=r"unsupported dataframe format '(json|xlsx|orc)'"):
        make()


def test_no_format_means_parquet_as_the_sdks_generic_format_does() -> None:
    assert DataFrame.from_existing_remote("s3://b/t", format=None).format == "parquet"
    assert DataFrame(uri="s3://b/t", format="").format == "parquet"


def test_a_literal_with_a_wrong_format_is_named() -> None:
    with pytest.raises(TypeTransformerFailedError, match="'avro' for 's3://b/t'"):
        DataFrame.from_literal({"uri": "s3://b/t", "format": "avro"})
    with pytest.raises(TypeTransformerFailedError, match="expected a dataframe literal"):
        DataFrame.from_literal({"path": "s3://b/t"})


def test_a_missing_uri_is_named(tmp_path: Path) -> None:
    for uri in (str(tmp_path / "absent.parquet"), memory_uri("absent.parquet")):
        df = DataFrame.from_existing_remote(uri)
        with pytest.raises(FileNotFoundError, match=f"no dataframe at '{uri}'"):
            df.open(pd.DataFrame).all()
        with pytest.raises(FileNotFoundError, match="no dataframe at"):
            next(iter(df.open(pd.DataFrame).iter()))


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    text = tmp_path / "notes.parquet"
    text.write_text("not a table")
    with pytest.raises(ValueError, match=f"cannot read '{text}' as parquet"):
        DataFrame.from_existing_remote(str(text)).open(pd.DataFrame).all()


def test_a_path_outside_the_prefix_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'\.\./escape\.parquet' points outside the raw-data prefix"):
        DataFrame.from_df(sample(), uri="../escape.parquet").to_literal()
    with pytest.raises(ValueError, match=r"'\.\.' segment"):
        DataFrame.from_df(sample(), uri="/data/../etc/t.parquet").to_literal()


def test_misuse_is_explained() -> None:
    with pytest.raises(TypeError, match="expects a pandas, pyarrow or polars frame, got dict"):
        DataFrame.from_df({"a": [1]})
    with pytest.raises(TypeError, match="got Series"):
        DataFrame.wrap_df(pd.Series([1, 2]))
    df = DataFrame.from_existing_remote("s3://bucket/t.parquet")
    with pytest.raises(ValueError, match=r"df\.open\(pd\.DataFrame\)\.all\(\)"):
        df.all()
    with pytest.raises(TypeError, match="int is not a supported frame type"):
        df.open(int)
    with pytest.raises(ValueError, match="cannot store this pandas frame as parquet"):
        DataFrame.from_df(pd.DataFrame({"mixed": [1, "a", b"b"]})).to_literal()
