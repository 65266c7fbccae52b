"""Reruns on a real server (SQLite and PostgreSQL): ``flyte rerun`` and ``flyte.rerun``.

A fan-out whose children fail while a file the test controls exists is run, then re-run: with
``--recover`` the children that succeeded are RECOVERED and never execute again (the calls file
the children append to proves it), the failed ones run; a plain rerun runs everything again with
the same inputs. The new run records its source, which ``flyte get run`` shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import flyte
import flyte.errors
import flyte.remote
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, flyte_cli, load_workflow

WORKFLOW = """
import asyncio
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(name="reruns")


@env.task
async def child(i: int, folder: str) -> int:
    with open(Path(folder) / "calls.txt", "a") as calls:
        calls.write(f"{i}\\n")
    if (Path(folder) / f"fail-{i}").exists():
        raise ValueError(f"child {i} told to fail")
    return i * 10


@env.task
async def fan_out(n: int, folder: str) -> int:
    # Every child ends before the parent decides: failures do not cut the others short.
    results = await asyncio.gather(*(child(i, folder) for i in range(n)), return_exceptions=True)
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        raise failed[0]
    return sum(results)
"""

TIMEOUT_S = 90.0


def _calls(folder: Path) -> list[int]:
    path = folder / "calls.txt"
    return sorted(int(line) for line in path.read_text().split()) if path.exists() else []


def _children(run: flyte.remote.Run) -> dict[str, flyte.remote.Action]:
    return {a.name: a for a in run.actions() if a.task_name.endswith("child")}


def _failed_first_run(server: ServerHandle, folder: Path) -> flyte.remote.Run:
    """A run of ``fan_out(4)`` in which children 1 and 3 failed; the calls file is emptied after."""
    connect(server)
    wf = load_workflow(WORKFLOW)
    for i in (1, 3):
        (folder / f"fail-{i}").touch()
    run = flyte.remote.Run.get(flyte.run(wf.fan_out, 4, str(folder)).name)
    run.wait(timeout=TIMEOUT_S)
    assert run.phase == "FAILED"
    assert _calls(folder) == [0, 1, 2, 3]
    for i in (1, 3):
        (folder / f"fail-{i}").unlink()
    (folder / "calls.txt").unlink()
    return run


def test_rerun_recover_reuses_succeeded_children_from_the_cli(flyte_server: ServerHandle, tmp_path: Path) -> None:
    first = _failed_first_run(flyte_server, tmp_path)
    before = {name: (a.phase, a.inputs()) for name, a in _children(first).items()}
    assert sorted(phase for phase, _ in before.values()) == ["FAILED", "FAILED", "SUCCEEDED", "SUCCEEDED"]

    done = flyte_cli(flyte_server, "rerun", first.name, "--recover", "--name", "recovered-1")
    assert done.returncode == 0, done.stderr
    assert f"recovering from {first.name}" in done.stdout
    second = flyte.remote.Run.get("recovered-1")
    second.wait(timeout=TIMEOUT_S)
    assert second.phase == "SUCCEEDED"
    assert second.outputs()[0] == 60
    assert (second.info.rerun_of, second.info.recover) == (first.name, True)

    # Only the children that had failed ran again; the others were recovered, with their outputs.
    assert _calls(tmp_path) == [1, 3]
    after = _children(second)
    assert set(after) == set(before)
    for name, action in after.items():
        expected = "RECOVERED" if before[name][0] == "SUCCEEDED" else "SUCCEEDED"
        assert action.phase == expected, name
        assert action.inputs() == before[name][1]
    recovered = [a for a in after.values() if a.phase == "RECOVERED"]
    assert sorted(a.outputs()[0] for a in recovered) == [0, 20]

    shown = flyte_cli(flyte_server, "get", "run", "recovered-1")
    assert shown.returncode == 0, shown.stderr
    assert f"Rerun of: {first.name} (recovering its succeeded actions)" in shown.stdout
    assert "RECOVERED" in shown.stdout


def test_plain_rerun_runs_everything_with_the_same_inputs(flyte_server: ServerHandle, tmp_path: Path) -> None:
    first = _failed_first_run(flyte_server, tmp_path)
    second = flyte.rerun(first.name)
    assert isinstance(second, flyte.remote.Run)
    second.wait(timeout=TIMEOUT_S)
    assert second.phase == "SUCCEEDED"
    assert second.inputs() == first.inputs() == {"n": 4, "folder": str(tmp_path)}
    assert _calls(tmp_path) == [0, 1, 2, 3]
    assert {a.phase for a in _children(second).values()} == {"SUCCEEDED"}
    assert (second.info.rerun_of, second.info.recover) == (first.name, False)

    # New inputs for some of the task's inputs; the others keep their values.
    third = flyte.rerun(first.name, n=2)
    third.wait(timeout=TIMEOUT_S)
    assert third.outputs()[0] == 10
    assert third.inputs() == {"n": 2, "folder": str(tmp_path)}


def test_recover_can_force_a_succeeded_action_to_run_again(flyte_server: ServerHandle, tmp_path: Path) -> None:
    first = _failed_first_run(flyte_server, tmp_path)
    succeeded = sorted(name for name, a in _children(first).items() if a.phase == "SUCCEEDED")
    forced = succeeded[0]
    second = flyte.rerun(first.name, recover=True, force_rerun_actions=[forced])
    second.wait(timeout=TIMEOUT_S)
    assert second.phase == "SUCCEEDED"
    phases = {name: a.phase for name, a in _children(second).items()}
    assert phases[forced] == "SUCCEEDED"
    assert phases[succeeded[1]] == "RECOVERED"
    assert len(_calls(tmp_path)) == 3


def test_recover_runs_what_is_called_with_other_inputs(flyte_server: ServerHandle, tmp_path: Path) -> None:
    first = _failed_first_run(flyte_server, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # The children now get another folder: none matches a succeeded call of the first run.
    second = flyte.rerun(first.name, recover=True, folder=str(elsewhere))
    second.wait(timeout=TIMEOUT_S)
    assert second.phase == "SUCCEEDED"
    assert {a.phase for a in _children(second).values()} == {"SUCCEEDED"}
    assert _calls(elsewhere) == [0, 1, 2, 3]
    assert _calls(tmp_path) == []


def test_rerun_mistakes_are_clear_errors(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    missing = flyte_cli(flyte_server, "rerun", "no-such-run")
    assert missing.returncode != 0
    assert "No run named 'no-such-run'" in missing.stderr
    assert "Traceback" not in missing.stderr

    first = _failed_first_run(flyte_server, tmp_path)
    child = sorted(_children(first))[0]
    refused = flyte_cli(flyte_server, "rerun", first.name, "--recover", "--action-name", child)
    assert refused.returncode != 0
    assert "cannot be combined with action_name" in refused.stderr
    with pytest.raises(flyte.errors.RuntimeUserError, match="has no input nope"):
        flyte.rerun(first.name, nope=1)


def test_rerun_without_a_server_says_it_needs_one(tmp_path: Path) -> None:
    flyte.init()
    with pytest.raises(flyte.errors.InitializationError, match=r"flyte\.rerun re-runs runs of a server"):
        flyte.rerun("some-run")
