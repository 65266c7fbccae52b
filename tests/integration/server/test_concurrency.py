"""Concurrency on a server: ``max_action_concurrency`` caps the children running at once, and
parents waiting on children hold no worker slot, so a server with few slots never deadlocks."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow

WORKFLOW = """
import asyncio
import json
import os
import time

import flyte

env = flyte.TaskEnvironment(name="concurrency")


@env.task
async def work(i: int, folder: str) -> int:
    # Times as the task itself sees them: when it started and ended running.
    start = time.time()
    await asyncio.sleep(0.4)
    with open(os.path.join(folder, f"{i}.json"), "w") as f:
        json.dump({"start": start, "end": time.time()}, f)
    return i


@env.task
async def fan_out(n: int, folder: str) -> int:
    return sum(await asyncio.gather(*[work(i, folder) for i in range(n)]))


@env.task
async def held(i: int, release: str) -> int:
    deadline = time.monotonic() + 60
    while not os.path.exists(release) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return i


@env.task
async def many_held(n: int, release: str) -> int:
    return sum(await asyncio.gather(*[held(i, release) for i in range(n)]))


@env.task
async def leaf(i: int) -> int:
    return i


@env.task
async def middle(i: int) -> int:
    return sum(await asyncio.gather(leaf(i), leaf(i + 1)))


@env.task
async def nested(n: int) -> int:
    return sum(await asyncio.gather(*[middle(i) for i in range(n)]))
"""


def _most_at_once(folder: Path) -> int:
    events: list[tuple[float, int]] = []
    for file in folder.glob("*.json"):
        span = json.loads(file.read_text())
        events += [(span["start"], 1), (span["end"], -1)]
    running = most = 0
    for _, change in sorted(events):  # an end sorts before a start at the same instant
        running += change
        most = max(most, running)
    return most


def test_max_action_concurrency_caps_running_children(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    spans = tmp_path / "spans"
    spans.mkdir()
    run = flyte.with_runcontext(max_action_concurrency=2).run(wf.fan_out, 8, str(spans))
    assert run.outputs()[0] == sum(range(8))
    assert len(list(spans.glob("*.json"))) == 8
    assert _most_at_once(spans) == 2


@pytest.mark.server_options(max_workers=1)
def test_waiting_parents_hold_no_slot(flyte_server: ServerHandle) -> None:
    # 1 root waiting on 6 children, each waiting on 2 leaves: 7 waiting parents, 1 slot.
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    started = time.monotonic()
    remote = finished(flyte.run(wf.nested, 6))
    # A parent gives its slot back as soon as it waits, not at its next heartbeat: waiting for
    # the heartbeats (every 2 s) of 7 parents in turn would take 14 s or more.
    assert time.monotonic() - started < 12
    assert remote.phase == "SUCCEEDED", remote.error
    assert remote.outputs()[0] == sum(2 * i + 1 for i in range(6))
    assert len(remote.actions()) == 1 + 6 + 12


def test_a_run_at_its_limit_does_not_starve_other_runs(flyte_server: ServerHandle, tmp_path: Path) -> None:
    # More queued children than the scheduler reads in one go, all of a run that may run one.
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    release = tmp_path / "release"
    crowded = flyte.with_runcontext(max_action_concurrency=1).run(wf.many_held, 600, str(release))
    crowded_remote = flyte.remote.Run.get(crowded.name)
    deadline = time.monotonic() + 30
    while len(crowded_remote.actions()) < 601:
        assert time.monotonic() < deadline, "the children were not all created"
        time.sleep(0.1)
    try:
        other = finished(flyte.run(wf.leaf, 7), timeout=20)
        assert other.phase == "SUCCEEDED"
        assert other.outputs()[0] == 7
    finally:
        crowded_remote.abort()
