"""Sandboxed orchestrators executed by Monty, calling real tasks as actions of the run."""

from __future__ import annotations

import asyncio

import pytest

import flyte
import flyte.sandbox
from flyte.errors import RuntimeUserError
from tests.unit.engine.helpers import actions_of

pytest.importorskip("pydantic_monty")

env = flyte.TaskEnvironment(name="sandbox-tests")


@env.task
def add(x: int, y: int) -> int:
    return x + y


@env.task
async def double(x: int) -> int:
    return x * 2


@env.task
def fail(x: int) -> int:
    raise ValueError(f"bad {x}")


@env.sandbox.orchestrator
def pipeline(n: int) -> dict[str, int]:
    partial = add(n, 1)
    doubled = [double(i) for i in range(partial)]
    return {"partial": partial, "total": sum(doubled)}


@env.sandbox.orchestrator(timeout_ms=5_000)
def branchy(xs: list[int], limit: int = 3) -> list[int]:
    out = []
    for x in xs:
        if x > limit:
            break
        out.append(add(x, x))
    return out


@env.sandbox.orchestrator
def reads_file(path: str) -> str:
    return open(path).read()


@env.sandbox.orchestrator
def imports_os() -> str:
    import subprocess

    return subprocess.check_output(["id"])


@env.sandbox.orchestrator
def catches(x: int) -> str:
    return str(fail(x))


@env.sandbox.orchestrator
def uses_map(xs: list[int]) -> list[int]:
    return flyte_map("double", xs)  # noqa: F821


def _run(task: object, **inputs: object) -> flyte.Run:
    return flyte.with_runcontext(mode="local").run(task, **inputs)


def test_orchestrator_calls_tasks_as_actions() -> None:
    run = _run(pipeline, n=3)
    assert run.outputs()[0] == {"partial": 4, "total": 0 + 2 + 4 + 6}
    tasks = sorted(a["task_name"] for a in actions_of(run.name))
    assert tasks == ["sandbox-tests.add"] + ["sandbox-tests.double"] * 4 + ["sandbox-tests.pipeline"]
    assert pipeline.externals.keys() == {"add", "double"}


def test_control_flow_and_defaults() -> None:
    assert _run(branchy, xs=[1, 2, 5, 1]).outputs()[0] == [2, 4]
    assert _run(branchy, xs=[1, 5], limit=10).outputs()[0] == [2, 10]


def test_forward_calls_the_python_function() -> None:
    assert branchy.forward([1, 9]) == [2]


def test_flyte_map_builtin() -> None:
    assert _run(uses_map, xs=[1, 2, 3]).outputs()[0] == [2, 4, 6]


def test_file_access_is_refused(tmp_path: object) -> None:
    with pytest.raises(RuntimeUserError, match=r"Sandboxed task 'sandbox-tests\.reads_file'.*PermissionError") as e:
        _run(reads_file, path="/etc/hostname")
    assert e.value.code == "PermissionError"


def test_imports_are_refused() -> None:
    with pytest.raises(RuntimeUserError, match=r"'sandbox-tests\.imports_os'.*No module named 'subprocess'"):
        _run(imports_os)


def test_failing_task_fails_the_orchestrator() -> None:
    with pytest.raises(RuntimeUserError, match="bad 7"):
        _run(catches, x=7)


class Point:
    """Not a type the sandbox can hold."""


def test_unsupported_types_are_refused_at_definition() -> None:
    def takes_point(p: Point) -> int:
        return 1

    with pytest.raises(TypeError, match=r"'sandbox-tests\.takes_point': input 'p'"):
        env.sandbox.orchestrator(takes_point)
    assert "sandbox-tests.takes_point" not in env.tasks


def test_orchestrate_local_calls_functions_directly() -> None:
    result = asyncio.run(flyte.sandbox.orchestrate_local("add(x, y) * 2", inputs={"x": 1, "y": 2}, tasks=[add]))
    assert result == 6
    assert asyncio.run(flyte.sandbox.orchestrate_local("", inputs={})) is None


def test_missing_monty_names_task_and_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pydantic_monty", None)
    with pytest.raises(RuntimeUserError, match=r"'sandbox-tests\.pipeline'.*pip install 'openflyte\[sandbox\]'") as e:
        _run(pipeline, n=1)
    assert "\n" not in e.value.message


@env.task
def sync_parent(n: int) -> int:
    return pipeline(n)["total"]


@env.task
async def async_parent(n: int) -> int:
    result = await pipeline(n)
    return result["partial"]


def test_orchestrator_as_a_child_of_sync_and_async_tasks() -> None:
    assert _run(sync_parent, n=1).outputs()[0] == 2
    assert _run(async_parent, n=5).outputs()[0] == 6


def test_aio_outside_a_run_calls_the_function() -> None:
    assert asyncio.run(branchy.aio([1])) == [2]


@env.task
async def agent_like(x: int) -> int:
    return await flyte.sandbox.orchestrate_local("double(add(x, 1))", inputs={"x": x}, tasks=[add, double])


def test_orchestrate_local_inside_a_task_makes_actions() -> None:
    run = _run(agent_like, x=2)
    assert run.outputs()[0] == 6
    tasks = sorted(a["task_name"] for a in actions_of(run.name))
    assert tasks == ["sandbox-tests.add", "sandbox-tests.agent_like", "sandbox-tests.double"]
