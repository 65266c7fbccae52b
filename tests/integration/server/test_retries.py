"""Retries on a server: user errors use the task's budget, system errors their own, and a
NonRecoverableError is never retried."""

from __future__ import annotations

from pathlib import Path

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow

WORKFLOW = """
import os
from pathlib import Path

import flyte
import flyte.errors

env = flyte.TaskEnvironment(name="retries")


def _count(path: str) -> int:
    # Each attempt appends one line: the line count is the attempt's number.
    with open(path, "a") as f:
        f.write(f"{os.getpid()}\\n")
    return len(Path(path).read_text().splitlines())


@env.task(retries=2)
async def flaky(path: str) -> int:
    n = _count(path)
    if n < 3:
        raise ValueError(f"attempt {n} fails")
    return n


@env.task(retries=3)
async def hopeless(path: str) -> int:
    _count(path)
    raise flyte.errors.NonRecoverableError("no point trying again")


@env.task(retries=0)
async def crashy(path: str) -> int:
    n = _count(path)
    if n < 3:
        os._exit(1)
    return n


@env.task(retries=1)
async def mixed(path: str) -> int:
    # system, user, system, then success: one shared budget of 1 retry would end at attempt 2.
    n = _count(path)
    if n in (1, 3):
        os._exit(1)
    if n == 2:
        raise ValueError("a user error")
    return n


@env.task
async def main(child: str, path: str) -> str:
    task = {"flaky": flaky, "hopeless": hopeless, "crashy": crashy, "mixed": mixed}[child]
    try:
        return f"ok {await task(path)}"
    except flyte.errors.NonRecoverableError as e:
        return f"non-recoverable: {e.message}"
"""


def _child(run: flyte.remote.Run) -> flyte.remote.Action:
    (child,) = [a for a in run.actions() if a.name != "a0"]
    return child


def _run(tmp_path: Path, child: str) -> tuple[flyte.remote.Run, str, int]:
    wf = load_workflow(WORKFLOW)
    counter = tmp_path / f"{child}.count"
    remote_run = finished(flyte.run(wf.main, child, str(counter)))
    output = remote_run.outputs()[0] if remote_run.phase == "SUCCEEDED" else ""
    return remote_run, output, len(counter.read_text().splitlines())


def test_user_error_is_retried_until_it_succeeds(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    run, output, calls = _run(tmp_path, "flaky")
    assert run.phase == "SUCCEEDED"
    assert output == "ok 3"
    assert calls == 3
    child = _child(run)
    assert (child.phase, child.attempts) == ("SUCCEEDED", 3)
    assert child.error is None


def test_non_recoverable_error_is_not_retried(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    run, output, calls = _run(tmp_path, "hopeless")
    assert output == "non-recoverable: no point trying again"
    assert calls == 1
    child = _child(run)
    assert (child.phase, child.attempts) == ("FAILED", 1)
    assert child.error is not None and child.error.code == "NonRecoverableError"


def test_system_errors_have_their_own_budget(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    run, output, calls = _run(tmp_path, "crashy")
    assert output == "ok 3", run.info.error
    assert calls == 3
    child = _child(run)
    assert (child.phase, child.attempts) == ("SUCCEEDED", 3)


def test_user_and_system_errors_are_counted_apart(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    run, output, calls = _run(tmp_path, "mixed")
    assert output == "ok 4", run.info.error
    assert calls == 4
    assert _child(run).attempts == 4
