"""Dataclasses, TypedDict, NamedTuple and pydantic models."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import sys
from collections import namedtuple
from typing import Annotated, Any, Generic, Literal, NamedTuple, Optional, TypedDict, TypeVar, Union

import pydantic
import pytest
from typing_extensions import NotRequired

from flyte._internal.serde import TypeEngine, TypeTransformerFailedError, pack, unpack


def roundtrip(value: Any, tp: Any) -> Any:
    """Encodes through msgpack bytes, as values travel between tasks."""
    t = TypeEngine.get_transformer(tp)
    return t.to_python_value(unpack(pack(t.to_literal(value))))


class Unit(enum.Enum):
    CM = "cm"
    IN = "in"


@dataclasses.dataclass
class Leaf:
    name: str
    size: float = 1.0
    unit: Unit = Unit.CM


@dataclasses.dataclass
class Branch:
    leaves: list[Leaf]
    by_name: dict[str, Leaf]
    best: Optional[Leaf] = None
    when: Optional[dt.datetime] = None
    tags: tuple[str, ...] = ()


@dataclasses.dataclass
class Tree:
    branches: list[Branch]
    root: Leaf = dataclasses.field(default_factory=lambda: Leaf("root"))


@dataclasses.dataclass
class Node:
    value: int
    children: list[Node] = dataclasses.field(default_factory=list)


T = TypeVar("T")


@dataclasses.dataclass
class Box(Generic[T]):
    item: T
    count: int = 1


@dataclasses.dataclass(frozen=True)
class Frozen:
    x: int
    doubled: int = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "doubled", self.x * 2)


@dataclasses.dataclass
class Counter:
    start: int
    seen: int = dataclasses.field(init=False, default=0)


def make_tree() -> Tree:
    a, b = Leaf("a", 2.5, Unit.IN), Leaf("b")
    return Tree(
        [
            Branch([a, b], {"a": a}, best=b, when=dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)),
            Branch([], {}, tags=("x", "y")),
        ]
    )


def test_nested_dataclasses_with_lists_of_dataclasses_round_trip() -> None:
    tree = make_tree()
    out = roundtrip(tree, Tree)
    assert out == tree
    assert type(out.branches[0].leaves[0]) is Leaf
    assert out.branches[0].leaves[0].unit is Unit.IN
    assert out.branches[1].tags == ("x", "y")


def test_dataclass_literal_is_a_readable_map() -> None:
    assert TypeEngine.to_literal(Leaf("a"), Leaf) == {"name": "a", "size": 1.0, "unit": "cm"}


def test_dataclass_field_of_wrong_type_names_its_path() -> None:
    bad = Tree([Branch([Leaf("a"), Leaf("b", size="big")], {})])  # type: ignore[arg-type]
    with pytest.raises(TypeTransformerFailedError) as info:
        TypeEngine.to_literal(bad, Tree)
    assert str(info.value) == ".branches[0].leaves[1].size: expected float, got str 'big'"


def test_dataclass_refuses_other_types() -> None:
    with pytest.raises(TypeError, match="expected Leaf, got list"):
        TypeEngine.to_literal(["a"], Leaf)


def test_a_dict_stands_for_the_dataclass_it_describes() -> None:
    assert TypeEngine.to_python_value(TypeEngine.to_literal({"name": "a"}, Leaf), Leaf) == Leaf("a")
    with pytest.raises(TypeError, match=r"has no field\(s\) \['gone'\]"):
        TypeEngine.to_literal({"name": "a", "gone": 1}, Leaf)


def test_missing_fields_take_defaults_and_unknown_fields_are_ignored() -> None:
    out = TypeEngine.to_python_value({"name": "a", "gone": 1}, Leaf)
    assert out == Leaf("a")


def test_recursive_dataclass_round_trips() -> None:
    tree = Node(1, [Node(2), Node(3, [Node(4)])])
    assert roundtrip(tree, Node) == tree
    assert TypeEngine.get_transformer(Node).schema() == "dataclass:Node{value:int,children:list[ref:Node]}"


@dataclasses.dataclass
class RecA:
    b: Optional[RecB]


@dataclasses.dataclass
class RecB:
    a: Optional[RecA]


def test_mutually_recursive_schemas_do_not_depend_on_resolution_order() -> None:
    a_first = TypeEngine.get_transformer(RecA).schema()
    b_after = TypeEngine.get_transformer(RecB).schema()
    assert a_first == "dataclass:RecA{b:union[dataclass:RecB{a:union[ref:RecA,none]},none]}"
    assert b_after == "dataclass:RecB{a:union[dataclass:RecA{b:union[ref:RecB,none]},none]}"
    assert roundtrip(RecA(RecB(RecA(None))), RecA) == RecA(RecB(RecA(None)))


def test_generic_dataclass_alias_is_a_dataclass_with_any_fields() -> None:
    assert roundtrip(Box([1, "a"]), Box[list[Any]]) == Box([1, "a"])
    assert TypeEngine.get_transformer(Box[int]).schema() == "dataclass:Box{item:any,count:int}"


def test_frozen_dataclass_and_init_false_fields() -> None:
    assert roundtrip(Frozen(4), Frozen) == Frozen(4)
    counter = Counter(1)
    counter.seen = 7
    out = roundtrip(counter, Counter)
    assert out.start == 1
    assert out.seen == 7


def test_dataclass_schema_changes_with_a_field_type() -> None:
    def schema_of(field_type: Any) -> str:
        cls = dataclasses.make_dataclass("Shape", [("x", field_type)])
        return TypeEngine.get_transformer(cls).schema()

    assert schema_of(int) == "dataclass:Shape{x:int}"
    assert schema_of(int) != schema_of(str)


def test_unresolvable_field_annotation_becomes_any(caplog: pytest.LogCaptureFixture) -> None:
    @dataclasses.dataclass
    class Local:
        other: Hidden  # type: ignore[name-defined]  # noqa: F821

    value = Local(other=(1, 2))
    assert roundtrip(value, Local) == value
    assert "Cannot resolve the annotation 'Hidden'" in caplog.text


class Movie(TypedDict):
    title: str
    year: int
    rating: NotRequired[float]


class Catalog(TypedDict):
    movies: list[Movie]
    owner: Optional[str]


def test_typeddict_round_trip_with_optional_keys() -> None:
    value: Catalog = {
        "movies": [{"title": "M", "year": 1931}, {"title": "X", "year": 2, "rating": 4.5}],
        "owner": None,
    }
    out = roundtrip(value, Catalog)
    assert out == value
    assert type(out) is dict


def test_typeddict_refuses_missing_extra_and_wrong_keys() -> None:
    with pytest.raises(TypeError, match=r"missing the required key\(s\) \['year'\]"):
        TypeEngine.to_literal({"title": "M"}, Movie)
    with pytest.raises(TypeError, match=r"has no key\(s\) \['director'\]"):
        TypeEngine.to_literal({"title": "M", "year": 1, "director": "L"}, Movie)
    with pytest.raises(TypeError, match=r"\['year'\]: expected int, got str"):
        TypeEngine.to_literal({"title": "M", "year": "1931"}, Movie)


class Pair(NamedTuple):
    left: int
    right: Leaf
    note: str = "-"


def test_namedtuple_round_trip_and_defaults() -> None:
    value = Pair(1, Leaf("x"))
    out = roundtrip(value, Pair)
    assert out == value
    assert type(out) is Pair
    assert TypeEngine.to_python_value([2, {"name": "y"}], Pair) == Pair(2, Leaf("y"), "-")
    with pytest.raises(TypeError, match=r"\.left: expected int, got str"):
        TypeEngine.to_literal(Pair("1", Leaf("x")), Pair)  # type: ignore[arg-type]


def test_untyped_namedtuple_fields_are_any() -> None:
    point = namedtuple("point", ["x", "y"])
    assert roundtrip(point(1, "a"), point) == point(1, "a")


class Cat(pydantic.BaseModel):
    kind: Literal["cat"] = "cat"
    lives: int = 9


class Dog(pydantic.BaseModel):
    kind: Literal["dog"] = "dog"
    good: bool = True


class Owner(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(strict=True)

    name: str = pydantic.Field(alias="fullName")
    born: dt.date
    pets: list[Annotated[Union[Cat, Dog], pydantic.Field(discriminator="kind")]]
    favourite: Optional[Leaf] = None


def test_pydantic_discriminated_union_round_trip() -> None:
    owner = Owner(fullName="Ada", born=dt.date(1815, 12, 10), pets=[Dog(), Cat(lives=3)], favourite=Leaf("a"))
    lit = TypeEngine.to_literal(owner, Owner)
    assert lit["fullName"] == "Ada"
    assert lit["born"] == "1815-12-10"
    out = roundtrip(owner, Owner)
    assert out == owner
    assert [type(p) for p in out.pets] == [Dog, Cat]


def test_pydantic_models_nest_in_containers_and_dataclasses() -> None:
    @dataclasses.dataclass
    class Kennel:
        dogs: list[Dog]

    value = {"k": Kennel([Dog(good=False)])}
    assert roundtrip(value, dict[str, Kennel]) == value


def test_pydantic_refuses_other_values_and_has_a_stable_schema() -> None:
    with pytest.raises(TypeError, match="expected Cat, got Dog"):
        TypeEngine.to_literal(Dog(), Cat)
    schema = TypeEngine.get_transformer(Owner).schema()
    assert schema.startswith("pydantic:Owner:")
    assert schema != TypeEngine.get_transformer(Cat).schema()


def test_pydantic_is_not_needed_to_handle_dataclasses() -> None:
    # The pydantic check must look in sys.modules and never import it.
    saved = sys.modules.pop("pydantic")
    try:

        @dataclasses.dataclass
        class Plain:
            x: int

        assert roundtrip(Plain(1), Plain) == Plain(1)
        assert "pydantic" not in sys.modules
    finally:
        sys.modules["pydantic"] = saved
