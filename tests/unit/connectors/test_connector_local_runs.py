"""Connector tasks run locally: create a real subprocess job, poll it, return its outputs; fail,
time out and cancel with errors naming the task (and the job deleted)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import flyte
from flyte._plugins import TaskPluginRegistry
from flyte.connectors import ConnectorRegistry
from flyte.errors import TaskTimeoutError

from .subprocess_connector import ScriptJob, ScriptJobTask, SubprocessConnector

SQUARE = "import json, sys; x = json.loads(sys.argv[1])['x']; print(json.dumps({'o0': x * x}))"
FAIL = "import sys; sys.stderr.write('disk on fire'); sys.exit(3)"
HANG = "import time; time.sleep(60)"


@pytest.fixture
def connector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SubprocessConnector]:
    """A registered subprocess connector and the ScriptJob plugin, both forgotten afterwards."""
    monkeypatch.setattr(ConnectorRegistry, "_REGISTRY", {})
    monkeypatch.setattr(ConnectorRegistry, "_METADATA", {})
    monkeypatch.setitem(TaskPluginRegistry._plugins, ScriptJob, ScriptJobTask)
    monkeypatch.setenv("JOB_TOKEN", "s3cret")
    jobs = SubprocessConnector(tmp_path)
    ConnectorRegistry.register(jobs)
    yield jobs
    jobs.close()


def _script_task(script: str, **settings: Any) -> Any:
    env = flyte.TaskEnvironment("jobs", plugin_config=ScriptJob(script=script))

    @env.task(**settings)  # type: ignore[untyped-decorator]
    async def square(x: int) -> int:
        raise AssertionError("the connector runs the job; the body is never called")

    return square


def test_a_connector_task_runs_its_job_and_returns_its_outputs(connector: SubprocessConnector) -> None:
    square = _script_task(SQUARE)
    assert isinstance(square, ScriptJobTask)
    run = flyte.with_runcontext(mode="local").run(square, x=7)
    assert run.outputs()[0] == 49
    assert len(connector.processes) == 1 and connector.deleted == []
    assert connector.seen_secrets == [{"token": "s3cret"}]
    assert "square" in connector.seen_prefixes[0]


def test_a_failed_job_fails_the_run_naming_the_task(connector: SubprocessConnector) -> None:
    square = _script_task(FAIL)
    with pytest.raises(Exception, match=r"Task 'jobs\.square'.*FAILED: disk on fire"):
        flyte.with_runcontext(mode="local").run(square, x=1)


def test_a_job_outliving_the_timeout_is_deleted(connector: SubprocessConnector) -> None:
    square = _script_task(HANG, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(TaskTimeoutError, match=r"Task 'jobs\.square'.*timeout"):
        flyte.with_runcontext(mode="local").run(square, x=1)
    assert time.monotonic() - started < 10
    (process,) = connector.processes.values()
    assert len(connector.deleted) == 1
    assert process.poll() is not None


def test_cancelling_a_call_deletes_its_job(connector: SubprocessConnector) -> None:
    square = _script_task(HANG)

    async def cancel_while_running() -> None:
        call = asyncio.ensure_future(square.execute(x=1))
        deadline = time.monotonic() + 10
        while not connector.processes:
            assert time.monotonic() < deadline, "the job never started"
            await asyncio.sleep(0.01)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call

    asyncio.run(cancel_while_running())
    (process,) = connector.processes.values()
    assert len(connector.deleted) == 1
    assert process.poll() is not None


def test_a_task_type_without_connector_is_named_in_the_error(connector: SubprocessConnector) -> None:
    square = _script_task(SQUARE).override(task_type="nobody_serves_this")
    with pytest.raises(ValueError, match=r"Task 'jobs\.square'.*nobody_serves_this"):
        asyncio.run(square.execute(x=2))


def test_a_missing_secret_is_named(connector: SubprocessConnector, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOB_TOKEN")
    square = _script_task(SQUARE)
    with pytest.raises(ValueError, match=r"Task 'jobs\.square': secret 'token'.*JOB_TOKEN"):
        asyncio.run(square.execute(x=2))
    assert connector.processes == {}


def test_a_direct_call_honours_the_timeout_itself(connector: SubprocessConnector) -> None:
    square = _script_task(HANG, timeout=0.2)
    with pytest.raises(TaskTimeoutError, match=r"Task 'jobs\.square'.*0\.2s while its Subprocess Connector job was"):
        asyncio.run(square.execute(x=1))
    (process,) = connector.processes.values()
    assert len(connector.deleted) == 1
    assert process.poll() is not None
