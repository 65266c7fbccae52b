"""Conditions in local runs: ``flyte run --local --signal NAME=VALUE``, a value piped on standard
input, a timeout, and ``with_runcontext(signals=...)`` from Python."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import flyte
import flyte.errors
from tests.integration.server._support import load_workflow

FLYTE = Path(sys.executable).parent / "flyte"

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="conditions_local")


@env.task
async def gate(timeout: float = 60.0) -> str:
    approve = await flyte.new_condition.aio("approve", prompt="Ship it?", data_type=bool, timeout=timeout)
    count = await flyte.new_condition.aio("count", prompt="How many?", data_type=int, timeout=timeout)
    ok = await approve.wait.aio()
    n = await count.wait.aio()
    return f"approved={ok} count={n}"


@env.task
def sync_gate() -> float:
    return flyte.new_condition("ratio", data_type=float, timeout=60).wait() * 2
"""


def _flyte(*args: str, stdin: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(FLYTE), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _workflow(folder: Path) -> Path:
    path = folder / "gates.py"
    path.write_text(textwrap.dedent(WORKFLOW))
    return path


def test_signal_options_give_the_values(tmp_path: Path) -> None:
    path = _workflow(tmp_path)
    done = _flyte("run", "--local", "--signal", "approve=yes", "--signal", "count=7", str(path), "gate")
    assert done.returncode == 0, done.stderr
    assert "approved=True count=7" in done.stdout


def test_piped_values_are_read_from_standard_input(tmp_path: Path) -> None:
    path = _workflow(tmp_path)
    done = _flyte("run", "--local", str(path), "gate", stdin="false\n12\n")
    assert done.returncode == 0, done.stderr
    assert "approved=False count=12" in done.stdout


def test_a_value_of_the_wrong_type_is_a_clear_error(tmp_path: Path) -> None:
    path = _workflow(tmp_path)
    done = _flyte("run", "--local", "--signal", "approve=true", "--signal", "count=many", str(path), "gate")
    assert done.returncode != 0
    assert "condition 'count' expects a int value" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_value_within_the_timeout_raises_condition_timed_out(tmp_path: Path) -> None:
    path = _workflow(tmp_path)
    # Standard input stays open and silent: the wait ends at the condition's timeout.
    with subprocess.Popen(
        [str(FLYTE), "run", "--local", str(path), "gate", "--timeout", "0.5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        try:
            process.wait(timeout=60)  # stdin is left open: communicate() would close it
        finally:
            if process.poll() is None:
                process.kill()
        err = process.stderr.read()
    assert process.returncode != 0
    assert "ConditionTimedoutError" in err
    assert "condition 'approve' got no value within 0.5s" in err


def test_closed_standard_input_without_a_signal_says_how_to_give_one(tmp_path: Path) -> None:
    path = _workflow(tmp_path)
    done = _flyte("run", "--local", str(path), "gate", stdin="")
    assert done.returncode != 0
    assert "--signal approve=VALUE" in done.stderr


def test_with_runcontext_signals_from_python(tmp_path: Path) -> None:
    wf = load_workflow(WORKFLOW, tmp_path)
    flyte.init()
    run = flyte.with_runcontext(mode="local", signals={"approve": "true", "count": "3"}).run(wf.gate)
    assert run.outputs()[0] == "approved=True count=3"
    run = flyte.with_runcontext(mode="local", signals={"ratio": "1.25"}).run(wf.sync_gate)
    assert run.outputs()[0] == 2.5
    # No value and nothing to read it from (the test runner's standard input reads nothing).
    with pytest.raises(flyte.errors.ConditionFailedError, match="--signal approve=VALUE"):
        flyte.with_runcontext(mode="local").run(wf.gate)


def test_conditions_outside_a_task_are_refused() -> None:
    with pytest.raises(flyte.errors.RuntimeUserError, match="inside a running task"):
        flyte.new_condition("approve")
    with pytest.raises(TypeError, match="data_type must be bool, int, float or str"):
        flyte.new_condition("approve", data_type=list)  # type: ignore[type-var]


def test_on_a_terminal_the_prompt_is_shown_and_asked_again_on_a_bad_value(tmp_path: Path) -> None:
    path = _workflow(tmp_path)
    pid, fd = pty.fork()
    if pid == 0:  # the child: flyte on the pseudo-terminal
        os.execv(str(FLYTE), [str(FLYTE), "run", "--local", str(path), "gate", "--timeout", "30"])
    answers = [b"maybe\n", b"yes\n", b"4\n"]
    shown = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:  # the child has exited and closed the terminal
                    break
                if not data:
                    break
                shown += data
            prompts = shown.count(b"]: ")
            if answers and prompts > 3 - len(answers):
                os.write(fd, answers.pop(0))
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = shown.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "Condition 'approve': Ship it? [bool]: " in text
    assert 'expects a bool value (true or false), got "maybe"' in text
    assert "Condition 'count': How many? [int]: " in text
    assert "approved=True count=4" in text
