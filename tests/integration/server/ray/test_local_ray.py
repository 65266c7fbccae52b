"""``--executor ray``: the server starts a Ray cluster of its own machine, runs its attempts on
it, and stops it with itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

import flyte
from tests.fixtures.netns import private_network
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, load_workflow

WORKFLOW = """
import asyncio
import os

import flyte

env = flyte.TaskEnvironment(name="local_ray")


@env.task
async def square(x: int) -> tuple[int, str]:
    return x * x, os.environ.get("FLYTE_RAY_NODE_ID", "")


@env.task
async def squares(n: int) -> list[tuple[int, str]]:
    return list(await asyncio.gather(*[square(i) for i in range(n)]))
"""


@pytest.fixture
def local_ray_server(tmp_path: Path) -> Iterator[ServerHandle]:
    """A server started with ``--executor ray``, in a private network namespace."""
    with private_network():
        home = tmp_path / "server-home"
        home.mkdir()
        handle = ServerHandle(f"sqlite:///{tmp_path / 'server.db'}", home, args=("--executor", "ray"))
        handle.start(timeout=120)
        try:
            yield handle
        finally:
            handle.stop()


def _command_line(process: psutil.Process) -> str:
    # A short-lived helper process may end between the listing and this read.
    try:
        return " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return ""


def test_the_server_starts_and_stops_its_own_ray_cluster(local_ray_server: ServerHandle, tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    connect(local_ray_server, code)
    wf = load_workflow(WORKFLOW, code)
    results = flyte.run(wf.squares, 6).outputs()[0]
    assert [value for value, _ in results] == [i * i for i in range(6)]
    assert len({node for _, node in results}) == 1 and results[0][1]  # one node: this machine
    assert local_ray_server.process is not None
    server = psutil.Process(local_ray_server.process.pid)
    ray_processes = [p for p in server.children(recursive=True) if "raylet" in _command_line(p)]
    assert ray_processes, "the Ray cluster runs under the server"
    local_ray_server.stop()
    _, alive = psutil.wait_procs(ray_processes, timeout=30)
    assert not alive, f"Ray processes outlived the server: {[p.pid for p in alive]}"
