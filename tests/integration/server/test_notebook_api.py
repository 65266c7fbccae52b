"""The spec's notebook API against a server, as written there::

    flyte.init(endpoint=..., org=..., project=..., domain=...)
    remote = flyte.remote()  # type: ignore[operator]  # a callable module, as the spec uses it
    runs = remote.list_runs()
    run = remote.get_run(run_id)
    logs = run.download_logs()

and ``flyte.remote.Run.get(name)``, ``Run.listall()``, ``run.wait()``, ``run.outputs()``, ``run.phase``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import flyte
import flyte.errors
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import load_workflow

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="notebook")


@env.task
async def greet(name: str) -> str:
    print(f"greeting {name}")
    return f"hello {name}"


@env.task
async def fail(x: int) -> int:
    raise ValueError(f"bad {x}")
"""


def test_spec_notebook_api(flyte_server: ServerHandle) -> None:
    wf = load_workflow(WORKFLOW)
    flyte.init(endpoint=flyte_server.endpoint, org="example_org", project="example_project", domain="development")
    started = flyte.run(wf.greet, "ada")
    other = flyte.with_runcontext(project="other_project").run(wf.greet, "bob")

    remote = flyte.remote()  # type: ignore[operator]  # a callable module, as the spec uses it
    run = remote.get_run(started.name)
    run.wait()
    assert run.phase == "SUCCEEDED"
    assert run.outputs()[0] == "hello ada"
    assert (run.info.project, run.info.domain) == ("example_project", "development")
    logs = run.download_logs()
    assert logs == "greeting ada"

    runs = remote.list_runs()
    names = [r.name for r in runs]
    # Listings are of the project and domain flyte.init chose, newest first.
    assert names == [started.name]
    assert [r.name for r in remote.list_runs(project="other_project")] == [other.name]

    found = flyte.remote.Run.get(started.name)
    assert found.name == started.name
    assert found.url == started.url
    assert [r.name for r in flyte.remote.Run.listall()] == [started.name]
    assert [r.name for r in flyte.remote.Run.listall(phase="SUCCEEDED")] == [started.name]
    assert flyte.remote.Run.listall(phase="FAILED") == []


def test_run_handle_of_a_failed_run(flyte_server: ServerHandle) -> None:
    wf = load_workflow(WORKFLOW)
    flyte.init(endpoint=flyte_server.endpoint, project="p1", domain="staging")
    started = flyte.run(wf.fail, 3)
    started.wait()
    assert started.phase == "FAILED"
    run = flyte.remote.Run.get(started.name)
    assert run.phase == "FAILED"
    assert run.error is not None and (run.error.code, run.error.message) == ("ValueError", "bad 3")
    with pytest.raises(flyte.errors.RuntimeUserError, match="bad 3"):
        run.outputs()
    names = [r.name for r in flyte.remote.Run.listall()]
    assert names == [started.name]


def test_unknown_run_and_no_endpoint(flyte_server: ServerHandle, tmp_path: Path) -> None:
    flyte.init(endpoint=flyte_server.endpoint)
    with pytest.raises(flyte.errors.RunNotFoundError, match="no-such-run"):
        flyte.remote().get_run("no-such-run")  # type: ignore[operator]
    flyte.init()
    with pytest.raises(flyte.errors.InitializationError):
        flyte.remote().list_runs()  # type: ignore[operator]
