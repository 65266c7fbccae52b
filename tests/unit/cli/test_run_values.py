"""The value parsers behind ``flyte run`` options (``flyte.cli._values``), called directly."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Optional, Union

import pydantic
import pytest

from flyte.cli._values import ValueProblem, format_duration, from_json, parse_duration, parse_text, type_text


class Shade(enum.Enum):
    DARK = 1
    LIGHT = 2


class Tag(pydantic.BaseModel):
    label: str


@dataclass
class Box:
    tag: Tag
    shade: Shade
    sizes: tuple[int, ...] = ()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("1.5", 1.5),
        ("45s", 45),
        ("1h30m", 5400),
        ("2d", 172800),
        ("250ms", 0.25),
        ("1h 2m 3s", 3723),
        ("1.5h", 5400),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "h", "1x", "1h-2m", "abc", "1h30"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueProblem, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize("seconds", [0, 0.25, 45, 5400, 90061])
def test_formatted_durations_parse_back(seconds: float) -> None:
    value = dt.timedelta(seconds=seconds)
    assert parse_duration(format_duration(value)) == value
    assert format_duration(dt.timedelta(hours=1, minutes=30)) == "1h30m"


def test_json_builds_nested_records_models_and_enums() -> None:
    box = from_json({"tag": {"label": "x"}, "shade": "LIGHT", "sizes": [1, 2]}, Box)
    assert box == Box(Tag(label="x"), Shade.LIGHT, (1, 2))
    assert from_json({"tag": {"label": "y"}, "shade": 1}, Box).shade is Shade.DARK


def test_unresolvable_field_annotation_takes_any_value() -> None:
    namespace: dict[str, Any] = {}
    exec(
        "from __future__ import annotations\n"
        "from dataclasses import dataclass\n"
        "@dataclass\n"
        "class Late:\n"
        "    size: int\n"
        "    thing: NotDefinedAnywhere\n",
        namespace,
    )
    late = from_json({"size": 1, "thing": {"x": 1}}, namespace["Late"])
    assert (late.size, late.thing) == (1, {"x": 1})


def test_json_collections_keep_their_kind() -> None:
    assert from_json([1, 2, 2], set[int]) == {1, 2}
    assert from_json([1], frozenset[int]) == frozenset({1})
    assert from_json({"1.5": [1]}, dict[float, tuple[int, ...]]) == {1.5: (1,)}
    assert from_json({"a": None}, dict[str, Optional[int]]) == {"a": None}
    assert from_json(["2024-01-02T03:04:05"], list[dt.datetime]) == [dt.datetime(2024, 1, 2, 3, 4, 5)]
    assert from_json(3, dt.timedelta) == dt.timedelta(seconds=3)
    assert from_json({"anything": [1]}, Any) == {"anything": [1]}
    assert from_json([1, "a"], tuple) == (1, "a")
    assert from_json([1, "a"], list) == [1, "a"]
    assert from_json({"k": [1]}, Mapping[str, Sequence[int]]) == {"k": [1]}
    with pytest.raises(ValueProblem, match=r"^at k\[0\]: expected an integer"):
        from_json({"k": ["x"]}, Mapping[str, Sequence[int]])


def test_json_numbers_are_strict() -> None:
    assert from_json(1, float) == 1.0 and type(from_json(1, float)) is float
    with pytest.raises(ValueProblem, match="expected an integer, got true"):
        from_json(True, int)
    with pytest.raises(ValueProblem, match=r"expected an integer, got 1\.5"):
        from_json(1.5, int)
    with pytest.raises(ValueProblem, match="expected int, got null"):
        from_json(None, int)


def test_json_errors_say_where() -> None:
    with pytest.raises(ValueProblem, match=r"^at a\[1\]\.label: Field required \(Tag\)$"):
        from_json({"a": [{"label": "ok"}, {}]}, dict[str, list[Tag]])
    with pytest.raises(ValueProblem, match=r"^at tag: expected a JSON object for Tag, got 3$"):
        from_json({"tag": 3, "shade": 1}, Box)
    with pytest.raises(ValueProblem, match=r"^at when: expected a date as an ISO 8601 string, got 5$"):
        from_json({"when": 5}, dict[str, dt.date])


def test_unions_take_the_first_member_that_fits() -> None:
    assert parse_text("3", Union[int, str]) == 3
    assert parse_text("three", Union[int, str]) == "three"
    assert from_json("x", Union[int, str]) == "x"
    with pytest.raises(ValueProblem, match=r"^'x' fits none of int \| float$"):
        parse_text("x", Union[int, float])


def test_text_of_optionals_literals_and_any() -> None:
    assert parse_text("none", Optional[int]) is None
    assert parse_text("7", Optional[int]) == 7
    assert parse_text("b", Literal["a", "b"]) == "b"
    assert parse_text("2", Literal[1, 2]) == 2
    assert parse_text('{"k": 1}', Any) == {"k": 1}
    assert parse_text("plain words", Any) == "plain words"
    assert parse_text("yes", bool) is True


def test_annotated_types_are_their_base_type() -> None:
    assert parse_text("4", Annotated[int, "doc"]) == 4
    assert parse_text("[4]", Optional[Annotated[list[int], "doc"]]) == [4]
    assert from_json([1], list[Annotated[int, "doc"]]) == [1]
    assert type_text(Annotated[Optional[int], "doc"]) == "Optional[int]"
    assert type_text(Annotated[list[int], "doc"]) == "list[int]"


def test_unsupported_types_say_so() -> None:
    with pytest.raises(ValueProblem, match="values of type bytes cannot be given on the command line"):
        parse_text("x", bytes)


def test_type_text() -> None:
    assert type_text(list[int]) == "list[int]"
    assert type_text(Optional[dict[str, Box]]) == "Optional[dict[str, Box]]"
    assert type_text(tuple[int, ...]) == "tuple[int, ...]"
    assert type_text(Union[int, str]) == "int | str"
    assert type_text(Literal["a"]) == "Literal['a']"
