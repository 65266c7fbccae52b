"""Numbers: NaN, infinities, negative and absurd values are refused with a 422 naming the field,
and no stored row can stop the scheduler: an action it cannot handle fails alone, with the reason."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from flyte._internal import wire
from flyte.server.db.schema import actions, runs
from flyte.server.repo.actions import new_action_row
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import count_rows
from tests.integration.server.hardening._support import (
    API,
    HELLO,
    assert_server_still_runs_runs,
    claim_attempt,
    encoded,
    ended_run,
    post_raw_json,
    upload_bundle,
    worker_headers,
)

TASK = {"name": "hardening_hello.hello", "module": "hello.py"}
NAN, INF = float("nan"), float("inf")

BAD_TASK_NUMBERS = [
    ("backoff_seconds", [NAN]),
    ("backoff_seconds", [1e308]),
    ("backoff_seconds", [-1.0]),
    ("backoff_seconds", [INF]),
    ("cpu", NAN),
    ("cpu", -1),
    ("cpu", 1e308),
    ("memory_bytes", -1),
    ("memory_bytes", 1 << 62),
    ("timeout_seconds", NAN),
    ("timeout_seconds", INF),
    ("timeout_seconds", 0),
    ("timeout_seconds", 1e308),
    ("retries", 10**9),
]


def _problem_fields(response: httpx.Response) -> set[str]:
    return {".".join(str(part) for part in problem["loc"]) for problem in response.json()["detail"]}


@pytest.mark.parametrize(("field", "value"), BAD_TASK_NUMBERS, ids=[f"{f}={v}" for f, v in BAD_TASK_NUMBERS])
def test_bad_task_numbers_are_422_naming_the_field(
    flyte_server: ServerHandle, http: httpx.Client, field: str, value: Any
) -> None:
    bundle = upload_bundle(http, {"hello.py": HELLO})
    body = {"task": {**TASK, field: value}, "inputs": encoded(name="x"), "bundle": bundle}
    response = post_raw_json(http, f"{API}/runs", body)
    assert response.status_code == 422, response.text
    assert any(loc.startswith(f"body.task.{field}") for loc in _problem_fields(response)), response.text
    assert count_rows(flyte_server, "runs") == 0


def test_bad_wait_timeouts_are_422(flyte_server: ServerHandle, http: httpx.Client) -> None:
    bundle = upload_bundle(http, {"hello.py": HELLO})
    created = http.post(f"{API}/runs", json={"task": TASK, "inputs": encoded(name="x"), "bundle": bundle})
    assert created.status_code == 201, created.text
    run = created.json()["name"]
    for value in ("nan", "inf", "-1", "1e308"):
        response = http.get(f"{API}/runs/{run}/wait", params={"timeout": value})
        assert response.status_code == 422, (value, response.text)
        assert "query.timeout" in _problem_fields(response)
        response = http.get(f"{API}/runs/{run}/actions/a0/logs", params={"wait": value})
        assert response.status_code == 422, (value, response.text)
        assert "query.wait" in _problem_fields(response)
    for value in (NAN, INF, -1.0, 1e308):
        response = post_raw_json(http, f"{API}/runs/{run}/actions/wait", {"names": ["a0"], "timeout": value})
        assert response.status_code == 422, (value, response.text)
        assert "body.timeout" in _problem_fields(response)
    assert ended_run(http, run)["phase"] == "SUCCEEDED"


SLOW = """
import asyncio
import os

import flyte

env = flyte.TaskEnvironment(name="hardening_slow")


@env.task
async def slow(path: str) -> str:
    while not os.path.exists(path):
        await asyncio.sleep(0.05)
    return "done"
"""


def test_bad_log_timestamps_are_422(flyte_server: ServerHandle, http: httpx.Client, tmp_path: Any) -> None:
    bundle = upload_bundle(http, {"slow.py": SLOW})
    gate = tmp_path / "gate"
    task = {"name": "hardening_slow.slow", "module": "slow.py"}
    created = http.post(f"{API}/runs", json={"task": task, "inputs": encoded(path=str(gate)), "bundle": bundle})
    run = created.json()["name"]
    attempt, token = claim_attempt(flyte_server, run)
    path = f"{API}/attempts/{run}/a0/{attempt}/logs"
    for ts in (NAN, INF, -1.0, 1e308):
        response = post_raw_json(http, path, {"lines": [{"ts": ts, "text": "hi"}]}, headers=worker_headers(token))
        assert response.status_code == 422, (ts, response.text)
        assert "body.lines.0.ts" in _problem_fields(response)
    good = post_raw_json(http, path, {"lines": [{"ts": time.time(), "text": "hi"}]}, headers=worker_headers(token))
    assert good.status_code == 204, good.text
    gate.touch()
    http.post(f"{API}/runs/{run}/abort")
    assert count_rows(flyte_server, "logs", run_name=run) == 1


def _insert_run(server: ServerHandle, name: str, task_spec: str) -> None:
    """A run whose root action's stored spec is ``task_spec``, as an older server or a hand edit left it."""
    from sqlalchemy import create_engine

    from flyte.server.db.database import normalise_url

    now = time.time()
    row = new_action_row(
        run_name=name,
        name="a0",
        parent=None,
        kind="task",
        task=wire.TaskSpec(name="hardening_hello.hello", module="hello.py"),
        inputs=b"",
        group=None,
        cache_key=None,
        now=now,
    )
    engine = create_engine(normalise_url(server.db_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                runs.insert().values(
                    name=name,
                    project="flytesnacks",
                    domain="development",
                    task_name="hardening_hello.hello",
                    phase="QUEUED",
                    created_at=now,
                    started_at=now,
                    raw_data_path=str(server.home / "data" / name),
                    options="{}",
                )
            )
            conn.execute(actions.insert().values({**row, "task_spec": task_spec}))
    finally:
        engine.dispose()


STORED_SPECS = {
    "not-json": "{",
    "nan-backoff": '{"name": "t.t", "module": "hello.py", "retries": 1, "backoff_seconds": [NaN]}',
    "infinite-cpu": '{"name": "t.t", "module": "hello.py", "cpu": 1e999}',
    "absolute-module": '{"name": "t.t", "module": "/etc/passwd.py"}',
    "wrong-shape": "[1, 2, 3]",
}


def test_a_stored_row_the_scheduler_cannot_read_fails_alone(flyte_server: ServerHandle, http: httpx.Client) -> None:
    for name, spec in STORED_SPECS.items():
        _insert_run(flyte_server, f"bad-{name}", spec)
    for name in STORED_SPECS:
        info = ended_run(http, f"bad-{name}")
        assert info["phase"] == "FAILED", (name, info)
        assert info["error"]["code"] == "SchedulingError", (name, info)
        assert "cannot schedule this action" in info["error"]["message"], (name, info)
    assert "Scheduler tick failed" not in (flyte_server.log.read_text() if flyte_server.log else "")
    assert_server_still_runs_runs(flyte_server)
    # And after a restart, on the same rows.
    flyte_server.stop()
    flyte_server.start()
    assert_server_still_runs_runs(flyte_server)
