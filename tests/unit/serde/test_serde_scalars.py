"""Scalars, temporal types, enums and Literal: round trips, literals and refusals."""

from __future__ import annotations

import datetime as dt
import enum
import zoneinfo
from typing import Any, Literal

import pytest

from flyte._internal.serde import TypeEngine, TypeTransformerFailedError, pack, unpack


def roundtrip(value: Any, tp: Any) -> Any:
    """Encodes through msgpack bytes, as values travel between tasks."""
    t = TypeEngine.get_transformer(tp)
    return t.to_python_value(unpack(pack(t.to_literal(value))))


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Point(enum.Enum):
    ORIGIN = (0, 0)
    UNIT = (1, 1)


@pytest.mark.parametrize(
    ("value", "tp"),
    [
        (0, int),
        (-(2**63), int),
        (2**64 - 1, int),
        (2**100, int),
        (-(2**90), int),
        (1.5, float),
        (float("inf"), float),
        ("", str),
        ("héllo ✓", str),
        (True, bool),
        (False, bool),
        (b"\x00\xff", bytes),
        (None, None),
        (None, type(None)),
        (dt.date(2024, 2, 29), dt.date),
        (dt.time(13, 5, 7, 12), dt.time),
        (dt.timedelta(days=-3, seconds=5, microseconds=7), dt.timedelta),
        (dt.timedelta(days=999999999), dt.timedelta),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 6), dt.datetime),
    ],
)
def test_scalar_round_trip_keeps_value_and_type(value: Any, tp: Any) -> None:
    out = roundtrip(value, tp)
    assert out == value
    assert type(out) is type(value)


def test_int_is_accepted_for_float_and_becomes_float() -> None:
    out = roundtrip(3, float)
    assert out == 3.0
    assert type(out) is float


def test_int_subclasses_become_plain_ints() -> None:
    assert TypeEngine.to_literal(Level.HIGH, int) == 2
    assert type(TypeEngine.to_literal(True, int)) is int


def test_str_subclass_is_stored_as_plain_text() -> None:
    class Name(str):
        pass

    lit = TypeEngine.to_literal(Name("ada"), str)
    assert lit == "ada"
    assert type(lit) is str


def test_bytearray_is_accepted_for_bytes() -> None:
    assert roundtrip(bytearray(b"ab"), bytes) == b"ab"


@pytest.mark.parametrize(
    ("value", "tp", "expected", "given"),
    [
        ("1", int, "expected int", "got str '1'"),
        (1.0, int, "expected int", "got float 1.0"),
        ("x", float, "expected float", "got str 'x'"),
        (1, str, "expected str", "got int 1"),
        (1, bool, "expected bool", "got int 1"),
        ("ab", bytes, "expected bytes", "got str 'ab'"),
        (0, None, "expected None", "got int 0"),
        ("2024-01-01", dt.datetime, "expected datetime", "got str"),
        (dt.datetime(2024, 1, 1), dt.date, "expected date", "got datetime"),
        (5, dt.timedelta, "expected timedelta", "got int 5"),
    ],
)
def test_wrong_scalar_is_refused_with_expected_and_given(value: Any, tp: Any, expected: str, given: str) -> None:
    with pytest.raises(TypeTransformerFailedError) as info:
        TypeEngine.to_literal(value, tp)
    assert expected in str(info.value)
    assert given in str(info.value)
    assert isinstance(info.value, TypeError)


def test_long_values_are_truncated_in_messages() -> None:
    with pytest.raises(TypeError, match=r"got str 'x{30,}\.\.\.$"):
        TypeEngine.to_literal("x" * 500, int)


def test_datetime_keeps_a_named_zone() -> None:
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    value = dt.datetime(2024, 7, 1, 9, 30, tzinfo=paris)
    lit = TypeEngine.to_literal(value, dt.datetime)
    assert lit == "2024-07-01T09:30:00+02:00[Europe/Paris]"
    out = roundtrip(value, dt.datetime)
    assert out == value
    assert out.tzinfo == paris
    assert out.utcoffset() == dt.timedelta(hours=2)


def test_datetime_keeps_the_fold_of_an_ambiguous_time() -> None:
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    # 02:30 on 2024-10-27 happens twice in Paris; fold=1 is the second one, in winter time.
    value = dt.datetime(2024, 10, 27, 2, 30, tzinfo=paris, fold=1)
    out = roundtrip(value, dt.datetime)
    assert out.utcoffset() == dt.timedelta(hours=1)
    assert out.fold == 1


def test_datetime_keeps_fixed_offsets_and_naive_values() -> None:
    fixed = dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30)))
    assert roundtrip(fixed, dt.datetime).utcoffset() == dt.timedelta(hours=-5, minutes=-30)
    utc = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    assert roundtrip(utc, dt.datetime).tzinfo == dt.timezone.utc
    assert roundtrip(dt.datetime(2024, 1, 1), dt.datetime).tzinfo is None


def test_timedelta_is_exact_microseconds() -> None:
    assert TypeEngine.to_literal(dt.timedelta(seconds=1, microseconds=1), dt.timedelta) == 1_000_001


def test_enum_is_stored_by_value() -> None:
    assert TypeEngine.to_literal(Color.GREEN, Color) == "green"
    assert roundtrip(Color.GREEN, Color) is Color.GREEN
    assert roundtrip(Level.LOW, Level) is Level.LOW


def test_enum_with_tuple_values_is_stored_by_name() -> None:
    assert TypeEngine.to_literal(Point.UNIT, Point) == "UNIT"
    assert roundtrip(Point.UNIT, Point) is Point.UNIT


def test_enum_refuses_raw_values_and_unknown_literals() -> None:
    with pytest.raises(TypeError, match="expected a member of Color, got str 'red'"):
        TypeEngine.to_literal("red", Color)
    with pytest.raises(TypeError, match="'blue' is not a member of Color"):
        TypeEngine.to_python_value("blue", Color)


def test_enum_schema_changes_with_its_values() -> None:
    class A(enum.Enum):
        X = 1

    first = TypeEngine.get_transformer(A).schema()

    class A(enum.Enum):  # type: ignore[no-redef]
        X = 2

    assert TypeEngine.get_transformer(A).schema() != first


def test_literal_round_trip_and_refusal() -> None:
    tp = Literal["a", "b"]
    assert roundtrip("b", tp) == "b"
    with pytest.raises(TypeError, match=r"expected one of 'a', 'b', got str 'c'"):
        TypeEngine.to_literal("c", tp)


def test_literal_of_mixed_types_checks_the_type_only_as_the_sdk_does() -> None:
    tp = Literal[Color.RED, "b", 3]
    assert roundtrip(Color.GREEN, tp) is Color.GREEN
    assert roundtrip("c", tp) == "c"
    assert roundtrip(7, tp) == 7
    with pytest.raises(TypeError):
        TypeEngine.to_literal(2.5, tp)


def test_literal_tells_true_from_one() -> None:
    with pytest.raises(TypeError):
        TypeEngine.to_literal(True, Literal[1])
    assert roundtrip(True, Literal[1, True]) is True


def test_literal_of_enum_members_stores_their_values() -> None:
    tp = Literal[Color.RED]
    assert TypeEngine.to_literal(Color.RED, tp) == "red"
    assert roundtrip(Color.RED, tp) is Color.RED


def test_literal_of_members_with_unstorable_values_stores_positions() -> None:
    class Corner(enum.Enum):
        TOP = (0, 1)
        BOTTOM = (0, -1)

    tp = Literal[Corner.TOP, Corner.BOTTOM]
    assert TypeEngine.to_literal(Corner.BOTTOM, tp) == 1
    assert roundtrip(Corner.TOP, tp) is Corner.TOP
    assert roundtrip(Color.RED, Literal[Color.RED, "red"]) is Color.RED
    assert roundtrip("red", Literal[Color.RED, "red"]) == "red"


def test_immutable_scalars_are_passthrough() -> None:
    for tp in (str, bool, bytes, None, dt.datetime, dt.date, dt.timedelta, Color, Literal[1]):
        assert TypeEngine.get_transformer(tp).passthrough, tp


def test_numbers_are_not_passthrough_because_they_are_converted() -> None:
    for tp in (int, float):
        assert not TypeEngine.get_transformer(tp).passthrough, tp
