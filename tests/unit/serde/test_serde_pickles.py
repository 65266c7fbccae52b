"""Only the types stored pickled unpickle: any other declared type refuses a pickled literal.

A pickled literal where a plain type is declared is forged or mismatched data; decoding it must
neither run its code nor misread it (a pickle unpacks as a ``(code, data)`` pair, which would
pass for a union's tag and literal, a two-item tuple or a list).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import inspect
from pathlib import Path
from typing import Any, Literal, NamedTuple, Optional, TypedDict

import msgpack
import pydantic
import pytest

from flyte._internal.serde import TypeEngine, TypeTransformerFailedError, pack, unpack
from flyte._internal.serde._pickle import pickle_value


class Touch:
    """Unpickling it creates ``path``: the stand-in for code a forged pickle runs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.path,))


@dataclasses.dataclass
class Point:
    x: int = 0
    y: int = 0


class Model(pydantic.BaseModel):
    x: int = 0


class Color(enum.Enum):
    RED = 1


class Pair(NamedTuple):
    a: int = 0
    b: int = 0


class Row(TypedDict, total=False):
    x: int


class Opaque:
    """A class without a transformer: stored pickled."""


PLAIN_TYPES = [
    int,
    float,
    str,
    bool,
    bytes,
    None,
    list[int],
    dict[str, int],
    set[int],
    frozenset[str],
    tuple[int, bytes],
    tuple[int, ...],
    Optional[int],
    int | str,
    Literal["a", "b"],
    Point,
    Model,
    Color,
    Pair,
    Row,
    dt.datetime,
    dt.date,
    dt.time,
    dt.timedelta,
]


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    """Where a forged pickle leaves its trace when it is run."""
    return tmp_path / "pickle-ran"


@pytest.fixture
def forged(marker: Path) -> msgpack.ExtType:
    """A pickled literal, as stored, that creates ``marker`` when unpickled."""
    literal: msgpack.ExtType = unpack(pack(pickle_value(Touch(marker))))
    return literal


def _type_id(value: Any) -> str:
    # A shape function's repr holds its address, which differs between test processes.
    return "shape" if inspect.isfunction(value) else str(value)


@pytest.mark.parametrize("tp", PLAIN_TYPES, ids=str)
def test_a_type_stored_without_pickle_refuses_a_pickled_literal(tp: Any, forged: msgpack.ExtType, marker: Path) -> None:
    with pytest.raises(TypeTransformerFailedError, match="got a pickled value"):
        TypeEngine.to_python_value(forged, tp)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("tp", "shape"),
    [
        (list[int], lambda p: [1, p]),
        (dict[str, int], lambda p: {"a": p}),
        (dict[int, str], lambda p: [[p, "a"]]),
        (Point, lambda p: {"x": p}),
        (Pair, lambda p: [1, p]),
        (Optional[int], lambda p: [0, p]),
        (tuple[int, str], lambda p: [1, p]),
    ],
    ids=_type_id,
)
def test_a_pickle_nested_where_none_is_declared_is_refused(
    tp: Any, shape: Any, forged: msgpack.ExtType, marker: Path
) -> None:
    with pytest.raises(TypeTransformerFailedError, match="got a pickled value"):
        TypeEngine.to_python_value(shape(forged), tp)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("tp", "shape"),
    [
        (Any, lambda p: p),
        (Opaque, lambda p: p),
        (list[Any], lambda p: [p]),
        (dict[str, Any], lambda p: {"a": p}),
        (Optional[Opaque], lambda p: [0, p]),
    ],
    ids=_type_id,
)
def test_a_type_stored_pickled_unpickles(tp: Any, shape: Any, forged: msgpack.ExtType, marker: Path) -> None:
    TypeEngine.to_python_value(shape(forged), tp)
    assert marker.exists()


def test_an_extension_value_of_another_code_is_refused_too() -> None:
    with pytest.raises(TypeTransformerFailedError, match="expected int, got an extension value of code 9"):
        TypeEngine.to_python_value(msgpack.ExtType(9, b"x"), int)


def test_plain_literals_still_decode() -> None:
    assert TypeEngine.to_python_value(str(2**70), int) == 2**70
    assert TypeEngine.to_python_value(3, float) == 3.0
    assert TypeEngine.to_python_value(bytearray(b"a"), bytes) == b"a"
    assert TypeEngine.to_python_value(str(2**65), dt.timedelta) == dt.timedelta(microseconds=2**65)
