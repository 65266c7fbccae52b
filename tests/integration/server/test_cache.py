"""The cache on a server, across runs: a second run of a cached task (``cache="auto"`` or
``cache="override"`` with a version) is a CACHE_HIT and does not run the task's body."""

from __future__ import annotations

from pathlib import Path

import pytest

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, load_workflow

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="caching")


@env.task(cache="auto")
async def auto(x: int, log: str) -> int:
    with open(log, "a") as f:
        f.write(f"auto {x}\\n")
    return x * 10


@env.task(cache="override", cache_version="v1")
async def versioned(x: int, log: str) -> int:
    with open(log, "a") as f:
        f.write(f"versioned {x}\\n")
    return x * 100


@env.task
async def main(which: str, x: int, log: str) -> int:
    task = auto if which == "auto" else versioned
    return await task(x, log)
"""


def _body_runs(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def _child(run_name: str) -> flyte.remote.Action:
    (child,) = [a for a in flyte.remote.Run.get(run_name).actions() if a.name != "a0"]
    return child


@pytest.mark.parametrize(("which", "factor"), [("auto", 10), ("versioned", 100)])
def test_child_cache_hit_in_a_second_run(flyte_server: ServerHandle, tmp_path: Path, which: str, factor: int) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    log = tmp_path / "body.log"

    first = flyte.run(wf.main, which, 3, str(log))
    assert first.outputs()[0] == 3 * factor
    assert _child(first.name).cache_status == "CACHE_POPULATED"
    assert _body_runs(log) == [f"{which} 3"]

    second = flyte.run(wf.main, which, 3, str(log))
    assert second.outputs()[0] == 3 * factor
    assert second.name != first.name
    hit = _child(second.name)
    assert (hit.phase, hit.cache_status, hit.attempts) == ("SUCCEEDED", "CACHE_HIT", 0)
    assert _body_runs(log) == [f"{which} 3"]

    other = flyte.run(wf.main, which, 4, str(log))
    assert other.outputs()[0] == 4 * factor
    assert _child(other.name).cache_status == "CACHE_POPULATED"
    assert _body_runs(log) == [f"{which} 3", f"{which} 4"]


def test_root_cache_hit_and_overwrite(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    log = tmp_path / "body.log"

    first = flyte.run(wf.versioned, 5, str(log))
    assert first.outputs()[0] == 500
    second = flyte.run(wf.versioned, 5, str(log))
    assert second.outputs()[0] == 500
    (root,) = flyte.remote.Run.get(second.name).actions()
    assert (root.phase, root.cache_status) == ("SUCCEEDED", "CACHE_HIT")
    assert _body_runs(log) == ["versioned 5"]

    third = flyte.with_runcontext(overwrite_cache=True).run(wf.versioned, 5, str(log))
    assert third.outputs()[0] == 500
    (root,) = flyte.remote.Run.get(third.name).actions()
    assert root.cache_status == "CACHE_POPULATED"
    assert _body_runs(log) == ["versioned 5", "versioned 5"]
