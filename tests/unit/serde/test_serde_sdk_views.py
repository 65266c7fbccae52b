"""The flyte SDK's TypeEngine and TypeTransformer conveniences, on flyte's msgpack literals."""

from __future__ import annotations

import dataclasses
import enum
import typing
from typing import Annotated, Any, Literal, NamedTuple, Optional

import msgpack
import pytest

from flyte._internal.serde import pack
from flyte.errors import RestrictedTypeError
from flyte.types import FlytePickle, Renderable, TypeEngine, TypeTransformer, TypeTransformerFailedError


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclasses.dataclass
class Point:
    x: float
    tags: list[str]
    color: Color


class Pair(NamedTuple):
    a: int
    b: Optional[str]


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


class MoneyTransformer(TypeTransformer[Money]):
    def __init__(self) -> None:
        super().__init__("Money", t=Money, enable_type_assertions=False)

    def to_literal(self, value: Money) -> Any:
        return value.cents

    def to_python_value(self, literal: Any) -> Money:
        return Money(literal)


class Shout:
    def to_html(self, python_value: Any) -> str:
        return f"<b>{python_value}</b>"


def test_transformer_accepts_the_sdk_constructor_and_exposes_its_properties() -> None:
    t = MoneyTransformer()
    assert t.name == "Money"
    assert t.python_type is Money
    assert t.type_assertions_enabled is False
    assert TypeEngine.get_transformer(int).type_assertions_enabled is True
    assert TypeEngine.get_transformer(int).python_type is int


def test_assert_type_and_isinstance_generic() -> None:
    t = TypeEngine.get_transformer(list[int])
    t.assert_type(list[int], [1])
    with pytest.raises(TypeTransformerFailedError):
        t.assert_type(list[int], (1,))
    with pytest.raises(TypeTransformerFailedError, match="expected int"):
        TypeEngine.get_transformer(int).assert_type(int, "x")
    with pytest.raises(TypeTransformerFailedError):
        t.isinstance_generic("x", dict[str, int])


@pytest.mark.parametrize(
    "tp",
    [int, list[dict[str, float]], Point, Pair, Color, tuple[int, ...], tuple[int, str], Optional[int], set[str]],
)
def test_literal_types_read_back_into_types_of_the_same_shape(tp: Any) -> None:
    literal_type = TypeEngine.to_literal_type(tp)
    assert TypeEngine.get_transformer(tp).get_literal_type(tp) == literal_type
    guessed = TypeEngine.guess_python_type(literal_type)
    assert TypeEngine.to_literal_type(guessed) == literal_type


def test_guessed_types_decode_the_original_literals() -> None:
    literal = TypeEngine.to_literal(Point(1.5, ["a"], Color.BLUE), Point)
    guessed = TypeEngine.guess_python_type(TypeEngine.to_literal_type(Point))
    value = TypeEngine.to_python_value(literal, guessed)
    assert (value.x, value.tags, value.color.value) == (1.5, ["a"], "blue")
    assert (
        TypeEngine.guess_python_type(TypeEngine.to_literal_type(Literal[Color.RED, Color.BLUE]))
        == Literal["red", "blue"]
    )
    assert TypeEngine.guess_python_type("pickle:Whatever") is FlytePickle
    assert TypeEngine.guess_python_types({"a": "int", "b": "list[str]"}) == {"a": int, "b": list[str]}


def test_guess_python_type_refuses_unknown_text_and_uses_registered_transformers() -> None:
    with pytest.raises(ValueError, match="no transformer"):
        TypeEngine.guess_python_type("nonsense:thing")
    t = MoneyTransformer()
    assert t.guess_python_type(t.get_literal_type()) is Money
    with pytest.raises(ValueError):
        t.guess_python_type("int")


def test_dict_to_literal_map_and_back() -> None:
    lm = TypeEngine.dict_to_literal_map({"p": Point(1.0, [], Color.RED), "n": 3}, {"p": Point})
    assert lm == {"p": {"x": 1.0, "tags": [], "color": "red"}, "n": 3}
    kwargs = TypeEngine.literal_map_to_kwargs(pack(lm), {"p": Point, "n": int})
    assert kwargs == {"p": Point(1.0, [], Color.RED), "n": 3}
    assert TypeEngine.literal_map_to_kwargs({"n": 3}, literal_types={"n": "int"}) == {"n": 3}
    with pytest.raises(TypeError, match="variable 'n'"):
        TypeEngine.dict_to_literal_map({"n": "x"}, {"n": int})
    with pytest.raises(TypeTransformerFailedError, match="input 'n'"):
        TypeEngine.literal_map_to_kwargs({"n": "x"}, {"n": int})
    with pytest.raises(ValueError):
        TypeEngine.literal_map_to_kwargs({"n": 1})


def test_named_tuple_to_variable_map() -> None:
    assert TypeEngine.named_tuple_to_variable_map(Pair) == {"a": "int", "b": "union[str,none]"}


def test_to_literal_checks() -> None:
    TypeEngine.to_literal_checks((1, "a"), tuple[int, str])
    TypeEngine.to_literal_checks(None, Optional[int])
    TypeEngine.to_literal_checks((1, 2), Optional[typing.Sequence[int]])
    TypeEngine.to_literal_checks((1, 2), Pair)
    for tp in (list[int], Optional[int]):
        with pytest.raises(TypeTransformerFailedError, match="tuple"):
            TypeEngine.to_literal_checks((1, 2), tp)
    with pytest.raises(TypeTransformerFailedError, match="None"):
        TypeEngine.to_literal_checks(None, int)


def test_to_html_prefers_a_renderer_in_annotated_metadata() -> None:
    assert isinstance(Shout(), Renderable)
    assert TypeEngine.to_html(3, Annotated[int, Shout()]) == "<b>3</b>"
    assert TypeEngine.to_html("<i>", str) == "&lt;i&gt;"


def test_annotated_transformer_metadata_converts_that_use_of_the_type() -> None:
    class Cents(TypeTransformer[int]):
        def __init__(self) -> None:
            super().__init__("cents", int)

        def to_literal(self, value: int) -> Any:
            return value * 100

        def to_python_value(self, literal: Any) -> int:
            return int(literal // 100)

    tp = Annotated[int, Cents()]
    assert TypeEngine.to_literal(2, tp) == 200
    assert TypeEngine.to_python_value(200, tp) == 2
    assert TypeEngine.to_literal(2, int) == 2


def test_from_binary_idl_reads_msgpack_bytes() -> None:
    t = TypeEngine.get_transformer(Point)
    data = pack(TypeEngine.to_literal(Point(2.0, ["z"], Color.RED), Point))
    assert t.from_binary_idl(data, Point) == Point(2.0, ["z"], Color.RED)

    class Binary:
        tag = "msgpack"
        value = data

    assert t.from_binary_idl(Binary(), Point) == Point(2.0, ["z"], Color.RED)
    Binary.tag = "json"
    with pytest.raises(TypeTransformerFailedError, match="json"):
        t.from_binary_idl(Binary(), Point)


def test_schema_match() -> None:
    t = TypeEngine.get_transformer(Point)
    assert t.schema_match({"title": "Point", "properties": {"x": {}, "tags": {}, "color": {}}})
    assert not t.schema_match({"title": "Point", "properties": {"x": {}}})
    assert not TypeEngine.get_transformer(int).schema_match({"title": "int"})


def test_register_additional_and_restricted_types() -> None:
    class Euro(Money):
        pass

    class Secret:
        pass

    try:
        t = MoneyTransformer()
        TypeEngine.register_additional_type(t, Money)
        assert TypeEngine.get_transformer(Money) is t
        other = MoneyTransformer()
        TypeEngine.register_additional_type(other, Money)
        assert TypeEngine.get_transformer(Money) is t
        TypeEngine.register_additional_type(other, Money, override=True)
        assert TypeEngine.get_transformer(Euro) is other
        assert Money in TypeEngine.get_available_transformers()
        assert int in TypeEngine.get_available_transformers()

        TypeEngine.register_restricted_type("secret", Secret)
        with pytest.raises(RestrictedTypeError, match="restricted"):
            TypeEngine.to_literal(Secret(), Secret)
    finally:
        for tp in (Money, Secret):
            TypeEngine._registry.pop(tp, None)
        TypeEngine._cache.clear()


def test_flyte_pickle_pickles_any_value_and_checks_its_type() -> None:
    assert FlytePickle[int] is FlytePickle[int]
    assert FlytePickle[int].python_type() is int
    assert FlytePickle.python_type() is type(None)
    lit = TypeEngine.to_literal({1, 2}, FlytePickle)
    assert isinstance(lit, msgpack.ExtType)
    assert TypeEngine.to_python_value(lit, FlytePickle) == {1, 2}
    assert TypeEngine.to_python_value(TypeEngine.to_literal(3, FlytePickle[int]), FlytePickle[int]) == 3
    with pytest.raises(TypeTransformerFailedError, match="expected int"):
        TypeEngine.to_literal("x", FlytePickle[int])
    with pytest.raises(TypeTransformerFailedError, match="None"):
        TypeEngine.to_literal(None, FlytePickle)
    assert TypeEngine.to_literal_type(FlytePickle[int]).startswith("pickle:")
    assert TypeEngine.to_python_value(TypeEngine.to_literal("x", FlytePickle[Any]), FlytePickle[Any]) == "x"


async def test_flyte_pickle_to_and_from_a_file() -> None:
    uri = await FlytePickle.to_pickle({"a": (1, 2)})
    assert await FlytePickle.from_pickle(uri) == {"a": (1, 2)}


def test_unwrap_offloaded_literal_leaves_inline_literals_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    from flyte._internal.model import offload

    assert TypeEngine.unwrap_offloaded_literal({"a": 1}) == {"a": 1}
    assert TypeEngine.unwrap_offloaded_literal(pack([1, 2])) == [1, 2]
    monkeypatch.setattr(offload, "from_stored", lambda stored: pack({"big": True}))
    assert TypeEngine.unwrap_offloaded_literal(msgpack.ExtType(2, b"s3://b/k")) == {"big": True}


def test_lazy_import_transformers_runs_providers_of_imported_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(TypeEngine, "_lazy_providers", {"typing": lambda: calls.append("typing"), "nolib_x": list})
    TypeEngine.lazy_import_transformers()
    assert calls == ["typing"]
    assert list(TypeEngine._lazy_providers) == ["nolib_x"]
    assert TypeEngine.lazy_import_lock is TypeEngine._lock
    assert typing  # the module the provider above is keyed by
