"""Task objects as the SDK offers them: forward, execute, native_interface, json_schema,
source_file, plugin hooks, and tasks passed to other tasks as values."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, NamedTuple

import cloudpickle

import flyte
from flyte.models import NativeInterface, SerializationContext

env = flyte.TaskEnvironment("objects")


class Pair(NamedTuple):
    total: int
    label: str


@env.task
async def add(x: int, y: int = 2, tags: list[str] | None = None) -> Pair:
    return Pair(x + y, ",".join(tags or []))


@env.task
def double(x: int) -> int:
    return 2 * x


@env.task
async def square(x: int) -> int:
    return x * x


@env.task
async def apply(fn: Any, x: int) -> int:
    return int(await fn.aio(x))


@env.task
async def udf_main(x: int) -> int:
    return await apply(square, x)


def test_forward_calls_the_function_without_an_action() -> None:
    assert asyncio.run(add.forward(1, 3)) == Pair(4, "")
    assert double.forward(5) == 10  # a sync task's forward returns the value itself
    assert inspect.iscoroutine(coro := add.forward(1)) and asyncio.run(coro) == Pair(3, "")


def test_execute_runs_the_body_through_the_hooks() -> None:
    assert asyncio.run(add.execute(x=1, tags=["a", "b"])) == Pair(3, "a,b")
    assert asyncio.run(double.execute(4)) == 8


def test_native_interface_describes_inputs_and_outputs() -> None:
    iface = add.native_interface
    assert isinstance(iface, NativeInterface)
    assert iface.outputs == {"total": int, "label": str}
    assert iface.required_inputs() == ["x"]
    assert iface.num_required_inputs() == 1
    assert iface.get_input_types() == {"x": int, "y": int, "tags": list[str] | None}
    assert iface.convert_to_kwargs(7) == {"x": 7, "y": 2, "tags": None}
    assert iface.has_outputs()
    assert double.native_interface.outputs == {"o0": int}


def test_interface_outputs_of_tuples_and_nothing() -> None:
    def pair(x: int) -> tuple[int, str]:
        return x, ""

    def nothing(x: int) -> None:
        return None

    assert NativeInterface.from_callable(pair).outputs == {"o0": int, "o1": str}
    assert NativeInterface.from_callable(nothing).outputs == {}
    assert not NativeInterface.from_callable(nothing).has_outputs()


def test_json_schema_of_the_inputs() -> None:
    schema = add.json_schema
    assert schema["type"] == "object"
    assert schema["required"] == ["x"]
    assert schema["properties"]["x"] == {"type": "integer"}
    assert schema["properties"]["tags"]["anyOf"][0] == {"items": {"type": "string"}, "type": "array"}


def test_source_file_and_extension_points() -> None:
    assert add.source_file == __file__
    sctx = SerializationContext(version="v1")
    assert add.custom_config(sctx) == {}
    assert add.config(sctx) == {}
    assert add.container_args(sctx) == []
    assert add.sql(sctx) is None
    assert add.data_loading_config(sctx) is None
    assert add.ref is False


def test_a_task_is_picklable_and_can_be_passed_to_another_task() -> None:
    copy = cloudpickle.loads(cloudpickle.dumps(square))
    assert copy.name == square.name and asyncio.run(copy.forward(3)) == 9
    run = flyte.with_runcontext(mode="local").run(udf_main, 4)
    assert run.outputs()[0] == 16
