"""Reusable environments on the server: warm replicas run many actions each (the same process
across calls), several at once; each action keeps its own logs and variables; a replica that
dies is replaced and its actions retried as system errors; timeouts hold per action."""

from __future__ import annotations

from pathlib import Path

import pytest

import flyte
import flyte.errors
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow

WORKFLOW = """
import asyncio
import os
from pathlib import Path

import flyte

pool = flyte.TaskEnvironment(
    name="reuse_pool", reusable=flyte.ReusePolicy(replicas=2, idle_ttl=60, concurrency=10)
)
driver = flyte.TaskEnvironment(name="reuse_driver")
small_pool = flyte.TaskEnvironment(
    name="reuse_small",
    resources=flyte.Resources(memory="300Mi"),
    reusable=flyte.ReusePolicy(replicas=1, idle_ttl=60, concurrency=2),
)


@small_pool.task
async def hog() -> int:
    block = bytearray(700 * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    await asyncio.sleep(60)
    return len(block)


@small_pool.task
async def small_pid() -> int:
    return os.getpid()


@pool.task
async def pid(i: int) -> int:
    print(f"action {i} says hello")
    return os.getpid()


@pool.task
async def variable(name: str) -> str:
    return os.environ.get(name, "")


@pool.task
async def crash_once(marker: str) -> int:
    if not Path(marker).exists():
        Path(marker).write_text("crashed")
        os._exit(1)
    return os.getpid()


@pool.task(timeout=1)
async def too_slow() -> int:
    await asyncio.sleep(30)
    return 0


@driver.task
async def sequential(n: int) -> list[int]:
    return [await pid(i) for i in range(n)]


@driver.task
async def fan_out(n: int) -> list[int]:
    return list(await asyncio.gather(*[pid(i) for i in range(n)]))


@driver.task
async def slow_and_fast() -> str:
    try:
        await too_slow()
    except flyte.errors.TaskTimeoutError:
        fast = await pid(-1)
        return f"timed out; then {fast > 0}"
    return "not timed out"
"""


def test_actions_run_on_warm_replicas(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    pids = flyte.run(wf.sequential, 5).outputs()[0]
    assert len(set(pids)) == 1  # one warm process served the five calls
    many = flyte.run(wf.fan_out, 100).outputs()[0]
    assert len(many) == 100 and 1 <= len(set(many)) <= 2  # at most the two replicas


def test_each_action_keeps_its_logs_and_variables(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = finished(flyte.run(wf.fan_out, 20))
    assert run.phase == "SUCCEEDED"
    children = [action for action in run.actions() if action.name != "a0"]
    assert len(children) == 20
    for action in children:
        lines = run.download_logs(action.name).splitlines()
        assert len(lines) == 1 and lines[0].startswith("action ") and lines[0].endswith(" says hello")
    seen = {
        flyte.with_runcontext(env_vars={"RUN_VAR": value}).run(wf.variable, "RUN_VAR").outputs()[0]
        for value in ("first", "second")
    }
    assert seen == {"first", "second"}


def test_a_dead_replica_is_replaced_and_its_action_retried(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = finished(flyte.run(wf.crash_once, str(tmp_path / "marker")))
    assert run.phase == "SUCCEEDED"
    (root,) = run.actions()
    assert root.attempts == 2  # the replica died with the first attempt: a system error, retried


def test_a_replica_over_its_memory_limit_fails_its_action_as_oom(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    before = flyte.run(wf.small_pid).outputs()[0]
    with pytest.raises(flyte.errors.OOMError):
        flyte.run(wf.hog).outputs()
    after = flyte.run(wf.small_pid).outputs()[0]
    assert after != before  # the replica that blew its limit was replaced


def test_a_timeout_stops_one_action_not_the_replica(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    assert flyte.run(wf.slow_and_fast).outputs()[0] == "timed out; then True"
