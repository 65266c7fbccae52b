"""The ``flyte.remote`` object model against a real server (SQLite and PostgreSQL): Run.get and
Run.listall with their filters, wait, done, watch, inputs, outputs, details, logs, reports and
abort, and Action.listall, wait, details and logs, each also through ``.aio``. Reading a run's
data never unpickles what a task produced unless the reader asks for it.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

import flyte
import flyte.errors
import flyte.remote
from flyte.models import ActionPhase
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import DEADLINE_S, connect, flyte_cli, load_workflow, wait_until

T = TypeVar("T")

WORKFLOW = """
import asyncio
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(name="remote_full")


def touch(marker: str) -> str:
    Path(marker).touch()
    return "unpickled"


class Boom:
    # Unpickling a Boom runs touch(marker): a reader that unpickles leaves the marker behind.
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (touch, (self.marker,))


@env.task
async def greet(name: str) -> str:
    print(f"greeting {name}")
    return f"hello {name}"


@env.task
async def fail(x: int) -> int:
    raise ValueError(f"bad {x}")


@env.task
async def held(release: str) -> int:
    # Ends once the test creates the release file (bounded, should the test never do it).
    for _ in range(3000):
        if Path(release).exists():
            return 7
        await asyncio.sleep(0.02)
    return -1


@env.task(retries=2)
async def flaky(counter: str) -> int:
    path = Path(counter)
    tries = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(tries))
    if tries < 3:
        raise RuntimeError(f"try {tries} fails")
    return tries


@env.task
async def parent(names: list[str]) -> list[str]:
    return list(await asyncio.gather(*(greet(n) for n in names)))


@env.task(report=True)
async def reporting() -> int:
    flyte.report.log("<p>the report</p>")
    await flyte.report.flush.aio()
    return 1


@env.task
async def pickled(marker: str) -> Boom:
    return Boom(marker)
"""


async def _collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


def test_get_and_listall_with_filters(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    first = flyte.remote.Run.get(flyte.run(wf.greet, "a").name)
    first.wait(timeout=DEADLINE_S)
    between = datetime.now(timezone.utc)
    second = flyte.remote.Run.get(flyte.run(wf.greet, "b").name)
    failed = flyte.remote.Run.get(flyte.run(wf.fail, 1).name)
    for run in (second, failed):
        run.wait(timeout=DEADLINE_S)

    def names(**filters: object) -> list[str]:
        return [r.name for r in flyte.remote.Run.listall(**filters)]

    assert names() == [failed.name, second.name, first.name]
    assert names(in_phase=("SUCCEEDED",)) == [second.name, first.name]
    assert names(in_phase=(ActionPhase.FAILED, "succeeded")) == [failed.name, second.name, first.name]
    assert names(task_name="fail") == [failed.name]
    assert names(limit=1) == [failed.name]
    assert names(sort_by=("created_at", "asc")) == [first.name, second.name, failed.name]
    assert names(created_at=flyte.remote.TimeFilter(after=between)) == [failed.name, second.name]
    assert names(created_at=flyte.remote.TimeFilter(before=between)) == [first.name]
    found = asyncio.run(_collect(flyte.remote.Run.listall.aio(in_phase=("FAILED",))))
    assert [r.name for r in found] == [failed.name]
    assert asyncio.run(flyte.remote.Run.get.aio(first.name)).name == first.name

    failed_details = failed.details()
    assert failed_details.phase == "FAILED"
    assert failed_details.action_details.error_message == "bad 1"
    try:
        failed.raise_for_status()
    except flyte.errors.RuntimeUserError as e:
        assert e.message == "bad 1"
    else:
        raise AssertionError("raise_for_status did not raise")


def test_wait_watch_inputs_outputs_and_abort(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    release = tmp_path / "release"
    run = flyte.remote.Run.get(flyte.run(wf.held, str(release)).name)
    assert not run.done()
    phases = []
    for details in run.watch():
        phases.append(details.phase)
        if details.phase == "RUNNING":
            release.touch()
    assert phases[-1] == "SUCCEEDED" and "RUNNING" in phases
    assert len(phases) == len(set(phases)), "each phase change is reported once"
    assert run.done() and run.phase == "SUCCEEDED"
    assert run.inputs() == {"release": str(release)}
    assert run.outputs()[0] == 7
    assert asyncio.run(run.inputs.aio()) == {"release": str(release)}
    assert asyncio.run(run.outputs.aio())[0] == 7

    other = flyte.remote.Run.get(flyte.run(wf.held, str(tmp_path / "never")).name)
    asyncio.run(other.wait.aio(wait_for="running", timeout=DEADLINE_S))
    assert other.phase == "RUNNING"

    async def watch_and_abort() -> list[str]:
        seen = []
        async for details in other.watch.aio():
            seen.append(details.phase)
            if details.phase == "RUNNING":
                await other.abort.aio("enough")
        return seen

    assert asyncio.run(watch_and_abort())[-2:] == ["RUNNING", "ABORTED"]
    asyncio.run(other.wait.aio(timeout=DEADLINE_S))
    details = other.details()
    assert (details.phase, details.action_details.error_message) == ("ABORTED", "enough")
    assert [t.phase for t in details.action_details.get_phase_transitions()][-1] == "ABORTED"


def test_details_attempts_errors_and_actions(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(wf.flaky, str(tmp_path / "counter")).name)
    run.wait(timeout=DEADLINE_S)
    details = run.details()
    assert details.outputs()[0] == 3
    attempts = details.action_details.attempts
    assert [a.phase for a in attempts] == ["FAILED", "FAILED", "SUCCEEDED"]
    assert [a.error.message if a.error else None for a in attempts] == ["try 1 fails", "try 2 fails", None]
    transitions = details.action_details.get_phase_transitions(attempt=3)
    assert [t.phase for t in transitions][-1] == "SUCCEEDED"

    tree = flyte.remote.Run.get(flyte.run(wf.parent, ["x", "y"]).name)
    tree.wait(timeout=DEADLINE_S)
    children = flyte.remote.Action.listall(for_run_name=tree.name, parent_name="a0")
    assert sorted(a.inputs()["name"] for a in children) == ["x", "y"]
    assert {a.parent_name for a in children} == {"a0"}
    assert len(flyte.remote.Action.listall(for_run_name=tree.name, in_phase=("SUCCEEDED",))) == 3
    assert flyte.remote.Action.listall(tree.name, in_phase=(ActionPhase.FAILED,)) == []
    ordered = flyte.remote.Action.listall(tree.name, sort_by=("created_at", "asc"))
    assert ordered[0].name == "a0"
    listed = asyncio.run(_collect(flyte.remote.Action.listall.aio(for_run_name=tree.name)))
    assert len(listed) == 3
    child = children[0]
    child.wait(timeout=DEADLINE_S)
    asyncio.run(child.wait.aio(timeout=DEADLINE_S))
    child_details = asyncio.run(child.details.aio())
    assert child_details.parent_name == "a0" and child_details.done()
    assert child_details.outputs()[0] == f"hello {child_details.inputs()['name']}"
    assert flyte.remote.Action.get(tree.name, child.name).phase == "SUCCEEDED"


def test_logs_and_reports(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(wf.greet, "ada").name)
    out = io.StringIO()
    run.show_logs(out=out)  # follows the logs until the run ends
    assert out.getvalue() == "greeting ada\n"
    assert run.sync().phase == "SUCCEEDED"
    assert list(run.get_logs()) == ["greeting ada"]
    assert asyncio.run(_collect(run.get_logs.aio())) == ["greeting ada"]
    (root,) = run.actions()
    (stamped,) = root.get_logs(show_ts=True)
    assert stamped.endswith(" greeting ada")
    shown = io.StringIO()
    root.show_logs(out=shown)
    assert shown.getvalue() == "greeting ada\n"

    reported = flyte.remote.Run.get(flyte.run(wf.reporting).name)
    reported.wait(timeout=DEADLINE_S)
    assert "<p>the report</p>" in reported.get_report()
    assert "<p>the report</p>" in flyte.remote.Action.get(reported.name, "a0").get_report()
    assert "<p>the report</p>" in (reported.details().action_details.report or "")


def test_pickled_outputs_are_never_unpickled_unless_asked(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    marker = tmp_path / "unpickled.marker"
    started = flyte.run(wf.pickled, str(marker))
    run = flyte.remote.Run.get(started.name)  # fetched by name: no task types at hand
    run.wait(timeout=DEADLINE_S)
    assert run.phase == "SUCCEEDED"

    shown = flyte_cli(flyte_server, "get", "io", run.name)
    assert shown.returncode == 0, shown.stderr
    assert "<pickled" in shown.stdout and "bytes>" in shown.stdout
    value = run.outputs()[0]
    assert isinstance(value, flyte.remote.PickledValue)
    assert value.size > 0
    assert isinstance(run.details().outputs()[0], flyte.remote.PickledValue)
    assert isinstance(flyte.remote.Action.get(run.name, "a0").outputs()[0], flyte.remote.PickledValue)
    assert isinstance(asyncio.run(run.outputs.aio())[0], flyte.remote.PickledValue)
    assert not marker.exists(), "reading the outputs ran the pickle's code"

    # Asked for, the value is unpickled: its code runs (which is why it is never the default).
    assert run.outputs(unpickle=True)[0] == "unpickled"
    wait_until("the unpickled value's code ran", marker.exists)
