"""Text the databases cannot store (NUL characters, lone surrogates): refused with a 422 in names
and values, replaced in what a task prints, reports or raises, so a log line never fails a task."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import flyte
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, count_rows, finished, load_workflow
from tests.integration.server.hardening._support import (
    API,
    HELLO,
    assert_server_still_runs_runs,
    claim_attempt,
    encoded,
    post_raw_json,
    upload_bundle,
    worker_headers,
)

WORKFLOW = """
import asyncio
import os

import flyte
import flyte.report

env = flyte.TaskEnvironment(name="hardening_text")


@env.task(report=True)
async def noisy() -> str:
    print("bad\\x00line")
    print("after the bad line")
    flyte.report.log("<p>nul \\x00 in a report</p>")
    return "ok"


@env.task
async def raises() -> str:
    raise ValueError("bad\\x00message")


@env.task
async def gated(path: str) -> str:
    while not os.path.exists(path):
        await asyncio.sleep(0.05)
    return "done"
"""
TASK = {"name": "hardening_hello.hello", "module": "hello.py"}


@pytest.mark.parametrize("bad", ["nul\x00byte", "lone\ud800surrogate"], ids=["nul", "surrogate"])
def test_names_and_values_with_unstorable_text_are_422(
    flyte_server: ServerHandle, http: httpx.Client, bad: str
) -> None:
    bundle = upload_bundle(http, {"hello.py": HELLO})
    good = {"task": TASK, "inputs": encoded(name="x"), "bundle": bundle}
    for where, body in (
        ("project", {**good, "project": bad}),
        ("task.name", {**good, "task": {**TASK, "name": bad}}),
        ("env_vars", {**good, "env_vars": {"VAR": bad}}),
        ("custom_context", {**good, "custom_context": {"key": bad}}),
        ("task.secrets", {**good, "task": {**TASK, "secrets": [{"key": bad}]}}),
    ):
        response = post_raw_json(http, f"{API}/runs", body)
        assert response.status_code == 422, (where, response.text)
        locs = {".".join(str(part) for part in problem["loc"]) for problem in response.json()["detail"]}
        assert any(loc.startswith(f"body.{where}") for loc in locs), (where, locs)
    assert count_rows(flyte_server, "runs") == 0
    assert_server_still_runs_runs(flyte_server)


def test_a_task_printing_nul_keeps_its_logs_and_succeeds(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = finished(flyte.run(wf.noisy), timeout=30)
    assert run.phase == "SUCCEEDED"
    (root,) = run.actions()
    assert root.attempts == 1
    logs = run.download_logs()
    assert "bad\ufffdline" in logs
    assert "after the bad line" in logs
    with httpx.Client(base_url=flyte_server.endpoint) as http:
        report = http.get(f"{API}/runs/{run.name}/actions/a0").json()["report"]
    assert "nul \ufffd in a report" in report


def test_an_error_message_with_nul_fails_only_its_run(flyte_server: ServerHandle) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = finished(flyte.run(wf.raises), timeout=30)
    assert run.phase == "FAILED"
    assert run.error is not None
    assert run.error.code == "ValueError"
    assert "bad\ufffdmessage" in run.error.message
    assert_server_still_runs_runs(flyte_server)


def test_a_worker_sending_nul_text_is_heard(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.run(wf.gated, str(tmp_path / "gate"))
    attempt, token = claim_attempt(flyte_server, run.name)
    base = f"{API}/attempts/{run.name}/a0/{attempt}"
    with httpx.Client(base_url=flyte_server.endpoint) as http:
        lines = {"lines": [{"ts": 1.0, "text": "a\x00b"}, {"ts": 1.0, "text": "c\ud800d"}]}
        assert post_raw_json(http, f"{base}/logs", lines, worker_headers(token)).status_code == 204
        assert post_raw_json(http, f"{base}/report", {"html": "r\x00"}, worker_headers(token)).status_code == 204
        child = {"name": "c1", "parent": "a0", "task": TASK, "inputs": encoded(name="x"), "group": "g\x00"}
        response = post_raw_json(http, f"{API}/runs/{run.name}/actions", {"actions": [child]}, worker_headers(token))
        assert response.status_code == 422, response.text
        stored = http.get(f"{API}/runs/{run.name}/actions/a0/logs").json()["lines"]
        assert [line["text"] for line in stored] == ["a\ufffdb", "c?d"]
    (tmp_path / "gate").touch()
