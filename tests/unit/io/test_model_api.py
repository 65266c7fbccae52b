"""File, Dir and DataFrame offer the pydantic model API the Flyte SDK's users call, without being
pydantic models: model_validate(_json), model_dump(_json), model_copy, model_json_schema,
model_fields; and they still work as fields of real pydantic models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pydantic
import pytest

import flyte
from flyte.io import DataFrame, Dir, File
from tests.unit.engine.helpers import run_local

env = flyte.TaskEnvironment(name="model_api")


def test_file_dump_has_the_sdk_keys_in_both_modes() -> None:
    f = File("s3://b/k/a.csv")
    expected = {"path": "s3://b/k/a.csv", "name": "a.csv", "format": "", "hash": None}
    assert f.model_dump() == expected
    assert f.model_dump(mode="json") == expected
    assert f.model_dump_json() == '{"path":"s3://b/k/a.csv","name":"a.csv","format":"","hash":null}'
    assert f.model_dump(exclude_none=True) == {"path": "s3://b/k/a.csv", "name": "a.csv", "format": ""}
    assert f.model_dump(include={"path"}) == {"path": "s3://b/k/a.csv"}


def test_file_validate_fills_the_name_and_round_trips_json() -> None:
    f = File.model_validate({"path": "/a/b.txt"})
    assert isinstance(f, File) and f.name == "b.txt" and f.hash is None
    g = File.model_validate_json('{"path": "/a/b.txt", "hash": "h"}')
    assert g.hash == "h"
    assert File.model_validate_json(g.model_dump_json()) == g
    assert File.model_validate(g) is g


def test_validate_refuses_what_is_not_a_file_with_a_value_error() -> None:
    with pytest.raises(ValueError, match="expected File"):
        File.model_validate(42)
    with pytest.raises(ValueError, match="path"):
        File.model_validate({"name": "x"})
    with pytest.raises(ValueError, match="invalid JSON"):
        File.model_validate_json("{nope")
    with pytest.raises(ValueError, match="expected 'csv'"):
        File["csv"].model_validate({"path": "/a.json", "format": "json"})


def test_typed_file_validates_a_plain_file_into_its_format() -> None:
    typed = File["csv"].model_validate(File("/d/a.csv"))
    assert type(typed) is File["csv"] and typed.format == "csv"


def test_model_copy_replaces_fields_and_keeps_the_rest() -> None:
    f = File("/d/a.csv", hash="h1")
    g = f.model_copy(update={"name": "renamed.csv"})
    assert (g.path, g.name, g.hash) == ("/d/a.csv", "renamed.csv", "h1")
    assert f.name == "a.csv"
    with pytest.raises(ValueError, match="unknown field 'nope'"):
        f.model_copy(update={"nope": 1})


def test_json_schema_matches_the_sdks_shape() -> None:
    schema = File.model_json_schema()
    assert schema["title"] == "File" and schema["type"] == "object"
    assert schema["required"] == ["path"] and schema["x-flyte-type"] == "file"
    assert list(schema["properties"]) == ["path", "name", "format", "hash"]
    assert schema["properties"]["name"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert Dir.model_json_schema()["x-flyte-type"] == "dir"
    frame = DataFrame.model_json_schema()
    assert frame["x-flyte-type"] == "dataframe" and "required" not in frame
    assert File.schema_match(schema) and not Dir.schema_match({"title": "File", "type": "object"})


def test_model_fields_are_pydantic_field_infos() -> None:
    fields = File.model_fields
    assert list(fields) == ["path", "name", "format", "hash"]
    assert isinstance(fields["path"], pydantic.fields.FieldInfo) and fields["path"].is_required()
    assert fields["format"].default == ""
    assert list(Dir("/x").model_fields) == list(fields)
    assert list(DataFrame.model_fields) == ["uri", "format", "hash"]


def test_dir_dump_and_validate() -> None:
    d = Dir("s3://b/k/")
    assert d.model_dump() == {"path": "s3://b/k/", "name": "k", "format": "", "hash": None}
    assert Dir.model_validate(d.model_dump()) == d


def test_dataframe_dump_validate_and_copy() -> None:
    df = DataFrame.from_existing_remote("s3://b/x.parquet", format="parquet")
    assert df.model_dump() == {"uri": "s3://b/x.parquet", "format": "parquet", "hash": None}
    back = DataFrame.model_validate_json(df.model_dump_json())
    assert back == df
    assert df.model_copy(update={"hash": "h"}).hash == "h"
    assert df.serialize_dataframe() == {"uri": "s3://b/x.parquet", "format": "parquet"}
    with pytest.raises(ValueError, match="unsupported dataframe format"):
        DataFrame.model_validate({"uri": "s3://b/x", "format": "nope"})


def test_importing_flyte_io_still_loads_no_pydantic() -> None:
    code = "import flyte.io, sys; flyte.io.File('/x').model_dump(); assert 'pydantic' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


class Holder(pydantic.BaseModel):
    file: File
    folder: Dir


@env.task
def dump_in_task(f: File) -> str:
    return f.model_dump_json()


@env.task
def rebuild(text: str) -> Holder:
    f = File.model_validate_json(text)
    return Holder(file=f, folder=Dir.model_validate({"path": str(Path(f.path).parent)}))


def test_dump_and_validate_inside_a_local_run(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("hi")
    text = run_local(dump_in_task, File(str(src)))
    assert json.loads(text)["name"] == "a.txt"
    holder = run_local(rebuild, text)
    assert holder.file.read() == "hi" and holder.folder.path == str(tmp_path)


def test_the_rest_of_the_pydantic_surface() -> None:
    f = File("s3://b/a.csv")
    assert f.model_fields_set == {"path", "name"}
    assert File.model_config["json_schema_extra"]["x-flyte-type"] == "file"
    assert File.model_computed_fields == {} and f.model_extra is None
    assert File.model_validate_strings({"path": "x"}).name == "x"
    assert File.model_construct(path="/a/b.txt").name == "b.txt"
    f.model_post_init(None)


class WithDataFrame(pydantic.BaseModel):
    table: DataFrame


def test_still_usable_as_pydantic_fields() -> None:
    holder = Holder(file={"path": "/d/a.txt"}, folder=Dir("/d"))  # type: ignore[arg-type]
    assert holder.file == File("/d/a.txt")
    assert holder.model_dump()["file"] == File("/d/a.txt").model_dump()
    frame = WithDataFrame(table=DataFrame.from_existing_remote("s3://b/t"))
    assert frame.model_dump()["table"]["uri"] == "s3://b/t"
