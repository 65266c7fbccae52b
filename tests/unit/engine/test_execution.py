"""Local engine: fan-out, sync tasks on threads, nesting, groups, naming, ctx and outputs."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import NamedTuple

import pytest

import flyte
from tests.unit.engine.helpers import actions_of, run_local

env = flyte.TaskEnvironment(name="exec")


@env.task
async def double(x: int) -> int:
    return x * 2


@env.task
def add_one(x: int) -> int:
    return x + 1


@env.task
async def fan_out(n: int) -> list[int]:
    return list(await asyncio.gather(*[double(i) for i in range(n)]))


def test_gather_fan_out_returns_results_in_order() -> None:
    assert run_local(fan_out, 50) == [i * 2 for i in range(50)]


_barrier_started = 0


@env.task
async def wait_for_all(n: int) -> int:
    # Each child waits until every sibling has started: a sequential engine would never finish.
    global _barrier_started
    _barrier_started += 1
    while _barrier_started < n:
        await asyncio.sleep(0)
    return 1


@env.task
async def concurrent_parent(n: int) -> int:
    return sum(await asyncio.gather(*[wait_for_all(n) for _ in range(n)]))


def test_gather_children_run_concurrently() -> None:
    global _barrier_started
    _barrier_started = 0
    assert run_local(concurrent_parent, 20) == 20


@env.task
def sync_thread_name() -> str:
    return threading.current_thread().name


@env.task
async def where_sync_runs() -> str:
    return await sync_thread_name()


def test_sync_task_runs_on_a_worker_thread_not_the_loop() -> None:
    name = run_local(where_sync_runs)
    assert name != threading.current_thread().name
    assert name.startswith("flyte-")


@env.task
def sync_parent(x: int) -> int:
    # A sync task may call sync and async tasks; both block and return values.
    return add_one(x) + double(x)


def test_sync_task_calls_sync_and_async_children() -> None:
    run = flyte.with_runcontext(mode="local").run(sync_parent, 5)
    assert run.outputs()[0] == 6 + 10
    children = [a for a in actions_of(run.name) if a["parent"] == "a0"]
    assert sorted(a["task_name"] for a in children) == ["exec.add_one", "exec.double"]


@env.task
async def nested(depth: int) -> int:
    if depth == 0:
        return 0
    return 1 + await nested(depth - 1)


def test_nesting_to_depth_records_a_chain_of_parents() -> None:
    run = flyte.with_runcontext(mode="local").run(nested, 6)
    assert run.outputs()[0] == 6
    actions = {a["name"]: a for a in actions_of(run.name)}
    assert len(actions) == 7
    depth_of_leaf = 0
    leaf = next(a for a in actions.values() if not any(b["parent"] == a["name"] for b in actions.values()))
    node = leaf
    while node["parent"] is not None:
        node = actions[node["parent"]]
        depth_of_leaf += 1
    assert depth_of_leaf == 6


@env.task
async def grouped() -> int:
    with flyte.group("first"):
        a = await double(1)
    with flyte.group("second"):
        b = sum(await asyncio.gather(double(2), double(3)))
    return a + b + await double(0)


def test_groups_are_recorded_on_actions() -> None:
    run = flyte.with_runcontext(mode="local").run(grouped)
    assert run.outputs()[0] == 2 + 4 + 6
    groups = sorted((a["grp"] or "") for a in actions_of(run.name) if a["parent"] == "a0")
    assert groups == ["", "first", "second", "second"]


def test_child_action_names_are_deterministic_across_runs() -> None:
    first = flyte.with_runcontext(mode="local").run(fan_out, 5)
    second = flyte.with_runcontext(mode="local").run(fan_out, 5)
    names_first = sorted(a["name"] for a in actions_of(first.name))
    names_second = sorted(a["name"] for a in actions_of(second.name))
    assert names_first == names_second
    assert len(set(names_first)) == 6


@env.task
async def with_as_completed() -> list[int]:
    results = []
    for next_done in asyncio.as_completed([double(i) for i in range(5)]):
        results.append(await next_done)
    return sorted(results)


def test_asyncio_as_completed_over_task_calls() -> None:
    assert run_local(with_as_completed) == [0, 2, 4, 6, 8]


@env.task
async def context_probe() -> str:
    c = flyte.ctx()
    assert c is not None
    return f"{c.action.name}|{c.action.run_name}|{c.mode}|{c.attempt_number}"


def test_ctx_inside_and_outside_a_task() -> None:
    assert flyte.ctx() is None
    run = flyte.with_runcontext(mode="local", name="my-run").run(context_probe)
    assert run.name == "my-run"
    assert run.outputs()[0] == "a0|my-run|local|0"


def test_task_called_outside_a_run_is_a_plain_call() -> None:
    assert add_one(1) == 2
    assert asyncio.run(double(4)) == 8


class Pair(NamedTuple):
    left: int
    right: str


@env.task
async def two_outputs() -> tuple[int, str]:
    return 1, "x"


@env.task
async def named_pair() -> Pair:
    return Pair(2, "y")


@env.task
async def unannotated(n: int):  # type: ignore[no-untyped-def]
    return n, str(n)


@env.task
async def consumes_unannotated() -> str:
    model, metrics = await unannotated(3)
    return f"{model}-{metrics}"


def test_outputs_of_tuples_named_tuples_and_unannotated_returns(caplog: pytest.LogCaptureFixture) -> None:
    outputs = flyte.with_runcontext(mode="local").run(two_outputs).outputs()
    assert outputs[0] == 1 and outputs[1] == "x"
    assert outputs.named_outputs == {"o0": 1, "o1": "x"}
    assert tuple(flyte.run(named_pair).outputs()) == (2, "y")
    assert flyte.run(consumes_unannotated).outputs()[0] == "3-3"
    assert tuple(flyte.run(unannotated, 4).outputs()) == (4, "4")
    warnings = [r for r in caplog.records if "no return annotation" in r.getMessage()]
    assert len(warnings) == 1
    assert "exec.unannotated" in warnings[0].getMessage()


def test_wrong_input_type_names_task_and_parameter() -> None:
    with pytest.raises(flyte.errors.RuntimeDataValidationError) as info:
        flyte.run(double, "not a number")
    assert "exec.double" in str(info.value)
    assert "'x'" in str(info.value)


@env.task
async def bad_child_input() -> int:
    return await double("nope")  # type: ignore[arg-type]


def test_wrong_child_input_type_reaches_the_parent() -> None:
    with pytest.raises(flyte.errors.RuntimeDataValidationError, match=r"exec\.double"):
        flyte.run(bad_child_input)


@env.task
async def wrong_output() -> int:
    return "text"  # type: ignore[return-value]


def test_output_not_matching_annotation_fails_with_clear_error() -> None:
    with pytest.raises(flyte.errors.RuntimeDataValidationError, match=r"exec\.wrong_output"):
        flyte.run(wrong_output)


@env.task
async def custom_context_child() -> str:
    return flyte.get_custom_context().get("team", "")


@env.task
async def custom_context_parent() -> list[str]:
    outside = await custom_context_child()
    with flyte.custom_context(team="ml"):
        inside = await custom_context_child()
    return [outside, inside]


def test_custom_context_flows_to_children() -> None:
    outputs = flyte.with_runcontext(mode="local", custom_context={"team": "root"}).run(custom_context_parent)
    assert outputs.outputs()[0] == ["root", "ml"]


async def test_run_aio_from_async_code_and_sync_run_inside_a_running_loop() -> None:
    handle = await flyte.with_runcontext(mode="local").run.aio(fan_out, 3)
    assert handle.outputs()[0] == [0, 2, 4]
    # The sync form still works where a loop is already running (a notebook cell, say).
    assert flyte.run(fan_out, 2).outputs()[0] == [0, 2]


@env.task
async def awaits_sync_task(x: int) -> int:
    return await add_one(x) + await add_one.aio(x)


def test_sync_task_awaited_from_async_task() -> None:
    assert flyte.run(awaits_sync_task, 1).outputs()[0] == 4


def test_unnamed_environment_gets_a_stable_name_from_its_module() -> None:
    unnamed = flyte.TaskEnvironment()
    another = flyte.TaskEnvironment()
    assert unnamed.name == "test_execution_env"
    assert another.name == "test_execution_env_2"


@env.task
async def float_kind(x: float) -> str:
    return type(x).__name__


@env.task
async def passes_int_as_float() -> str:
    return await float_kind(3)  # type: ignore[arg-type]


def test_child_receives_inputs_converted_to_their_declared_type() -> None:
    assert flyte.run(passes_int_as_float).outputs()[0] == "float"


def test_a_local_run_leaves_no_files_per_action(isolated: Path) -> None:
    flyte.run(fan_out, 200)
    home = isolated / "flyte-home"
    left = sorted(p.name for p in home.rglob("*"))
    assert all(name.startswith("local.db") for name in left), left
    assert len(left) <= 3


def test_unknown_task_option_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"exec\.bad.*resources.*TaskEnvironment"):

        @env.task(resources=flyte.Resources(cpu=1))  # type: ignore[call-overload]
        def bad() -> int:
            return 1


def test_a_local_run_name_in_use_is_refused() -> None:
    first = flyte.with_runcontext(mode="local", name="named-once").run(context_probe)
    with pytest.raises(flyte.errors.RuntimeUserError, match="A run named 'named-once' exists already") as refused:
        flyte.with_runcontext(mode="local", name="named-once").run(context_probe)
    assert refused.value.code == "Conflict"
    assert first.outputs()  # the first run's records are untouched
