"""``flyte run FILE TASK --input value``: every supported input type, defaults and bad values."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flyte as flyte_api
from tests.unit.cli.run_helpers import FakeRunAPI, flyte, forget_modules, write

WORKFLOW = """
    from __future__ import annotations

    import datetime
    import enum
    from dataclasses import dataclass, field
    from typing import Literal, Optional

    import pydantic

    import flyte

    env = flyte.TaskEnvironment(name="params")


    class Color(enum.Enum):
        RED = "red"
        GREEN = "green"


    class Level(enum.Enum):
        LOW = 1
        HIGH = 2


    @dataclass
    class Inner:
        tags: list[str]
        when: Optional[datetime.date] = None


    @dataclass
    class Outer:
        name: str
        inner: Inner
        scores: dict[str, float] = field(default_factory=dict)


    class Address(pydantic.BaseModel):
        city: str
        zip_code: int


    class Person(pydantic.BaseModel):
        name: str
        address: Address


    @env.task
    def scalars(count: int, ratio: float, label: str, my_flag: bool = False) -> str:
        return "ok"


    @env.task
    def defaults(count: int = 3, label: str = "world", on: bool = True, color: Color = Color.GREEN) -> str:
        return "ok"


    @env.task
    def times(at: datetime.datetime, day: datetime.date, wait: datetime.timedelta) -> str:
        return "ok"


    @env.task
    def enums(color: Color, level: Level, mode: Literal["fast", "slow"] = "fast") -> str:
        return "ok"


    @env.task
    def collections(
        nums: list[int], table: dict[str, list[float]], pair: tuple[int, str], ids: dict[int, str]
    ) -> str:
        return "ok"


    @env.task
    def records(outer: Outer, person: Person) -> str:
        return "ok"


    @env.task
    def optionals(limit: Optional[int] = None, name: str | None = None, flag: Optional[bool] = None) -> str:
        return "ok"


    @env.task
    def required_flag(flag: bool) -> str:
        return "ok"
"""


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeRunAPI]:
    """The run API replaced by a recorder; the workflow file written to the working folder."""
    before_path, before_modules = list(sys.path), set(sys.modules)
    write(Path("wf.py"), WORKFLOW)
    fake = FakeRunAPI()
    monkeypatch.setattr(flyte_api, "with_runcontext", fake.with_runcontext)
    yield fake
    forget_modules(before_path, before_modules)


def _inputs(api: FakeRunAPI, *args: str) -> dict[str, Any]:
    result = flyte("run", "wf.py", *args)
    assert result.exit_code == 0, result.output
    assert api.inputs is not None
    return api.inputs


def _bad(*args: str) -> str:
    """The one-line error of an invocation that must fail with exit code 1."""
    result = flyte("run", "wf.py", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    return result.stderr.strip()


def test_scalars_parse_to_their_types(api: FakeRunAPI) -> None:
    inputs = _inputs(api, "scalars", "--count", "7", "--ratio", "0.25", "--label", "hi there")
    assert inputs == {"count": 7, "ratio": 0.25, "label": "hi there", "my_flag": False}
    assert type(inputs["count"]) is int


def test_underscore_and_dash_spellings_are_both_accepted(api: FakeRunAPI) -> None:
    common = ["scalars", "--count", "1", "--ratio", "1", "--label", "x"]
    assert _inputs(api, *common, "--my_flag")["my_flag"] is True
    assert _inputs(api, *common, "--my-flag")["my_flag"] is True
    assert _inputs(api, *common, "--no-my-flag")["my_flag"] is False


def test_defaults_apply_when_options_are_omitted(api: FakeRunAPI) -> None:
    inputs = _inputs(api, "defaults")
    assert inputs["count"] == 3
    assert inputs["label"] == "world"
    assert inputs["on"] is True
    assert inputs["color"].name == "GREEN"
    assert _inputs(api, "defaults", "--no-on", "--count", "5")["on"] is False


def test_dates_times_and_durations(api: FakeRunAPI) -> None:
    inputs = _inputs(api, "times", "--at", "2024-05-01T12:30:00Z", "--day", "2024-05-02", "--wait", "1h30m")
    assert inputs["at"] == dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
    assert inputs["day"] == dt.date(2024, 5, 2)
    assert inputs["wait"] == dt.timedelta(hours=1, minutes=30)
    seconds = _inputs(api, "times", "--at", "2024-05-01", "--day", "2024-05-02", "--wait", "90.5")
    assert seconds["wait"] == dt.timedelta(seconds=90.5)
    assert seconds["at"] == dt.datetime(2024, 5, 1)


@pytest.mark.parametrize(("color", "level"), [("RED", "HIGH"), ("red", "2")])
def test_enums_by_name_or_value(api: FakeRunAPI, color: str, level: str) -> None:
    inputs = _inputs(api, "enums", "--color", color, "--level", level)
    assert (inputs["color"].name, inputs["level"].name) == ("RED", "HIGH")
    assert inputs["mode"] == "fast"


def test_literal_takes_one_of_its_values(api: FakeRunAPI) -> None:
    assert _inputs(api, "enums", "--color", "RED", "--level", "LOW", "--mode", "slow")["mode"] == "slow"
    assert "Invalid value for '--mode'" in _bad("enums", "--color", "RED", "--level", "LOW", "--mode", "x")


def test_collections_from_json(api: FakeRunAPI) -> None:
    inputs = _inputs(
        api,
        "collections",
        "--nums",
        "[1, 2, 3]",
        "--table",
        '{"a": [1, 2.5]}',
        "--pair",
        '[4, "four"]',
        "--ids",
        '{"1": "one"}',
    )
    assert inputs["nums"] == [1, 2, 3]
    assert inputs["table"] == {"a": [1.0, 2.5]}
    assert inputs["pair"] == (4, "four")
    assert inputs["ids"] == {1: "one"}


def test_dataclasses_and_pydantic_models_are_built_nested(api: FakeRunAPI) -> None:
    inputs = _inputs(
        api,
        "records",
        "--outer",
        '{"name": "n", "inner": {"tags": ["a"], "when": "2024-01-02"}, "scores": {"x": 1}}',
        "--person",
        '{"name": "Ada", "address": {"city": "London", "zip_code": 1}}',
    )
    outer, person = inputs["outer"], inputs["person"]
    assert type(outer).__name__ == "Outer" and type(outer.inner).__name__ == "Inner"
    assert outer.inner.tags == ["a"] and outer.inner.when == dt.date(2024, 1, 2)
    assert outer.scores == {"x": 1.0}
    assert type(person).__name__ == "Person" and type(person.address).__name__ == "Address"
    assert person.address.city == "London"


def test_optionals_default_to_none_and_accept_values(api: FakeRunAPI) -> None:
    assert _inputs(api, "optionals") == {"limit": None, "name": None, "flag": None}
    assert _inputs(api, "optionals", "--limit", "4", "--name", "x", "--flag") == {
        "limit": 4,
        "name": "x",
        "flag": True,
    }


def test_required_inputs_must_be_given(api: FakeRunAPI) -> None:
    assert "Missing option '--count'" in _bad("scalars", "--ratio", "1", "--label", "x")
    assert "Missing option '--flag'" in _bad("required_flag")
    assert _inputs(api, "required_flag", "--no-flag") == {"flag": False}


# Valid inputs of each task; a test replaces one of them with a bad value.
VALID = {
    "scalars": {"count": "1", "ratio": "1", "label": "l"},
    "times": {"at": "2024-01-01", "day": "2024-01-01", "wait": "1"},
    "enums": {"color": "RED", "level": "LOW"},
    "collections": {"nums": "[]", "table": "{}", "pair": '[1, "a"]', "ids": "{}"},
}


@pytest.mark.parametrize(
    ("task", "name", "value", "problem"),
    [
        ("scalars", "count", "x", "'x' is not an integer"),
        ("scalars", "ratio", "fast", "'fast' is not a number"),
        ("times", "at", "tomorrow", "'tomorrow' is not an ISO 8601 date-time"),
        ("times", "day", "2024-13-01", "'2024-13-01' is not an ISO 8601 date"),
        ("times", "wait", "1y", "'1y' is not a duration"),
        ("enums", "color", "BLUE", "'BLUE' is not a Color (one of RED, GREEN, by name or value)"),
        ("collections", "nums", "[1,", "not valid JSON"),
        ("collections", "nums", '[1, "a"]', 'at [1]: expected an integer, got "a"'),
        ("collections", "pair", "[1]", "expected a list of 2 items, got 1"),
        ("collections", "ids", '{"x": "y"}', "key 'x': 'x' is not an integer"),
    ],
)
def test_bad_values_are_one_line_errors_naming_the_option(
    api: FakeRunAPI, task: str, name: str, value: str, problem: str
) -> None:
    inputs = {**VALID[task], name: value}
    args = [item for key, text in inputs.items() for item in (f"--{key}", text)]
    assert _bad(task, *args).startswith(f"Error: Invalid value for '--{name}': {problem}")
    assert api.inputs is None


@pytest.mark.parametrize(
    ("outer", "expected"),
    [
        ('{"name": "n"}', "missing field 'inner' of Outer"),
        ('{"name": "n", "inner": {"tags": [1]}}', "at inner.tags[0]: expected a string, got 1"),
        (
            '{"name": "n", "inner": {"tags": []}, "extra": 1}',
            "unknown field 'extra' for Outer (fields: name, inner, scores)",
        ),
        ("[1]", "expected a JSON object for Outer, got [1]"),
    ],
)
def test_bad_dataclass_values_say_where_inside_the_json(api: FakeRunAPI, outer: str, expected: str) -> None:
    person = '{"name": "Ada", "address": {"city": "London", "zip_code": 1}}'
    assert _bad("records", "--outer", outer, "--person", person) == f"Error: Invalid value for '--outer': {expected}"


def test_bad_pydantic_value_names_the_field(api: FakeRunAPI) -> None:
    outer = '{"name": "n", "inner": {"tags": []}}'
    person = '{"name": "Ada", "address": {"city": "London", "zip_code": "nope"}}'
    message = _bad("records", "--outer", outer, "--person", person)
    assert message.startswith("Error: Invalid value for '--person': at address.zip_code: ")
