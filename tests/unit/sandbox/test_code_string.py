"""Orchestrators from code strings: orchestrator_from_str and env.sandbox.orchestrator("...")."""

from __future__ import annotations

import pytest

import flyte
import flyte.sandbox
from flyte.errors import RuntimeUserError
from flyte.sandbox import CodeTaskTemplate, SandboxedConfig

pytest.importorskip("pydantic_monty")

env = flyte.TaskEnvironment(name="code-string-tests")


@env.task
def add(x: int, y: int) -> int:
    return x + y


code_pipeline = flyte.sandbox.orchestrator_from_str(
    """
    partial = add(x, y)
    partial * 2
    """,
    inputs={"x": int, "y": int},
    output=int,
    tasks=[add],
    name="code-pipeline",
)


def test_code_string_runs_through_flyte_run() -> None:
    run = flyte.with_runcontext(mode="local").run(code_pipeline, x=1, y=2)
    assert run.outputs()[0] == 6
    assert isinstance(code_pipeline, CodeTaskTemplate)
    assert code_pipeline.interface.output_type is int


def test_env_code_string_task_uses_env_image() -> None:
    task = env.sandbox.orchestrator("add(a, 10)", inputs={"a": int}, output=int, tasks=[add], name="plus-ten")
    assert task.image is env.image
    assert flyte.with_runcontext(mode="local").run(task, a=5).outputs()[0] == 15


def test_code_tasks_group_with_from_task() -> None:
    other = flyte.sandbox.orchestrator_from_str("1", inputs={}, output=int, name="one")
    grouped = flyte.TaskEnvironment.from_task("code-group", code_pipeline, other)
    assert set(grouped.tasks) == {"code-pipeline", "one"}


def test_syntax_error_names_task() -> None:
    broken = flyte.sandbox.orchestrator_from_str("def (", inputs={}, output=int, name="broken")
    with pytest.raises(RuntimeUserError, match="Sandboxed task 'broken'") as e:
        flyte.with_runcontext(mode="local").run(broken)
    assert e.value.code == "SyntaxError"


def test_unknown_function_is_a_name_error() -> None:
    task = flyte.sandbox.orchestrator_from_str("nope(1)", inputs={}, output=int, name="unknown-fn")
    with pytest.raises(RuntimeUserError, match="name 'nope' is not defined"):
        flyte.with_runcontext(mode="local").run(task)


def test_no_clock_in_the_sandbox() -> None:
    task = flyte.sandbox.orchestrator_from_str(
        "from datetime import datetime\nstr(datetime.now())", inputs={}, output=str, name="clock"
    )
    with pytest.raises(RuntimeUserError, match=r"'clock'.*datetime\.now"):
        flyte.with_runcontext(mode="local").run(task)


def test_forward_is_refused_for_code_strings() -> None:
    with pytest.raises(NotImplementedError, match="'code-pipeline' was made from a code string"):
        code_pipeline.forward(1, 2)


def test_bad_definitions_are_refused() -> None:
    with pytest.raises(ValueError, match="two of the given tasks are named 'add'"):
        flyte.sandbox.orchestrator_from_str("1", inputs={}, tasks=[add, add])
    with pytest.raises(TypeError, match="tasks must be tasks or functions"):
        flyte.sandbox.orchestrator_from_str("1", inputs={}, tasks=[3])
    with pytest.raises(TypeError, match="output type"):
        flyte.sandbox.orchestrator_from_str("1", inputs={}, output=object)
    with pytest.raises(ValueError, match="timeout_ms must be a positive int"):
        SandboxedConfig(timeout_ms=0)
    with pytest.raises(TypeError, match="takes a function, a code string"):
        env.sandbox.orchestrator(42)


def test_syntax_prompt_mentions_the_map_builtin() -> None:
    assert "flyte_map(" in flyte.sandbox.ORCHESTRATOR_SYNTAX_PROMPT


def test_code_sandbox_validates_types() -> None:
    box = flyte.sandbox.create(name="double", code="result = x * 2", inputs={"x": int}, outputs={"result": int})
    assert box.image_spec().name == box.image_spec().name
    with pytest.raises(NotImplementedError, match="Code sandbox 'double' cannot run"):
        box.run(x=1)
    with pytest.raises(TypeError, match="input 'x' has type"):
        flyte.sandbox.create(code="1", inputs={"x": list})
    with pytest.raises(ValueError, match="either code or command"):
        flyte.sandbox.create(code="1", command=["true"])


def test_cache_version_follows_the_code() -> None:
    def make(code: str) -> CodeTaskTemplate:
        return flyte.sandbox.orchestrator_from_str(code, inputs={"x": int}, output=int, cache="auto", name="cached")

    assert make("x + 1").cache_version == make("x + 1").cache_version
    assert make("x + 1").cache_version != make("x + 2").cache_version
    pinned = flyte.sandbox.orchestrator_from_str(
        "x", inputs={"x": int}, output=int, cache=flyte.Cache("override", version_override="v7")
    )
    assert pinned.cache_version == "v7"
    first = flyte.with_runcontext(mode="local").run(make("x + 1"), x=1).outputs()[0]
    again = flyte.with_runcontext(mode="local").run(make("x * 100"), x=1).outputs()[0]
    assert (first, again) == (2, 100)
