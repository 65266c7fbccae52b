"""Containers, unions, Annotated, NewType and Any."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Dict, List, NewType, Optional, Tuple, Union

import msgpack
import pytest

from flyte._internal.serde import TypeEngine, TypeTransformerFailedError, pack, unpack


def roundtrip(value: Any, tp: Any) -> Any:
    """Encodes through msgpack bytes, as values travel between tasks."""
    t = TypeEngine.get_transformer(tp)
    return t.to_python_value(unpack(pack(t.to_literal(value))))


@pytest.mark.parametrize(
    ("value", "tp"),
    [
        ([1, 2, 3], list[int]),
        ([], list[str]),
        ([[1.5], [], [2.0]], list[list[float]]),
        ([dt.date(2024, 1, 1)], List[dt.date]),
        ({"a": 1, "b": 2}, dict[str, int]),
        ({"a": [1], "b": []}, Dict[str, List[int]]),
        ({1: "x", 2: "y"}, dict[int, str]),
        ({(1, 2): "x"}, dict[tuple[int, int], str]),
        ({dt.date(2024, 1, 1): 1}, dict[dt.date, int]),
        ((1, "a", 2.5), tuple[int, str, float]),
        ((), tuple[()]),
        ((1, 2, 3), tuple[int, ...]),
        ((1, 2), Tuple[int, int]),
        ({1, 2, 3}, set[int]),
        (frozenset({"a", "b"}), frozenset[str]),
        ([1, "a", None, [1.5, {"k": b"v"}]], list),
        ({"a": 1, 2: [None]}, dict),
        ((1, [2]), tuple),
        ({"x", "y"}, set),
    ],
)
def test_container_round_trip(value: Any, tp: Any) -> None:
    out = roundtrip(value, tp)
    assert out == value
    assert type(out) is type(value)


def test_dict_with_text_keys_is_a_map_and_others_are_pairs() -> None:
    assert TypeEngine.to_literal({"a": 1}, dict[str, int]) == {"a": 1}
    assert TypeEngine.to_literal({1: 2}, dict[int, int]) == [[1, 2]]
    assert TypeEngine.to_literal({(1, 2): 3}, dict[tuple[int, int], int]) == [[[1, 2], 3]]


def test_dict_keeps_insertion_order() -> None:
    assert list(roundtrip({"b": 1, "a": 2}, dict[str, int])) == ["b", "a"]


def test_set_encoding_does_not_depend_on_string_hashing() -> None:
    # Set iteration order of strings depends on PYTHONHASHSEED; the literal must not.
    code = (
        "import sys; from flyte._internal.serde import TypeEngine, pack;"
        "sys.stdout.write(pack(TypeEngine.to_literal(set('abcdefghijklmnop'), set[str])).hex())"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1
    assert outs == {pack(TypeEngine.to_literal(set("abcdefghijklmnop"), set[str])).hex()}


def test_frozenset_of_immutables_is_passthrough_but_set_is_not() -> None:
    assert TypeEngine.get_transformer(frozenset[str]).passthrough
    assert not TypeEngine.get_transformer(set[int]).passthrough
    assert not TypeEngine.get_transformer(list[int]).passthrough


def test_tuples_of_immutables_are_passthrough() -> None:
    assert TypeEngine.get_transformer(tuple[bool, str]).passthrough
    assert TypeEngine.get_transformer(tuple[dt.datetime, ...]).passthrough
    assert not TypeEngine.get_transformer(tuple[str, list[str]]).passthrough
    # Numbers are converted on the way in (bool or numpy ints to int, int to float), so the
    # receiver gets the decoded value rather than the caller's object.
    assert not TypeEngine.get_transformer(tuple[int, str]).passthrough
    assert not TypeEngine.get_transformer(float).passthrough


def test_sequence_and_mapping_use_list_and_dict() -> None:
    assert roundtrip((1, 2), Sequence[int]) == [1, 2]
    assert roundtrip({"a": 1}, Mapping[str, int]) == {"a": 1}


@pytest.mark.parametrize(
    ("value", "tp", "message"),
    [
        ([1, "x", 3], list[int], "[1]: expected int, got str 'x'"),
        ((1, 2), list[int], "expected list[int], got tuple"),
        ({"a": 1, "b": "2"}, dict[str, int], "['b']: expected int, got str '2'"),
        ({1: 1}, dict[str, int], "[key 1]: expected str, got int 1"),
        ([{"a": [1, None]}], list[dict[str, list[int]]], "[0]['a'][1]: expected int, got None"),
        ((1, 2), tuple[int, int, int], "expected tuple[int, int, int] of 3 items, got a tuple of 2 items"),
        ((1, "a"), tuple[int, int], "[1]: expected int, got str 'a'"),
        ([1, 2], tuple[int, ...], "expected tuple[int, ...], got list"),
        ({"a"}, set[int], "{'a'}: expected int, got str 'a'"),
        ([1], set[int], "expected set[int], got list"),
    ],
)
def test_container_errors_locate_the_bad_item(value: Any, tp: Any, message: str) -> None:
    with pytest.raises(TypeTransformerFailedError) as info:
        TypeEngine.to_literal(value, tp)
    assert str(info.value) == message


def test_optional_is_tagged_with_the_variant_index() -> None:
    assert TypeEngine.to_literal(None, Optional[int]) == [1, None]
    assert TypeEngine.to_literal(5, Optional[int]) == [0, 5]
    assert roundtrip(None, Optional[int]) is None
    assert roundtrip(5, int | None) == 5


def test_union_prefers_the_exact_variant() -> None:
    tp = Union[float, int]
    assert TypeEngine.to_literal(3, tp) == [1, 3]
    assert TypeEngine.to_literal(3.0, tp) == [0, 3.0]
    assert type(roundtrip(3, tp)) is int
    assert roundtrip(True, Union[int, bool]) is True


def test_union_keeps_strings_that_look_like_numbers() -> None:
    tp = Union[int, str]
    out = roundtrip("1", tp)
    assert out == "1"
    assert type(out) is str


def test_union_tries_other_variants_of_the_same_container() -> None:
    tp = Union[list[int], list[str]]
    assert TypeEngine.to_literal(["a"], tp) == [1, ["a"]]
    assert roundtrip(["a"], tp) == ["a"]


def test_union_falls_back_to_a_converting_variant() -> None:
    assert TypeEngine.to_literal(3, Union[str, float]) == [1, 3.0]


def test_union_refusal_lists_each_variant() -> None:
    with pytest.raises(TypeError) as info:
        TypeEngine.to_literal(b"x", Union[int, str])
    message = str(info.value)
    assert message.startswith("expected int | str, got bytes b'x'")
    assert "int: expected int" in message
    assert "str: expected str" in message


def test_union_order_gives_different_transformers() -> None:
    # typing considers Union[int, str] == Union[str, int]; the tags must still follow the order.
    a = TypeEngine.get_transformer(Union[int, str])
    b = TypeEngine.get_transformer(Union[str, int])
    assert TypeEngine.to_literal("x", Union[int, str]) == [1, "x"]
    assert TypeEngine.to_literal("x", Union[str, int]) == [0, "x"]
    assert a.schema() != b.schema()


def test_generic_aliases_are_cached() -> None:
    assert TypeEngine.get_transformer(list[int]) is TypeEngine.get_transformer(list[int])
    assert TypeEngine.get_transformer(Optional[dict[str, int]]) is TypeEngine.get_transformer(Optional[dict[str, int]])


def test_annotated_is_stripped() -> None:
    assert roundtrip([1], Annotated[list[int], "meta"]) == [1]
    assert TypeEngine.get_transformer(Annotated[int, {"unhashable": []}]) is TypeEngine.get_transformer(int)
    assert TypeEngine.get_transformer(list[Annotated[int, "x"]]).schema() == "list[int]"


def test_newtype_uses_its_supertype() -> None:
    user_id = NewType("user_id", int)
    assert TypeEngine.get_transformer(user_id) is TypeEngine.get_transformer(int)


def test_any_stores_native_values_as_they_are() -> None:
    value = {"a": [1, 2.5, None, True, b"x", "s"], 3: {"n": []}}
    assert TypeEngine.to_literal(value, Any) is value
    assert roundtrip(value, Any) == value


def test_any_pickles_values_msgpack_would_change() -> None:
    @dataclasses.dataclass
    class Box:
        x: int

    for value in [(1, 2), {"a": (1,)}, 2**70, Box(1), dt.date(2024, 1, 1), {(1, 2): 1}]:
        lit = TypeEngine.to_literal(value, Any)
        assert isinstance(lit, msgpack.ExtType)
        assert lit.code == 1
        assert roundtrip(value, Any) == value


def test_object_annotation_behaves_as_any() -> None:
    assert roundtrip((1,), object) == (1,)


def test_optional_of_any_prefers_none() -> None:
    assert TypeEngine.to_literal(None, Optional[Any]) == [1, None]
    assert TypeEngine.to_literal(1, Optional[Any]) == [0, 1]


def test_union_and_tuple_passthrough_follow_their_members() -> None:
    assert TypeEngine.get_transformer(Optional[str]).passthrough
    assert TypeEngine.get_transformer(Union[bool, str, dt.date]).passthrough
    assert not TypeEngine.get_transformer(Optional[int]).passthrough
    assert not TypeEngine.get_transformer(Optional[list[int]]).passthrough
    assert not TypeEngine.get_transformer(Any).passthrough


def test_schemas_describe_the_shape() -> None:
    assert TypeEngine.get_transformer(dict[str, list[Optional[int]]]).schema() == ("dict[str,list[union[int,none]]]")
    assert TypeEngine.get_transformer(tuple[int, ...]).schema() == "tuple[int,...]"
    assert TypeEngine.get_transformer(tuple[int, str]).schema() == "tuple[int,str]"


def test_lists_of_plain_scalars_are_copied_and_checked() -> None:
    words = ["a", "b"]
    lit = TypeEngine.to_literal(words, list[str])
    assert lit == words
    assert lit is not words
    assert TypeEngine.to_literal([1, 2**70], list[int]) == [1, str(2**70)]
    assert roundtrip([1, 2**70, -(2**70)], list[int]) == [1, 2**70, -(2**70)]
    floats = TypeEngine.to_literal([1, 2.5], list[float])
    assert [type(x) for x in floats] == [float, float]
    with pytest.raises(TypeError, match=r"\[1\]: expected str, got int 2"):
        TypeEngine.to_literal(["a", 2], list[str])
