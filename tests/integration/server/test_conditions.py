"""Conditions on a real server (SQLite and PostgreSQL): a task pauses on ``flyte.new_condition``
until ``flyte signal condition`` or ``flyte.remote.Condition`` gives it a value of its type; a
value of another type is refused and changes nothing; a timeout raises ConditionTimedoutError
inside the task."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

import flyte
import flyte.errors
import flyte.remote
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import DEADLINE_S, FLYTE, cli_env, connect, flyte_cli, load_workflow, wait_until

WORKFLOW = """
import flyte
import flyte.errors

env = flyte.TaskEnvironment(name="conditions")


@env.task
async def gate() -> str:
    approve = await flyte.new_condition.aio("approve", prompt="Ship it?", data_type=bool)
    return f"approved={await approve.wait.aio()}"


@env.task
def count_gate() -> int:
    return flyte.new_condition("count", prompt="How many?", data_type=int, timeout=300).wait() + 1


@env.task
async def late() -> str:
    condition = await flyte.new_condition.aio("late", data_type=str, timeout=1.0)
    try:
        return await condition.wait.aio()
    except flyte.errors.ConditionTimedoutError as e:
        return f"caught {e.code}"


@env.task
async def main() -> str:
    return await gate()


@env.task
async def announced(hook: str) -> str:
    webhook = flyte.ConditionWebhook(url=hook, payload={"signal_at": "{callback_uri}", "what": "release"})
    condition = await flyte.new_condition.aio("release", data_type=str, webhook=webhook)
    return await condition.wait.aio()
"""


def _paused(run_name: str, name: str) -> flyte.remote.Condition:
    """The condition once its task has created it and waits for it."""
    found: list[flyte.remote.Condition] = []

    def created() -> bool:
        condition = flyte.remote.Condition.get(name, run_name=run_name)
        found[:] = [condition] if condition is not None else []
        return bool(found)

    wait_until(f"condition {name} of {run_name} is created", created)
    assert found[0].phase == "PAUSED"
    return found[0]


def test_cli_signal_resumes_a_paused_task(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(wf.main).name)
    condition = _paused(run.name, "approve")
    assert (condition.prompt, condition.expected_type) == ("Ship it?", bool)
    gate = next(a for a in run.actions() if a.task_name.endswith("gate"))
    assert condition.parent == gate.name
    shown = flyte_cli(flyte_server, "get", "run", run.name)
    assert shown.returncode == 0, shown.stderr
    assert "PAUSED" in shown.stdout
    listed = flyte_cli(flyte_server, "get", "condition", run.name)
    assert listed.returncode == 0, listed.stderr
    assert condition.action_name in listed.stdout and "PAUSED" in listed.stdout and "Ship it?" in listed.stdout

    refused = flyte_cli(flyte_server, "signal", "condition", run.name, "approve", "maybe")
    assert refused.returncode != 0
    assert "condition 'approve' expects a bool value (true or false)" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert flyte.remote.Condition.get("approve", run_name=run.name).phase == "PAUSED"  # type: ignore[union-attr]

    done = flyte_cli(flyte_server, "signal", "condition", run.name, condition.action_name, "true")
    assert done.returncode == 0, done.stderr
    assert "signalled: True" in done.stdout
    run.wait(timeout=DEADLINE_S)
    assert run.phase == "SUCCEEDED"
    assert run.outputs()[0] == "approved=True"
    signalled = flyte.remote.Condition.get("approve", run_name=run.name)
    assert signalled is not None and (signalled.phase, signalled.value) == ("SUCCEEDED", True)

    as_json = flyte_cli(flyte_server, "-of", "json", "get", "condition", run.name, gate.name)
    assert as_json.returncode == 0, as_json.stderr
    assert [(c["name"], c["phase"], c["value"]) for c in json.loads(as_json.stdout)] == [("approve", "SUCCEEDED", True)]
    none = flyte_cli(flyte_server, "get", "condition", run.name, "a0")
    assert none.returncode == 0 and f"No conditions in action a0 of run {run.name}." in none.stdout

    again = flyte_cli(flyte_server, "signal", "condition", run.name, "approve", "false")
    assert again.returncode != 0
    assert "has ended (SUCCEEDED)" in again.stderr


def test_remote_condition_checks_the_type_and_changes_nothing_on_a_bad_value(
    flyte_server: ServerHandle, tmp_path: Path
) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(wf.count_gate).name)
    condition = _paused(run.name, "count")
    with pytest.raises(flyte.errors.RuntimeUserError, match=r"Condition 'count' \(a\w+\) expects a int value") as bad:
        condition.signal("five")
    assert bad.value.code == "BadRequest"
    with pytest.raises(flyte.errors.RuntimeUserError, match="expects a int value"):
        condition.signal(True)
    listed = flyte.remote.Condition.listall(run_name=run.name)
    assert [(c.name, c.phase, c.value) for c in listed] == [("count", "PAUSED", None)]

    condition.signal(41)
    assert (condition.phase, condition.value) == ("SUCCEEDED", 41)
    run.wait(timeout=DEADLINE_S)
    assert run.outputs()[0] == 42
    # The condition is an action of the run, with its value as its output.
    action = next(a for a in run.actions() if a.name == condition.action_name)
    assert (action.info.kind, action.phase) == ("condition", "SUCCEEDED")
    assert action.outputs()[0] == 41


def test_a_timeout_raises_condition_timed_out_in_the_task(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(wf.late).name)
    run.wait(timeout=DEADLINE_S)
    assert run.outputs()[0] == "caught ConditionTimedoutError"
    (condition,) = flyte.remote.Condition.listall(run_name=run.name)
    assert condition.phase == "TIMED_OUT"
    with pytest.raises(flyte.errors.RuntimeUserError, match="has ended"):
        condition.signal("too late")


def test_aborting_a_paused_run_aborts_its_condition(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(wf.gate).name)
    condition = _paused(run.name, "approve")
    run.abort("not today")
    run.wait(timeout=DEADLINE_S)
    assert run.phase == "ABORTED"
    assert condition.wait(timeout=10).phase == "ABORTED"
    missing = flyte_cli(flyte_server, "signal", "condition", run.name, "nope", "true")
    assert missing.returncode != 0
    assert f"No condition 'nope' in run '{run.name}'" in missing.stderr


def test_the_cli_asks_for_a_value_left_out(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(wf.count_gate).name)
    _paused(run.name, "count")
    asked = subprocess.run(
        [str(FLYTE), "signal", "condition", run.name, "count"],
        input="many\n9\n",  # not an int: asked again
        env=cli_env(flyte_server),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert asked.returncode == 0, asked.stderr
    assert "How many?" in asked.stdout
    assert "signalled: 9" in asked.stdout
    run.wait(timeout=DEADLINE_S)
    assert run.outputs()[0] == 10


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[str, list[dict[str, Any]], threading.Event]]:
    """A local HTTP endpoint recording the JSON bodies POSTed to it."""
    received: list[dict[str, Any]] = []
    arrived = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(204)
            self.end_headers()
            arrived.set()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/hook", received, arrived
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_webhook_announces_the_condition_with_its_signal_uri(
    flyte_server: ServerHandle, webhook_receiver: tuple[str, list[dict[str, Any]], threading.Event]
) -> None:
    hook, received, arrived = webhook_receiver
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.remote.Run.get(flyte.run(wf.announced, hook).name)
    assert arrived.wait(DEADLINE_S), "the webhook was not called"
    (body,) = received
    assert body["what"] == "release"
    signal_uri = body["signal_at"]
    assert signal_uri.startswith(flyte_server.endpoint) and signal_uri.endswith("/signal")
    response = httpx.post(signal_uri, json={"value": "go"}, timeout=30)
    assert response.status_code == 200, response.text
    run.wait(timeout=DEADLINE_S)
    assert run.outputs()[0] == "go"
