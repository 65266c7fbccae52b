"""flyte.trace inside a task on a server: each traced call is a trace action with its inputs and
outputs (or error), and a parent that runs again replays it instead of calling it again."""

from __future__ import annotations

from pathlib import Path

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, load_workflow

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="traces")


@flyte.trace
async def lookup(key: str) -> dict[str, int]:
    return {key: len(key)}


@flyte.trace
def shout(text: str) -> str:
    return text.upper()


@flyte.trace
async def broken(x: int) -> int:
    raise KeyError(f"missing {x}")


@env.task
async def main(key: str) -> str:
    found = await lookup(key)
    loud = shout(key)
    try:
        await broken(7)
    except KeyError:
        pass
    return f"{found[key]} {loud}"


@env.task
def sync_main(key: str) -> str:
    # A sync task runs on a thread: its traces are recorded from there.
    return shout(key)


@flyte.trace
async def side_effect(log: str) -> int:
    with open(log, "a") as f:
        f.write("called\\n")
    return 42


@env.task(retries=1)
async def replays(log: str, marker: str) -> int:
    value = await side_effect(log)
    import os

    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first attempt fails after the trace")
    return value
"""


def test_traces_are_recorded_as_actions_with_outputs(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.run(wf.main, "flyte")
    assert run.outputs()[0] == "5 FLYTE"
    actions = flyte.remote.Run.get(run.name).actions()
    traces = {a.task_name: a for a in actions if a.info.kind == "trace"}
    assert set(traces) == {"lookup", "shout", "broken"}
    assert all(a.parent == "a0" for a in traces.values())
    assert traces["lookup"].phase == "SUCCEEDED"
    assert traces["lookup"].outputs()[0] == {"flyte": 5}
    assert traces["lookup"].inputs() == {"args": ["flyte"], "kwargs": {}}
    assert traces["shout"].outputs()[0] == "FLYTE"
    broken = traces["broken"]
    assert broken.phase == "FAILED"
    assert broken.error is not None and broken.error.code == "KeyError"


def test_a_trace_in_a_sync_task_is_recorded(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.run(wf.sync_main, "abc")
    assert run.outputs()[0] == "ABC"
    (trace,) = [a for a in flyte.remote.Run.get(run.name).actions() if a.info.kind == "trace"]
    assert (trace.task_name, trace.phase) == ("shout", "SUCCEEDED")
    assert trace.outputs()[0] == "ABC"


def test_a_retried_parent_replays_its_trace(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    log = tmp_path / "calls.log"
    run = flyte.run(wf.replays, str(log), str(tmp_path / "marker"))
    assert run.outputs()[0] == 42
    assert log.read_text().splitlines() == ["called"]
    actions = flyte.remote.Run.get(run.name).actions()
    root = next(a for a in actions if a.name == "a0")
    assert root.attempts == 2
    (trace,) = [a for a in actions if a.info.kind == "trace"]
    assert (trace.task_name, trace.phase) == ("side_effect", "SUCCEEDED")
