"""Local engine: traces, flyte.map, env vars and secrets, durable clock, reports."""

from __future__ import annotations

import asyncio
import functools
import os
import re

import pytest

import flyte
import flyte.errors
from flyte._internal.store.local_db import default_store
from flyte._secrets_store import set_secret
from tests.unit.engine.helpers import actions_of

env = flyte.TaskEnvironment(name="features")


@flyte.trace
async def traced_lookup(query: str) -> dict[str, str]:
    return {"answer": query.upper()}


@flyte.trace
def traced_sync(x: int) -> int:
    return x + 1


@flyte.trace
async def traced_stream(n: int):  # type: ignore[no-untyped-def]
    for i in range(n):
        yield i


@env.task
async def uses_traces(topic: str) -> str:
    data = await traced_lookup(f"research {topic}")
    items = [i async for i in traced_stream(3)]
    return f"{data['answer']}|{traced_sync(1)}|{items}"


def test_traces_record_trace_actions_with_outputs() -> None:
    run = flyte.with_runcontext(mode="local").run(uses_traces, "ai")
    assert run.outputs()[0] == "RESEARCH AI|2|[0, 1, 2]"
    traces = [a for a in actions_of(run.name) if a["kind"] == "trace"]
    assert sorted(a["task_name"] for a in traces) == ["traced_lookup", "traced_stream", "traced_sync"]
    assert all(a["phase"] == "SUCCEEDED" and a["parent"] == "a0" for a in traces)


def test_traced_function_outside_a_task_is_a_plain_call() -> None:
    assert asyncio.run(traced_lookup("x")) == {"answer": "X"}


@env.task
async def leaf(x: int) -> int:
    return x


@flyte.trace
async def trace_calling_task() -> int:
    return await leaf(1)


@env.task
async def bad_trace_use() -> int:
    return await trace_calling_task()


def test_a_trace_may_not_call_tasks() -> None:
    with pytest.raises(flyte.errors.TraceDoesNotAllowNestedTasksError):
        flyte.run(bad_trace_use)


in_flight = 0
peak_in_flight = 0


@env.task
async def tracked(x: int) -> int:
    global in_flight, peak_in_flight
    in_flight += 1
    peak_in_flight = max(peak_in_flight, in_flight)
    for _ in range(3):
        await asyncio.sleep(0)
    in_flight -= 1
    if x == 3:
        raise ValueError("three")
    return x * 2


@env.task
def maps_sync(n: int) -> list[str]:
    return [repr(r) if isinstance(r, Exception) else str(r) for r in flyte.map(tracked, range(n), concurrency=2)]


def test_map_in_a_sync_task_caps_concurrency_and_returns_exceptions_in_order() -> None:
    global peak_in_flight
    peak_in_flight = 0
    results = flyte.run(maps_sync, 6).outputs()[0]
    assert results[:3] == ["0", "2", "4"]
    assert "three" in results[3]
    assert results[4:] == ["8", "10"]
    assert peak_in_flight == 2


@env.task
async def scale(x: int, factor: int) -> int:
    return x * factor


@env.task
async def maps_async(n: int) -> list[int]:
    return [r async for r in flyte.map.aio(functools.partial(scale, factor=3), range(n))]


def test_map_aio_with_partial_runs_concurrently_and_groups_children() -> None:
    run = flyte.with_runcontext(mode="local").run(maps_async, 4)
    assert run.outputs()[0] == [0, 3, 6, 9]
    children = [a for a in actions_of(run.name) if a["parent"] == "a0"]
    assert len(children) == 4 and {a["grp"] for a in children} == {"map_scale"}


secret_env = flyte.TaskEnvironment(
    name="with_secrets",
    env_vars={"MODE": "test"},
    secrets=[flyte.Secret(key="MY_SECRET_KEY", as_env_var="MY_SECRET_ENV_VAR")],
)


@secret_env.task
async def reads_secret() -> str:
    return f"{os.getenv('MY_SECRET_ENV_VAR')}|{os.environ.get('MODE')}"


@env.task
async def reads_without_secret() -> str:
    return f"{os.getenv('MY_SECRET_ENV_VAR')}|{os.environ.get('MODE')}"


@env.task
async def both_envs() -> list[str]:
    return list(await asyncio.gather(reads_secret(), reads_without_secret()))


def test_secret_from_callers_environment_is_visible_only_to_its_task(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET_KEY", "s3cr3t")
    assert flyte.run(both_envs).outputs()[0] == ["s3cr3t|test", "None|None"]
    assert os.getenv("MY_SECRET_ENV_VAR") is None


def test_secret_already_in_its_as_env_var_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SECRET_ENV_VAR", "set-by-the-caller")
    assert flyte.run(reads_secret).outputs()[0] == "set-by-the-caller|test"


def test_secret_from_local_secrets_file() -> None:
    set_secret("MY_SECRET_KEY", "from-file")
    assert flyte.run(reads_secret).outputs()[0] == "from-file|test"


def test_missing_secret_is_a_warning_naming_the_secret_and_task(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="flyte"):
        assert flyte.run(reads_secret).outputs()[0] == "None|test"
    assert any(re.search(r"MY_SECRET_KEY.*with_secrets\.reads_secret", r.getMessage()) for r in caplog.records)


def test_run_env_vars_reach_tasks() -> None:
    outputs = flyte.with_runcontext(mode="local", env_vars={"MODE": "from-run"}).run(reads_without_secret)
    assert outputs.outputs()[0] == "None|from-run"


@env.task
async def durable_clock() -> float:
    before = await flyte.durable.time.aio()
    await flyte.durable.sleep.aio(0.05)
    now = await flyte.durable.now.aio()
    return now.timestamp() - before


def test_durable_sleep_and_clock_are_recorded_as_traces() -> None:
    run = flyte.with_runcontext(mode="local").run(durable_clock)
    assert run.outputs()[0] >= 0.05
    assert len([a for a in actions_of(run.name) if a["kind"] == "trace"]) == 3


@env.task(report=True)
def generate_report() -> int:
    flyte.report.log("<h1>Processing Started</h1>")
    tab = flyte.report.get_tab("Progress")
    for i in range(3):
        tab.replace(f"<div>Progress: {i}%</div>")
        flyte.report.flush()
    flyte.report.log("<p>Processing completed successfully</p>")
    return 1


def test_report_is_stored_with_its_tabs() -> None:
    run = flyte.with_runcontext(mode="local").run(generate_report)
    store = default_store()
    store.flush()
    [(html,)] = store.query("SELECT html FROM reports WHERE run_name = ?", (run.name,))
    assert "Processing Started" in html and "completed successfully" in html
    assert "Progress: 2%" in html and "Progress: 1%" not in html
