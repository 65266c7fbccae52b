"""Interfaces of functions whose annotations are strings (``from __future__ import annotations``)."""

from __future__ import annotations

import dataclasses
import inspect
import logging
from typing import Optional, Union

import pytest

from flyte._internal.serde import NativeInterface


@dataclasses.dataclass
class Item:
    name: str
    children: list[Item] = dataclasses.field(default_factory=list)


def build(items: list[Item], limit: Optional[int] = None, mode: Union[int, str] = "all") -> dict[str, Item]:
    return {i.name: i for i in items}


def test_string_annotations_are_resolved() -> None:
    ni = NativeInterface.from_function(build, "env.build")
    assert ni.inputs == {
        "items": (list[Item], inspect.Parameter.empty),
        "limit": (Optional[int], None),
        "mode": (Union[int, str], "all"),
    }
    assert ni.output_type == dict[str, Item]
    values = ni.bind(([Item("a", [Item("b")])],), {"mode": "1"})
    out = ni.decode_inputs(ni.encode_inputs(values))
    assert out == values
    assert out["mode"] == "1"
    result = build(out["items"])
    assert ni.decode_output(ni.encode_output(result)) == result


def test_unresolvable_local_annotation_becomes_any(caplog: pytest.LogCaptureFixture) -> None:
    @dataclasses.dataclass
    class Local:
        x: int

    def uses_local(v: Local, n: int) -> Local:
        return v

    with caplog.at_level(logging.WARNING, logger="flyte"):
        ni = NativeInterface.from_function(uses_local, "env.uses_local")
    assert "Cannot resolve the annotation 'Local'" in caplog.text
    assert ni.inputs["n"][0] is int
    assert ni.decode_inputs(ni.encode_inputs({"v": Local(1), "n": 2})) == {"v": Local(1), "n": 2}
