"""Resources on one machine: a task asking for more than the machine has stays queued, saying why
(in `flyte get run` and the API) instead of failing or waiting silently, and does not hold up
other runs; a task asking for fewer CPUs than the machine has is pinned to that many cores."""

from __future__ import annotations

import os
import time

import pytest

import flyte
import flyte.remote
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, flyte_cli, load_workflow

WORKFLOW = """
import os

import flyte

huge = flyte.TaskEnvironment(name="res_huge", resources=flyte.Resources(cpu=1000, gpu=64))
one_core = flyte.TaskEnvironment(name="res_one_core", resources=flyte.Resources(cpu=1))
anywhere = flyte.TaskEnvironment(name="res_anywhere")


@huge.task
async def too_big() -> int:
    return 1


@one_core.task
async def pinned() -> list[int]:
    return sorted(os.sched_getaffinity(0))


@anywhere.task
async def unpinned() -> list[int]:
    return sorted(os.sched_getaffinity(0))
"""


def test_a_task_too_big_for_the_machine_waits_and_says_why(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    waiting = flyte.run(wf.too_big)
    remote = flyte.remote.Run.get(waiting.name)
    deadline = time.monotonic() + 30
    while True:
        (root,) = remote.actions()
        if root.waiting_reason is not None:
            break
        assert time.monotonic() < deadline, "no reason was given for the wait"
        time.sleep(0.1)
    assert root.phase == "QUEUED"
    assert "asks for cpu=1000 (has " in root.waiting_reason
    assert "gpu=64 (has " in root.waiting_reason
    assert "stays queued" in root.waiting_reason
    shown = flyte_cli(flyte_server, "get", "run", waiting.name)
    assert shown.returncode == 0, shown.stderr
    assert "Waiting:  a0: Task 'res_huge.too_big' asks for cpu=1000" in shown.stdout
    # Other runs go on meanwhile; the waiting one can be aborted.
    assert flyte.run(wf.unpinned).outputs()[0]
    remote.abort()
    remote.wait(timeout=30)
    assert remote.phase == "ABORTED"


def test_a_task_asking_for_one_cpu_is_pinned_to_one_core(flyte_server: ServerHandle) -> None:
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        pytest.skip("pinning needs a machine with at least two cores")
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    pinned = flyte.run(wf.pinned).outputs()[0]
    assert len(pinned) == 1 and pinned[0] in usable
    assert flyte.run(wf.unpinned).outputs()[0] == usable
