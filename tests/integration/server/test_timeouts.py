"""Timeouts on a server: a task past its timeout is killed, ends TIMED_OUT, and its parent
catches flyte.errors.TaskTimeoutError."""

from __future__ import annotations

import time
from pathlib import Path

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow, process_alive

WORKFLOW = """
import asyncio
import os
from pathlib import Path

import flyte
import flyte.errors

env = flyte.TaskEnvironment(name="timeouts")


@env.task(timeout=1)
async def sleepy(pid_file: str) -> str:
    Path(pid_file).write_text(str(os.getpid()))
    await asyncio.sleep(60)
    return "woke up"


@env.task
async def main(pid_file: str) -> str:
    try:
        return await sleepy(pid_file)
    except flyte.errors.TaskTimeoutError as e:
        return f"timed out: {e.code}"
"""


def test_task_past_its_timeout_is_killed_and_parent_catches(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    pid_file = tmp_path / "sleepy.pid"
    started = time.monotonic()
    remote = finished(flyte.run(wf.main, str(pid_file)), timeout=30)
    assert time.monotonic() - started < 15
    assert remote.phase == "SUCCEEDED"
    assert remote.outputs()[0] == "timed out: TaskTimeoutError"
    (child,) = [a for a in remote.actions() if a.name != "a0"]
    assert child.phase == "TIMED_OUT"
    assert child.attempts == 1
    assert child.error is not None and child.error.code == "TaskTimeoutError"
    assert not process_alive(int(pid_file.read_text()))


def test_root_past_its_timeout_ends_the_run_timed_out(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    remote = finished(flyte.run(wf.sleepy, str(tmp_path / "root.pid")), timeout=30)
    assert remote.phase == "TIMED_OUT"
    assert remote.error is not None and remote.error.code == "TaskTimeoutError"
