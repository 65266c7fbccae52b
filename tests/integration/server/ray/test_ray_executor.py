"""Runs on a Ray cluster: a server started with ``--executor ray://...`` runs every attempt on
the cluster's two nodes, with the same behaviour as on one machine: fan-outs (spread over both
nodes), retries of crashed workers and of dead Ray workers as system errors, timeouts, memory
limits, caching, images materialised on the node, reusable environments as warm actors, and a
server killed mid-run that carries on."""

from __future__ import annotations

import sys
import time
import zipfile
from pathlib import Path

import pytest

import flyte
import flyte.errors
from tests.fixtures.ray_cluster import RayCluster
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow

WORKFLOW = """
import asyncio
import os
from pathlib import Path

import flyte

HERE = Path(__file__).parent

env = flyte.TaskEnvironment(name="ray_tasks")
small = flyte.TaskEnvironment(name="ray_small", resources=flyte.Resources(memory="200Mi"))
pool = flyte.TaskEnvironment(
    name="ray_pool", reusable=flyte.ReusePolicy(replicas=2, idle_ttl=60, concurrency=10)
)
small_pool = flyte.TaskEnvironment(
    name="ray_small_pool",
    resources=flyte.Resources(memory="300Mi"),
    reusable=flyte.ReusePolicy(replicas=1, idle_ttl=60, concurrency=2),
)
imaged = flyte.TaskEnvironment(
    name="ray_image",
    image=flyte.Image.from_debian_base()
    .with_pip_packages(str(HERE / "rayprobe-1.0-py3-none-any.whl"))
    .with_env_vars({"IMAGE_VAR": "from-the-image"}),
)


@env.task
async def node(i: int) -> str:
    return os.environ.get("FLYTE_RAY_NODE_ID", "")


@env.task
async def fan_out(n: int) -> list[str]:
    return list(await asyncio.gather(*[node(i) for i in range(n)]))


@env.task
async def crash_once(marker: str) -> str:
    if not Path(marker).exists():
        Path(marker).write_text("crashed")
        os._exit(3)
    return "second attempt"


@env.task
async def kill_ray_worker_once(marker: str) -> str:
    if not Path(marker).exists():
        Path(marker).write_text("killed")
        os.kill(os.getppid(), 9)
        await asyncio.sleep(60)
    return "after the Ray worker died"


@env.task(timeout=1)
async def too_slow() -> int:
    await asyncio.sleep(60)
    return 0


@small.task
async def hog() -> int:
    block = bytearray(600 * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    await asyncio.sleep(60)
    return len(block)


@env.task(cache="auto")
async def cached(x: int, folder: str) -> int:
    (Path(folder) / f"ran.{os.getpid()}.{x}").touch()
    return x * 2


@small_pool.task
async def pool_hog() -> int:
    block = bytearray(700 * 1024 * 1024)
    for i in range(0, len(block), 4096):
        block[i] = 1
    await asyncio.sleep(60)
    return len(block)


@pool.task
async def pid(i: int) -> int:
    return os.getpid()


@env.task
async def sequential(n: int) -> list[int]:
    return [await pid(i) for i in range(n)]


@imaged.task
async def in_image() -> dict[str, str]:
    import rayprobe

    return {"probe": rayprobe.HELLO, "var": os.environ.get("IMAGE_VAR", ""), "python": os.environ["VIRTUAL_ENV"]}


@env.task
async def gated(i: int, folder: str) -> int:
    Path(folder, f"started.{i}.{os.environ['FLYTE_RAY_NODE_ID']}.{os.getpid()}").touch()
    while not Path(folder, "gate").exists():
        await asyncio.sleep(0.1)
    return i


@env.task
async def gated_fan_out(n: int, folder: str) -> int:
    return sum(await asyncio.gather(*[gated(i, folder) for i in range(n)]))
"""


def _write_wheel(folder: Path) -> None:
    """A one-module wheel, so that the image installs without reaching a package index."""
    dist = "rayprobe-1.0.dist-info"
    with zipfile.ZipFile(folder / "rayprobe-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("rayprobe.py", 'HELLO = "from a wheel in the image"\n')
        wheel.writestr(f"{dist}/METADATA", "Metadata-Version: 2.1\nName: rayprobe\nVersion: 1.0\n")
        wheel.writestr(
            f"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        wheel.writestr(f"{dist}/RECORD", f"rayprobe.py,,\n{dist}/METADATA,,\n{dist}/WHEEL,,\n{dist}/RECORD,,\n")


@pytest.fixture
def wf(ray_server: ServerHandle, tmp_path: Path) -> object:
    """The workflow module, with the SDK pointed at the Ray-backed server."""
    folder = tmp_path / "code"
    folder.mkdir()
    _write_wheel(folder)
    connect(ray_server, folder)
    return load_workflow(WORKFLOW, folder)


def test_fan_out_spreads_over_both_nodes(wf: object) -> None:
    nodes = flyte.run(wf.fan_out, 24).outputs()[0]  # type: ignore[attr-defined]
    assert len(nodes) == 24 and all(nodes)
    assert len(set(nodes)) == 2


def test_crashed_worker_and_dead_ray_worker_are_retried(wf: object, tmp_path: Path) -> None:
    crashed = flyte.run(wf.crash_once, str(tmp_path / "crash-marker"))  # type: ignore[attr-defined]
    assert crashed.outputs()[0] == "second attempt"
    killed = flyte.run(wf.kill_ray_worker_once, str(tmp_path / "kill-marker"))  # type: ignore[attr-defined]
    assert killed.outputs()[0] == "after the Ray worker died"
    (root,) = finished(killed).actions()
    assert root.attempts == 2  # the first one ended with its Ray worker


def test_timeout_and_memory_limit_hold(wf: object) -> None:
    with pytest.raises(flyte.errors.TaskTimeoutError):
        flyte.run(wf.too_slow).outputs()  # type: ignore[attr-defined]
    with pytest.raises(flyte.errors.OOMError):
        flyte.run(wf.hog).outputs()  # type: ignore[attr-defined]
    with pytest.raises(flyte.errors.OOMError):
        flyte.run(wf.pool_hog).outputs()  # type: ignore[attr-defined]


def test_cache_spares_the_second_run(wf: object, tmp_path: Path) -> None:
    folder = tmp_path / "cache-markers"
    folder.mkdir()
    first = flyte.run(wf.cached, 21, str(folder)).outputs()[0]  # type: ignore[attr-defined]
    second = flyte.run(wf.cached, 21, str(folder)).outputs()[0]  # type: ignore[attr-defined]
    assert first == second == 42
    assert len(list(folder.iterdir())) == 1


def test_reusable_environment_runs_on_a_warm_actor(wf: object) -> None:
    pids = flyte.run(wf.sequential, 5).outputs()[0]  # type: ignore[attr-defined]
    assert len(set(pids)) == 1


def test_image_is_materialised_on_the_node(wf: object, ray_cluster: RayCluster) -> None:
    result = flyte.run(wf.in_image).outputs()[0]  # type: ignore[attr-defined]
    assert result["probe"] == "from a wheel in the image"
    assert result["var"] == "from-the-image"
    homes = [str(ray_cluster.node_home(i)) for i in range(2)]
    assert any(result["python"].startswith(home) for home in homes)
    assert sys.prefix not in result["python"]


def test_killed_server_carries_on(ray_server: ServerHandle, wf: object, tmp_path: Path) -> None:
    folder = tmp_path / "gates"
    folder.mkdir()
    run = flyte.run(wf.gated_fan_out, 6, str(folder))  # type: ignore[attr-defined]
    deadline = time.monotonic() + 90
    while len(list(folder.glob("started.*"))) < 6:
        assert time.monotonic() < deadline, "the children did not start"
        time.sleep(0.1)
    ray_server.kill()
    ray_server.start(timeout=120)
    (folder / "gate").touch()
    assert finished(run, timeout=120).outputs()[0] == sum(range(6))


def test_a_lost_node_loses_no_run(wf: object, ray_cluster: RayCluster, tmp_path: Path) -> None:
    folder = tmp_path / "gates"
    folder.mkdir()
    run = flyte.run(wf.gated_fan_out, 8, str(folder))  # type: ignore[attr-defined]
    deadline = time.monotonic() + 90
    while len({marker.name.split(".")[2] for marker in folder.glob("started.*")}) < 2:
        assert time.monotonic() < deadline, "the children did not start on both nodes"
        time.sleep(0.1)
    ray_cluster.kill_node(1)
    try:
        (folder / "gate").touch()
        remote = finished(run, timeout=110)
        assert remote.outputs()[0] == sum(range(8))
        retried = [action for action in remote.actions() if action.name != "a0" and action.attempts > 1]
        assert retried, "no child ran on the lost node"
    finally:
        ray_cluster.restart_node(1)
