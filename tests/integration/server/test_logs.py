"""Task logs on a server: print(), stderr and logging are captured per action, and read back with
``run.download_logs()`` and ``flyte get logs RUN [ACTION]`` (``--follow`` streams until the end)."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import FLYTE, cli_env, connect, finished, flyte_cli, load_workflow

WORKFLOW = """
import logging
import os
import sys
import time

import flyte

env = flyte.TaskEnvironment(name="logs")


@env.task
async def child(x: int) -> int:
    print(f"child says {x}")
    return x


@env.task
async def main(x: int) -> int:
    print(f"stdout line {x}")
    print(f"stderr line {x}", file=sys.stderr)
    logging.getLogger("user.code").warning("logged line %d", x)
    return await child(x + 1)


@env.task
def waits(release: str) -> str:
    print("begin", flush=True)
    deadline = time.monotonic() + 30
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.05)
    print("end")
    return "released"
"""


def test_print_stderr_and_logging_are_captured(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.run(wf.main, 1)
    assert run.outputs()[0] == 2

    remote = flyte.remote.Run.get(run.name)
    logs = remote.download_logs()
    assert "stdout line 1" in logs
    assert "stderr line 1" in logs
    assert "WARNING user.code: logged line 1" in logs
    assert "child says 2" not in logs
    (child,) = [a for a in remote.actions() if a.name != "a0"]
    assert remote.download_logs(child.name) == "child says 2"
    assert child.download_logs() == "child says 2"

    shown = flyte_cli(flyte_server, "get", "logs", run.name)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == logs.splitlines()
    shown = flyte_cli(flyte_server, "get", "logs", run.name, child.name)
    assert shown.stdout.splitlines() == ["child says 2"]

    shown = flyte_cli(flyte_server, "get", "logs", run.name, "--output-format", "json")
    assert shown.returncode == 0, shown.stderr
    lines = [json.loads(line) for line in shown.stdout.splitlines()]
    streams = {line["text"]: line["stream"] for line in lines}
    assert streams["stdout line 1"] == "stdout"
    assert streams["stderr line 1"] == "stderr"
    assert streams["WARNING user.code: logged line 1"] == "log"
    assert all(line["attempt"] == 1 for line in lines)


def test_get_logs_of_an_unknown_action_fails_cleanly(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = finished(flyte.run(wf.child, 1))
    shown = flyte_cli(flyte_server, "get", "logs", run.name, "nope")
    assert shown.returncode == 1
    assert "nope" in shown.stderr
    assert "Traceback" not in shown.stderr
    shown = flyte_cli(flyte_server, "get", "logs", "no-such-run")
    assert shown.returncode == 1
    assert "no-such-run" in shown.stderr
    assert "Traceback" not in shown.stderr


def test_follow_streams_logs_until_the_run_ends(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    release = tmp_path / "release"
    run = flyte.run(wf.waits, str(release))
    lines: queue.Queue[str] = queue.Queue()
    with subprocess.Popen(
        [str(FLYTE), "get", "logs", run.name, "--follow"],
        env=cli_env(flyte_server),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as follower:
        stdout = follower.stdout
        assert stdout is not None

        def read() -> None:
            for line in stdout:
                lines.put(line.rstrip("\n"))

        reader = threading.Thread(target=read)
        reader.start()
        try:
            assert lines.get(timeout=20) == "begin"
            # The action is still running: the follower is waiting for more.
            assert follower.poll() is None
            started = time.monotonic()
            release.touch()
            assert lines.get(timeout=20) == "end"
            assert follower.wait(timeout=20) == 0
            # It noticed the end promptly rather than at a long-poll's timeout.
            assert time.monotonic() - started < 10
        finally:
            if follower.poll() is None:
                follower.kill()
            reader.join(timeout=5)
    assert run.outputs()[0] == "released"
    assert flyte.remote.Run.get(run.name).download_logs() == "begin\nend"
