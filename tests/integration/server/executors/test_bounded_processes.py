"""Warm processes stay bounded: zygotes (one per code bundle and image) are capped and stopped
when idle, so a hundred distinct bundles leave the server's memory near where it started."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, load_workflow
from tests.integration.server.hardening._support import wait_for

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="bounded_{i}")


@env.task
async def main() -> int:
    return {i}
"""


def _tree(process: psutil.Process) -> list[psutil.Process]:
    return [process, *process.children(recursive=True)]


def _zygotes(server: ServerHandle) -> list[psutil.Process]:
    assert server.process is not None
    found = []
    for child in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if "flyte.server.executors.zygote" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue
    return found


def _resident_mb(server: ServerHandle) -> float:
    assert server.process is not None
    total = 0
    for process in _tree(psutil.Process(server.process.pid)):
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.server_options(args=("--zygote-idle-seconds", "2", "--max-zygotes", "4"))
def test_a_hundred_bundles_leave_memory_near_its_start(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server, tmp_path)
    warm = load_workflow(WORKFLOW.format(i=-1), tmp_path)
    assert flyte.run(warm.main).outputs()[0] == -1  # the server has served a run: its own memory is warm
    wait_for(lambda: not _zygotes(flyte_server), timeout=60, what="the first zygote stopping")
    start_mb = _resident_mb(flyte_server)

    runs = []
    most = 0
    for i in range(100):
        folder = tmp_path / f"project-{i}"
        folder.mkdir()
        connect(flyte_server, folder)
        wf = load_workflow(WORKFLOW.format(i=i), folder)
        runs.append((i, flyte.run(wf.main)))
        most = max(most, len(_zygotes(flyte_server)))
    for i, run in runs:
        assert run.outputs()[0] == i
        most = max(most, len(_zygotes(flyte_server)))
    assert most <= 4 + 2  # the cap, and those starting while an idle one is being stopped

    wait_for(lambda: not _zygotes(flyte_server), timeout=60, what="the idle zygotes stopping")
    end_mb = _resident_mb(flyte_server)
    assert end_mb < start_mb + 100, (start_mb, end_mb)
