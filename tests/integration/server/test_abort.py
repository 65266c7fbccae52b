"""Aborting on a real server (SQLite and PostgreSQL): ``flyte abort`` and ``flyte.remote``.

An aborted run's running actions have their workers killed and end ABORTED, queued ones never
start, and the reason is recorded and shown by ``flyte get run``. Aborting one child action
hands its parent an ``ActionAbortedError``. Ctrl-C in ``flyte run --follow`` off a terminal
leaves the run going and says how to abort it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from types import ModuleType

import flyte
import flyte.remote
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import (
    DEADLINE_S,
    FLYTE,
    cli_env,
    connect,
    flyte_cli,
    load_workflow,
    process_alive,
    wait_until,
)

WORKFLOW = """
import asyncio
import os
from pathlib import Path

import flyte
import flyte.errors

huge = flyte.TaskEnvironment(name="aborts_huge", resources=flyte.Resources(cpu=1000))
env = flyte.TaskEnvironment(name="aborts", depends_on=[huge])


@env.task
async def sleeper(pid_file: str) -> str:
    Path(pid_file).write_text(str(os.getpid()))
    await asyncio.sleep(600)
    return "woke up"


@huge.task
async def never_fits() -> int:
    return 1


@env.task
async def main(pid_file: str) -> str:
    # One child sleeps, the other stays queued: it asks for more than the machine has.
    await asyncio.gather(sleeper(pid_file), never_fits())
    return "done"


@env.task
async def quick() -> int:
    return 1


@env.task
async def catcher(pid_file: str) -> str:
    try:
        return await sleeper(pid_file)
    except flyte.errors.ActionAbortedError as e:
        return f"caught {e.code}: {e.message}"
"""


def _start(server: ServerHandle, task_name: str, pid_file: Path) -> tuple[flyte.remote.Run, ModuleType, int]:
    """Starts ``task_name`` of the workflow; returns its run once the sleeper runs, the module,
    and the sleeper's pid."""
    connect(server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(getattr(wf, task_name), str(pid_file)).name)

    def sleeping() -> bool:
        return pid_file.exists() and pid_file.read_text() != "" and _sleeper(run).phase == "RUNNING"

    wait_until("the sleeper runs", sleeping)
    return run, wf, int(pid_file.read_text())


def _sleeper(run: flyte.remote.Run) -> flyte.remote.Action:
    (action,) = [a for a in run.actions() if a.task_name.endswith("sleeper")]
    return action


def _check_aborted(run: flyte.remote.Run, pid: int, reason: str) -> None:
    wait_until("the sleeper's worker is gone", lambda: not process_alive(pid))
    run.wait(timeout=DEADLINE_S)
    assert run.phase == "ABORTED"
    assert run.info.error is not None and run.info.error.message == reason
    actions = {a.task_name.rsplit(".", 1)[-1]: a for a in run.actions()}
    assert {name: a.phase for name, a in actions.items()} == {
        "main": "ABORTED",
        "sleeper": "ABORTED",
        "never_fits": "ABORTED",
    }
    assert actions["never_fits"].attempts == 0  # it never started
    for action in actions.values():
        assert action.info.error is not None and action.info.error.message == reason


def test_cli_aborts_a_run_and_kills_its_workers(flyte_server: ServerHandle, tmp_path: Path) -> None:
    run, _, pid = _start(flyte_server, "main", tmp_path / "sleeper.pid")
    assert process_alive(pid)
    done = flyte_cli(flyte_server, "abort", "run", run.name, "--reason", "wrong inputs")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Run {run.name} aborted: wrong inputs"
    _check_aborted(run, pid, "wrong inputs")

    shown = flyte_cli(flyte_server, "get", "run", run.name)
    assert shown.returncode == 0, shown.stderr
    assert "ActionAbortedError: wrong inputs" in shown.stdout

    again = flyte_cli(flyte_server, "abort", "run", run.name)
    assert (again.returncode, again.stdout.strip()) == (0, f"Run {run.name} was already aborted.")


def test_remote_run_abort_and_an_ended_run(flyte_server: ServerHandle, tmp_path: Path) -> None:
    run, wf, pid = _start(flyte_server, "main", tmp_path / "sleeper.pid")
    run.abort("from the SDK")
    _check_aborted(run, pid, "from the SDK")
    run.abort("twice")  # harmless: nothing changes
    error = run.sync().info.error
    assert error is not None and error.message == "from the SDK"

    ended = flyte.remote.Run.get(flyte.run(wf.quick).name)
    ended.wait(timeout=DEADLINE_S)
    assert ended.phase == "SUCCEEDED"
    refused = flyte_cli(flyte_server, "abort", "run", ended.name)
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"Error: Run '{ended.name}' has already ended (SUCCEEDED): nothing to abort"
    ]
    missing = flyte_cli(flyte_server, "abort", "run", "no-such-run")
    assert missing.returncode == 1 and len(missing.stderr.strip().splitlines()) == 1


def test_a_parent_catches_its_aborted_child(flyte_server: ServerHandle, tmp_path: Path) -> None:
    run, _, pid = _start(flyte_server, "catcher", tmp_path / "sleeper.pid")
    child = _sleeper(run)
    done = flyte_cli(flyte_server, "abort", "action", run.name, child.name, "--reason", "enough")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Action {child.name} of run {run.name} aborted: enough"
    wait_until("the sleeper's worker is gone", lambda: not process_alive(pid))
    assert run.outputs()[0] == "caught ActionAbortedError: enough"
    assert run.phase == "SUCCEEDED"
    assert child.sync().phase == "ABORTED"


def test_remote_action_abort_aio(flyte_server: ServerHandle, tmp_path: Path) -> None:
    import asyncio

    run, _, pid = _start(flyte_server, "catcher", tmp_path / "sleeper.pid")
    asyncio.run(_sleeper(run).abort.aio("async abort"))
    wait_until("the sleeper's worker is gone", lambda: not process_alive(pid))
    assert run.outputs()[0] == "caught ActionAbortedError: async abort"


def test_ctrl_c_while_following_off_a_terminal_leaves_the_run(flyte_server: ServerHandle, tmp_path: Path) -> None:
    pid_file = tmp_path / "sleeper.pid"
    Path("follow_wf.py").write_text(WORKFLOW)
    follow = subprocess.Popen(
        [str(FLYTE), "run", "--follow", "--name", "followed", "follow_wf.py", "catcher", "--pid_file", str(pid_file)],
        env=cli_env(flyte_server),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until("the sleeper runs", lambda: pid_file.exists() and pid_file.read_text() != "")
        follow.send_signal(signal.SIGINT)
        out, err = follow.communicate(timeout=DEADLINE_S)
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.wait()
    assert follow.returncode == 130, (out, err)
    assert "Run followed keeps running on the server; to abort it: flyte abort run followed" in err
    assert "Traceback" not in err
    connect(flyte_server)
    run = flyte.remote.Run.get("followed")
    assert run.sync().phase == "RUNNING"
    assert process_alive(int(pid_file.read_text()))
    run.abort()
    run.wait(timeout=DEADLINE_S)
    assert run.phase == "ABORTED"


def _read_until(fd: int, text: str, timeout: float = DEADLINE_S) -> str:
    """What the terminal ``fd`` shows until ``text`` appears."""
    import select

    seen = b""
    deadline = time.monotonic() + timeout
    while text.encode() not in seen:
        assert time.monotonic() < deadline, f"gave up waiting for {text!r}; saw {seen[-500:]!r}"
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:  # the other end closed
                break
    return seen.decode(errors="replace")


def test_ctrl_c_while_following_on_a_terminal_asks_and_aborts(flyte_server: ServerHandle, tmp_path: Path) -> None:
    import pty

    pid_file = tmp_path / "sleeper.pid"
    Path("follow_tty.py").write_text(WORKFLOW)
    primary, secondary = pty.openpty()
    follow = subprocess.Popen(
        [str(FLYTE), "run", "--follow", "--name", "asked", "follow_tty.py", "catcher", "--pid_file", str(pid_file)],
        env=cli_env(flyte_server),
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        start_new_session=True,
    )
    os.close(secondary)
    try:
        wait_until("the sleeper runs", lambda: pid_file.exists() and pid_file.read_text() != "")
        follow.send_signal(signal.SIGINT)
        _read_until(primary, "Abort run asked on the server? [y/N]")
        os.write(primary, b"y\n")
        shown = _read_until(primary, "Run asked aborted.")
        assert follow.wait(timeout=DEADLINE_S) == 130
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.wait()
        os.close(primary)
    assert "Traceback" not in shown
    pid = int(pid_file.read_text())
    wait_until("the sleeper's worker is gone", lambda: not process_alive(pid))
    connect(flyte_server)
    run = flyte.remote.Run.get("asked")
    run.wait(timeout=DEADLINE_S)
    assert run.phase == "ABORTED"
    assert run.info.error is not None and run.info.error.message == "Aborted with Ctrl-C in flyte run --follow"
