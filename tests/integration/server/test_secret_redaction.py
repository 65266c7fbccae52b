"""A secret's value never reaches the database through what a task reports: its error message,
traceback and report are stored with the value masked, as its logs are."""

from __future__ import annotations

import httpx

import flyte
from flyte._internal import wire
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, flyte_cli, load_workflow

SECRET = "leaky-value-8d41c7"

WORKFLOW = """
import os

import flyte
import flyte.report

env = flyte.TaskEnvironment(name="leaky", secrets=[flyte.Secret(key="leaky", as_env_var="LEAKY")])


@env.task(report=True)
async def leak() -> str:
    value = os.environ["LEAKY"]
    flyte.report.log(f"<p>the value is {value}</p>")
    await flyte.report.flush.aio()
    raise ValueError(f"refusing the value {value}")
"""


def test_errors_and_reports_are_stored_with_secret_values_masked(flyte_server: ServerHandle) -> None:
    created = flyte_cli(flyte_server, "create", "secret", "leaky", SECRET)
    assert created.returncode == 0, created.stderr
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)

    run = finished(flyte.run(wf.leak), timeout=90)

    assert run.phase == "FAILED"
    assert run.error is not None
    assert "refusing the value ***" in str(run.error)
    with httpx.Client(base_url=flyte_server.endpoint + wire.API_PREFIX, timeout=30) as http:
        answers = [
            http.get(f"/runs/{run.name}"),
            http.get(f"/runs/{run.name}/actions"),
            http.get(f"/runs/{run.name}/actions/a0"),
            http.get(f"/runs/{run.name}/actions/a0/logs"),
        ]
    detail = answers[2].json()
    assert "the value is ***" in (detail.get("report") or ""), detail
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert SECRET not in answer.text
    shown = flyte_cli(flyte_server, "get", "run", run.name)
    assert SECRET not in shown.stdout + shown.stderr
