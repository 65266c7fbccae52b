"""flyte.types beyond the engine: guess_interface, literal_string_repr, and the types tasks take."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import typing
from typing import Annotated, Any, Literal, Optional

import pydantic
import pytest

import flyte
from flyte._internal.serde import pack
from flyte.types import FlytePickle, TypeEngine, TypeTransformer, guess_interface, literal_string_repr


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Paint:
    color: Literal[Color.RED, Color.BLUE]
    level: Level = Level.LOW


class Opaque:
    def __init__(self, v: int) -> None:
        self.v = v


env = flyte.TaskEnvironment("types-surface")


@env.task
def flip(c: Literal[Color.RED, Color.BLUE], n: Literal[Level.HIGH] = Level.HIGH) -> Literal[Color.RED, Color.BLUE]:
    return Color.BLUE if c is Color.RED else Color.RED


@env.task
def repaint(p: Paint, options: list[Literal[Color.RED, Color.BLUE]]) -> Optional[Paint]:
    return Paint(options[-1], Level.HIGH) if options else None


@env.task
def unwrap(o: FlytePickle[Opaque]) -> FlytePickle[Any]:
    # FlytePickle only marks how the value travels: at run time ``o`` is the Opaque itself.
    opaque = typing.cast(Opaque, o)
    return typing.cast(FlytePickle[Any], opaque.v + 1)


def test_enum_members_in_literal_types_travel_through_local_runs() -> None:
    run = flyte.with_runcontext(mode="local").run(flip, Color.RED)
    assert run.outputs()[0] is Color.BLUE
    run = flyte.with_runcontext(mode="local").run(repaint, Paint(Color.RED), [Color.RED, Color.BLUE])
    assert run.outputs()[0] == Paint(Color.BLUE, Level.HIGH)


def test_enum_literal_refuses_members_outside_the_literal() -> None:
    with pytest.raises(Exception, match="one of"):
        flyte.with_runcontext(mode="local").run(flip, "red")


def test_flyte_pickle_values_travel_through_local_runs() -> None:
    run = flyte.with_runcontext(mode="local").run(unwrap, Opaque(41))
    assert run.outputs()[0] == 42


def test_guess_interface_from_literal_types() -> None:
    iface = guess_interface(
        {
            "inputs": {"x": "int", "p": TypeEngine.to_literal_type(Paint), "tags": "list[str]", "q": "mystery:type"},
            "outputs": {"o0": "float"},
        },
        {"x": 5, "tags": ["a"]},
    )
    assert iface.get_input_types()["x"] is int
    assert iface.inputs["x"][1] == 5
    assert iface.inputs["tags"][1] == ["a"]
    assert iface.inputs["p"][1] is inspect.Parameter.empty
    assert iface.get_input_types()["q"] is Any
    assert iface.outputs == {"o0": float}
    assert iface.required_inputs() == ["p", "q"]


def test_guess_interface_marks_inputs_known_only_to_have_a_default() -> None:
    class Remote:
        inputs = {"a": "str"}
        outputs: dict[str, str] = {}

    iface = guess_interface(Remote(), ["a"])
    assert iface.inputs["a"] == (str, iface.has_default)
    assert not iface.has_outputs()
    assert guess_interface(None).inputs == {}


def test_guess_interface_of_a_task_interface_goes_through_its_literal_types() -> None:
    iface = guess_interface(repaint.interface)
    assert list(iface.inputs) == ["p", "options"]
    assert iface.get_input_types()["options"] == list[Literal["red", "blue"]]
    guessed_paint = iface.get_input_types()["p"]
    assert dataclasses.is_dataclass(guessed_paint) and guessed_paint is not Paint
    assert list(iface.outputs) == ["o0"]
    encoded = repaint.interface.encode_inputs({"p": Paint(Color.RED), "options": [Color.BLUE]})
    decoded = iface.decode_inputs(encoded)
    assert decoded["options"] == ["blue"]
    assert decoded["p"].color == "red" and decoded["p"].level.value == 1


def test_literal_string_repr_is_readable() -> None:
    lm = TypeEngine.dict_to_literal_map({"p": Paint(Color.BLUE), "o": Opaque(1), "b": b"xyz"}, {"o": FlytePickle})
    shown = literal_string_repr(lm)
    assert shown["p"] == {"color": "blue", "level": 1}
    assert shown["o"].startswith("<pickled value")
    assert shown["b"] == "<3 bytes>"
    assert literal_string_repr(pack({"n": [1, 2]})) == {"n": [1, 2]}
    assert literal_string_repr(None) == {}
    assert literal_string_repr(3) == 3


def test_protobuf_messages_are_stored_as_their_bytes() -> None:
    timestamp_pb2 = pytest.importorskip("google.protobuf.timestamp_pb2")
    ts = timestamp_pb2.Timestamp(seconds=5, nanos=7)
    literal = TypeEngine.to_literal(ts, timestamp_pb2.Timestamp)
    assert literal == ts.SerializeToString(deterministic=True)
    assert TypeEngine.to_python_value(literal, timestamp_pb2.Timestamp) == ts
    assert TypeEngine.to_literal_type(timestamp_pb2.Timestamp) == "protobuf:google.protobuf.Timestamp"


class Upper(TypeTransformer[str]):
    def __init__(self) -> None:
        super().__init__("upper", str)

    def to_literal(self, value: str) -> Any:
        return value.upper()

    def to_python_value(self, literal: Any) -> str:
        return str(literal)


@env.task
def echo(s: Annotated[str, Upper()]) -> str:
    return s


def test_transformer_in_annotated_metadata_is_used_by_tasks() -> None:
    assert flyte.with_runcontext(mode="local").run(echo, "hi").outputs()[0] == "HI"


def test_pydantic_models_with_enum_literals_round_trip() -> None:
    class Brush(pydantic.BaseModel):
        color: Literal[Color.RED, Color.BLUE] = Color.RED
        palette: list[Literal[Color.RED, Color.BLUE]] = []
        maybe: Optional[Literal[Color.BLUE]] = None
        name: str = "b"

    brush = Brush(color=Color.BLUE, palette=[Color.RED, Color.BLUE], maybe=Color.BLUE)
    literal = TypeEngine.to_literal(brush, Brush)
    assert literal["color"] == "blue"
    assert TypeEngine.to_python_value(literal, Brush) == brush
    with pytest.raises(pydantic.ValidationError):
        TypeEngine.to_python_value({"color": "green"}, Brush)
