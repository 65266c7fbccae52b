"""Forged results: only the worker holding an attempt reports on it or adds children to it;
logs and reports for runs that do not exist are 404."""

from __future__ import annotations

import base64
import time
from pathlib import Path

import httpx
import msgpack

from tests.fixtures.server import ServerHandle
from tests.integration.server._support import count_rows
from tests.integration.server.hardening._support import (
    API,
    assert_server_still_runs_runs,
    claim_attempt,
    encoded,
    ended_run,
    execute,
    upload_bundle,
    wait_for,
    worker_headers,
)

GATED = """
import asyncio
import os

import flyte

env = flyte.TaskEnvironment(name="hardening_gated")


@env.task
async def gated(path: str) -> int:
    print("waiting for the gate")
    while not os.path.exists(path):
        await asyncio.sleep(0.05)
    return 42
"""
TASK = {"name": "hardening_gated.gated", "module": "gated.py"}
FORGED = {"outputs": base64.b64encode(msgpack.packb(666)).decode()}


def _start(http: httpx.Client, gate: Path) -> str:
    bundle = upload_bundle(http, {"gated.py": GATED})
    created = http.post(f"{API}/runs", json={"task": TASK, "inputs": encoded(path=str(gate)), "bundle": bundle})
    assert created.status_code == 201, created.text
    name: str = created.json()["name"]
    return name


def _in_flight_attempt(server: ServerHandle, run: str) -> int:
    rows = wait_for(
        lambda: execute(
            server,
            "SELECT attempt FROM actions WHERE run_name = :run AND name = 'a0' AND phase = 'RUNNING'",
            run=run,
        ),
        what="the root running",
    )
    return int(rows[0][0])


def test_nobody_but_the_worker_reports_on_an_attempt(
    flyte_server: ServerHandle, http: httpx.Client, tmp_path: Path
) -> None:
    gate = tmp_path / "gate"
    run = _start(http, gate)
    attempt = _in_flight_attempt(flyte_server, run)
    base = f"{API}/attempts/{run}/a0/{attempt}"
    line = {"lines": [{"ts": time.time(), "text": "forged line"}]}
    child = {"actions": [{"name": "c1", "parent": "a0", "task": TASK, "inputs": encoded(path="x")}]}
    attacks = [
        ("POST", f"{base}/complete", FORGED),
        ("POST", f"{base}/logs", line),
        ("POST", f"{base}/report", {"html": "<b>forged</b>"}),
        ("POST", f"{base}/heartbeat", {"waiting": True}),
        ("GET", base, None),
        ("POST", f"{API}/runs/{run}/actions", child),
    ]
    for headers, status in (({}, 401), (worker_headers("a-guess"), 403)):
        for method, path, body in attacks:
            response = http.request(method, path, json=body, headers=headers)
            assert response.status_code == status, (method, path, response.text)
            assert response.json()["detail"], (method, path)
    # Another attempt's token is no better: that of another run's worker.
    other = _start(http, tmp_path / "other-gate")
    _, other_token = claim_attempt(flyte_server, other)
    for method, path, body in attacks:
        response = http.request(method, path, json=body, headers=worker_headers(other_token))
        assert response.status_code == 403, (method, path, response.text)

    gate.touch()
    (tmp_path / "other-gate").touch()
    info = ended_run(http, run)
    assert info["phase"] == "SUCCEEDED"
    outputs = http.get(f"{API}/runs/{run}/actions/a0").json()["outputs"]
    assert msgpack.unpackb(base64.b64decode(outputs)) == 42  # the worker's result, not the forged one
    assert count_rows(flyte_server, "actions", run_name=run) == 1  # no forged child
    report = http.get(f"{API}/runs/{run}/actions/a0").json()["report"]
    assert report is None or "forged" not in report
    texts = [line["text"] for line in http.get(f"{API}/runs/{run}/actions/a0/logs").json()["lines"]]
    assert "waiting for the gate" in texts
    assert "forged line" not in texts
    assert_server_still_runs_runs(flyte_server)


def test_the_holder_of_the_token_is_heard(flyte_server: ServerHandle, http: httpx.Client, tmp_path: Path) -> None:
    # The positive side of the check: with the attempt's token, the same requests go through.
    run = _start(http, tmp_path / "gate")
    attempt, token = claim_attempt(flyte_server, run)
    base = f"{API}/attempts/{run}/a0/{attempt}"
    line = {"lines": [{"ts": time.time(), "text": "from the holder"}]}
    assert http.post(f"{base}/logs", json=line, headers=worker_headers(token)).status_code == 204
    assert http.post(f"{base}/complete", json=FORGED, headers=worker_headers(token)).status_code == 204
    assert ended_run(http, run)["phase"] == "SUCCEEDED"
    (tmp_path / "gate").touch()


def test_logs_and_reports_of_unknown_runs_are_404(flyte_server: ServerHandle, http: httpx.Client) -> None:
    line = {"lines": [{"ts": time.time(), "text": "x"}]}
    for path, body in (
        (f"{API}/attempts/nope/a0/1/logs", line),
        (f"{API}/attempts/nope/a0/1/report", {"html": "x"}),
        (f"{API}/attempts/nope/a0/1/complete", FORGED),
        (f"{API}/attempts/nope/a0/1/heartbeat", {"waiting": False}),
    ):
        for headers in ({}, worker_headers("whatever")):
            response = http.post(path, json=body, headers=headers)
            assert response.status_code == 404, (path, response.text)
            assert "nope" in response.json()["detail"]
    assert count_rows(flyte_server, "logs") == 0
    assert count_rows(flyte_server, "runs") == 0
    assert_server_still_runs_runs(flyte_server)
