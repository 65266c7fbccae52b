"""NativeInterface: binding, encoding, validation errors, hashing and passthrough flags."""

import dataclasses
import datetime as dt
import inspect
import os
import subprocess
import sys
from typing import Any, Optional

import pytest

from flyte._internal.serde import NativeInterface, unpack
from flyte.errors import RuntimeDataValidationError


@dataclasses.dataclass
class Config:
    depth: int
    names: list[str] = dataclasses.field(default_factory=list)


def main(x: int, y: str = "a", cfg: Optional[Config] = None) -> list[float]:
    return [float(x)]


def side_effect(a, b=2):  # type: ignore[no-untyped-def]
    pass


def nothing(when: dt.datetime) -> None:
    pass


def test_from_function_reads_the_signature() -> None:
    ni = NativeInterface.from_function(main, "env.main")
    assert ni.inputs == {
        "x": (int, inspect.Parameter.empty),
        "y": (str, "a"),
        "cfg": (Optional[Config], None),
    }
    assert list(ni.inputs) == ["x", "y", "cfg"]
    assert ni.output_type == list[float]
    assert ni.has_return_annotation
    assert not ni.returns_none
    assert ni.task_name == "env.main"


def test_missing_annotations_are_any() -> None:
    ni = NativeInterface.from_function(side_effect)
    assert ni.inputs == {"a": (Any, inspect.Parameter.empty), "b": (Any, 2)}
    assert ni.output_type is Any
    assert not ni.has_return_annotation
    assert not ni.returns_none


def test_none_return() -> None:
    ni = NativeInterface.from_function(nothing, "env.nothing")
    assert ni.returns_none
    assert ni.output_type is None
    assert ni.decode_output(ni.encode_output(None)) is None
    with pytest.raises(RuntimeDataValidationError, match=r"'output' of task 'env\.nothing': expected None"):
        ni.encode_output(1)


def test_variadic_parameters_are_refused() -> None:
    def star(*args: int) -> None:
        pass

    def double_star(**kwargs: int) -> None:
        pass

    with pytest.raises(TypeError, match=r"Task 'env.star' has variadic parameter '\*args: int'"):
        NativeInterface.from_function(star, "env.star")
    with pytest.raises(TypeError, match=r"variadic parameter '\*\*kwargs: int'"):
        NativeInterface.from_function(double_star)


def test_bind_maps_arguments_and_fills_defaults() -> None:
    ni = NativeInterface.from_function(main, "env.main")
    assert ni.bind((1,), {}) == {"x": 1, "y": "a", "cfg": None}
    assert ni.bind((1, "b"), {}) == {"x": 1, "y": "b", "cfg": None}
    bound = ni.bind((), {"cfg": None, "x": 2})
    assert bound == {"x": 2, "y": "a", "cfg": None}
    assert list(bound) == ["x", "y", "cfg"]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "Task 'env.main' missing required input 'x'"),
        ((), {"y": "b"}, "Task 'env.main' missing required input 'x'"),
        ((1,), {"z": 1}, "Task 'env.main' got an unexpected input 'z'"),
        ((1,), {"x": 1}, "Task 'env.main' got multiple values for input 'x'"),
        ((1, 2, 3, 4), {}, "Task 'env.main' takes 3 positional input(s) but 4 were given"),
    ],
)
def test_bind_errors_name_the_task_and_input(args: tuple[Any, ...], kwargs: dict[str, Any], message: str) -> None:
    ni = NativeInterface.from_function(main, "env.main")
    with pytest.raises(TypeError) as info:
        ni.bind(args, kwargs)
    assert str(info.value) == message


def test_keyword_only_inputs_cannot_be_positional() -> None:
    def kw(a: int, *, b: int = 0) -> None:
        pass

    ni = NativeInterface.from_function(kw, "env.kw")
    assert ni.bind((1,), {"b": 2}) == {"a": 1, "b": 2}
    with pytest.raises(TypeError, match="takes 1 positional input"):
        ni.bind((1, 2), {})


def test_inputs_round_trip_as_a_map_in_declared_order() -> None:
    ni = NativeInterface.from_function(main, "env.main")
    values = ni.bind((), {"cfg": Config(2, ["n"]), "y": "b", "x": 1})
    blob = ni.encode_inputs(values)
    assert list(unpack(blob)) == ["x", "y", "cfg"]
    out = ni.decode_inputs(blob)
    assert out == values
    assert type(out["cfg"]) is Config


def test_encode_inputs_is_deterministic_whatever_the_argument_order() -> None:
    ni = NativeInterface.from_function(main, "env.main")
    one = ni.encode_inputs(ni.bind((1, "b"), {"cfg": Config(1)}))
    two = ni.encode_inputs(ni.bind((), {"cfg": Config(1), "y": "b", "x": 1}))
    three = ni.encode_inputs({"cfg": Config(1), "y": "b", "x": 1})
    assert one == two == three
    assert ni.encode_inputs(ni.bind((2, "b"), {"cfg": Config(1)})) != one


def test_decode_fills_inputs_added_since_with_their_defaults() -> None:
    old = NativeInterface.from_function(lambda x: None)
    ni = NativeInterface.from_function(main, "env.main")
    assert ni.decode_inputs(old.encode_inputs({"x": 5})) == {"x": 5, "y": "a", "cfg": None}
    with pytest.raises(TypeError, match="lack 'x'"):
        ni.decode_inputs(NativeInterface.from_function(lambda y: None).encode_inputs({"y": "b"}))


def test_wrong_input_raises_data_validation_error_naming_task_and_input() -> None:
    ni = NativeInterface.from_function(main, "env.main")
    with pytest.raises(RuntimeDataValidationError) as info:
        ni.encode_inputs({"x": 1, "y": 2, "cfg": None})
    err = info.value
    assert err.var == "y"
    assert err.task_name == "env.main"
    assert str(err) == "Invalid value for 'y' of task 'env.main': expected str, got int 2"
    assert isinstance(err, TypeError)


def test_nested_wrong_input_names_its_path() -> None:
    ni = NativeInterface.from_function(main, "env.main")
    with pytest.raises(RuntimeDataValidationError) as info:
        ni.encode_inputs({"x": 1, "y": "a", "cfg": Config(1, ["a", 2])})  # type: ignore[list-item]
    assert info.value.var == "cfg"
    assert str(info.value).endswith(": .names[1]: expected str, got int 2")


def test_encode_inputs_missing_value_is_a_type_error() -> None:
    ni = NativeInterface.from_function(main, "env.main")
    with pytest.raises(TypeError, match=r"Task 'env\.main' missing required input 'cfg'"):
        ni.encode_inputs({"x": 1, "y": "a"})


def test_output_round_trip_and_validation() -> None:
    ni = NativeInterface.from_function(main, "env.main")
    assert ni.decode_output(ni.encode_output([1, 2.5])) == [1.0, 2.5]
    with pytest.raises(RuntimeDataValidationError) as info:
        ni.encode_output(["x"])
    assert info.value.var == "output"
    assert str(info.value) == ("Invalid value for 'output' of task 'env.main': [0]: expected float, got str 'x'")


def test_passthrough_flags() -> None:
    def immutable(a: bool, b: Optional[str], c: tuple[dt.date, ...]) -> dt.datetime:
        raise NotImplementedError

    ni = NativeInterface.from_function(immutable)
    assert ni.inputs_passthrough
    assert ni.output_passthrough
    ni = NativeInterface.from_function(main)
    assert not ni.inputs_passthrough
    assert not ni.output_passthrough
    assert NativeInterface.from_function(lambda: None).inputs_passthrough


def _hash_of(source: str) -> str:
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    return NativeInterface.from_function(namespace["f"], "env.f").interface_hash


BASE = """
import dataclasses
from typing import Optional
@dataclasses.dataclass
class Point:
    x: float
    tags: set[str]
def f(a: int, b: Optional[Point] = None, c: dict[str, list[int]] = {}) -> Point: ...
"""


def test_interface_hash_is_stable_across_processes() -> None:
    code = BASE + (
        "from flyte._internal.serde import NativeInterface\n"
        "print(NativeInterface.from_function(f, 'env.f').interface_hash)\n"
    )
    hashes = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("0", "123")
    }
    assert hashes == {_hash_of(BASE)}


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a: int", "a: float"),
        ("a: int", "a2: int"),
        ("-> Point", "-> Optional[Point]"),
        ("x: float", "x: int"),
        ("c: dict[str, list[int]]", "c: dict[str, list[str]]"),
    ],
)
def test_interface_hash_changes_with_a_type_or_name(old: str, new: str) -> None:
    assert BASE.count(old) == 1
    assert _hash_of(BASE.replace(old, new)) != _hash_of(BASE)


def test_interface_hash_ignores_defaults() -> None:
    assert _hash_of(BASE.replace("= None", "= Point(1.0, set())")) == _hash_of(BASE)
