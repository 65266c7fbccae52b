"""Secrets and environment: workers get a clean environment, secrets come only from the secrets
store, a missing secret fails its action at once, run variables are not served back, and the
database password stays out of the process list."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

import flyte
from flyte._internal import wire
from flyte._secrets_store import set_secret
from tests.fixtures.server import ServerHandle, free_port
from tests.integration.server._support import FLYTE, connect, finished, load_workflow
from tests.integration.server.hardening._support import (
    API,
    assert_server_still_runs_runs,
    claim_attempt,
    wait_for,
    worker_headers,
)

SERVER_SECRET = "hunter2-of-the-server"
WORKFLOW = """
import asyncio
import os

import flyte

env = flyte.TaskEnvironment(name="hardening_env", env_vars={"TASK_VAR": "from-the-task"})
leaky = flyte.TaskEnvironment(
    name="hardening_leak", secrets=[flyte.Secret(key="SERVER_DB_PASSWORD", as_env_var="GOT")]
)
stored = flyte.TaskEnvironment(name="hardening_stored", secrets=[flyte.Secret(key="API_KEY", as_env_var="API_KEY_VAR")])


@env.task
async def environment() -> dict[str, str]:
    return dict(os.environ)


@env.task
async def gated(path: str) -> str:
    while not os.path.exists(path):
        await asyncio.sleep(0.05)
    return "done"


@leaky.task
async def leak() -> str:
    return os.environ.get("GOT", "")


@stored.task
async def use_stored() -> str:
    return os.environ["API_KEY_VAR"]
"""


@pytest.fixture
def server(server_db: str, tmp_path: Path) -> Iterator[ServerHandle]:
    """A server whose own environment holds secrets of its own, with a secrets store in its home."""
    home = tmp_path / "server-home"
    home.mkdir()
    flyte_home = tmp_path / "flyte-home"
    flyte_home.mkdir()
    env = {"SERVER_DB_PASSWORD": SERVER_SECRET, "FLYTE_HOME": str(flyte_home), "OTHER_SERVER_VAR": "private"}
    handle = ServerHandle(server_db, home, env=env)
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()


def test_workers_get_a_clean_environment(server: ServerHandle) -> None:
    connect(server)
    wf = load_workflow(WORKFLOW)
    seen = flyte.with_runcontext(env_vars={"RUN_VAR": "from-the-run"}).run(wf.environment).outputs()[0]
    assert seen["RUN_VAR"] == "from-the-run"
    assert seen["TASK_VAR"] == "from-the-task"
    assert "PATH" in seen
    for leaked in ("SERVER_DB_PASSWORD", "OTHER_SERVER_VAR", wire.ATTEMPT_TOKEN_ENV):
        assert leaked not in seen, leaked
    assert SERVER_SECRET not in str(seen)
    assert_server_still_runs_runs(server)


def test_a_secret_named_like_a_server_variable_is_not_found(server: ServerHandle) -> None:
    connect(server)
    wf = load_workflow(WORKFLOW)
    run = finished(flyte.run(wf.leak), timeout=30)
    assert run.phase == "FAILED"
    assert run.error is not None
    assert run.error.code == "SecretNotFound"
    assert "SERVER_DB_PASSWORD" in run.error.message
    (root,) = run.actions()
    assert root.attempts == 1  # failed before it started, once: no retries, no lost worker
    log = server.log.read_text() if server.log else ""
    assert "Scheduler tick failed" not in log
    assert SERVER_SECRET not in log
    assert_server_still_runs_runs(server)


def test_secrets_come_from_the_secrets_store(server: ServerHandle) -> None:
    store = Path(server.env["FLYTE_HOME"])
    set_secret("API_KEY", "value-from-the-store", home=store)
    connect(server)
    wf = load_workflow(WORKFLOW)
    assert flyte.run(wf.use_stored).outputs()[0] == "value-from-the-store"
    # An unreadable store fails the action with the reason, once.
    (store / "secrets.json").write_text("{not json")
    run = finished(flyte.run(wf.use_stored), timeout=30)
    assert run.phase == "FAILED"
    assert run.error is not None
    assert run.error.code == "SecretNotFound"
    assert "cannot be read" in run.error.message
    assert_server_still_runs_runs(server)


def test_run_variables_are_not_served_back(server: ServerHandle, tmp_path: Path) -> None:
    connect(server)
    wf = load_workflow(WORKFLOW)
    gate = tmp_path / "gate"
    run = flyte.with_runcontext(env_vars={"RUN_VAR": "run-only-value"}).run(wf.gated, str(gate))
    attempt, token = claim_attempt(server, run.name)
    with httpx.Client(base_url=server.endpoint, timeout=30) as http:
        spec = http.get(f"{API}/attempts/{run.name}/a0/{attempt}", headers=worker_headers(token))
        assert spec.status_code == 200, spec.text
        assert "run-only-value" not in spec.text
        for path in (f"/runs/{run.name}", f"/runs/{run.name}/actions", f"/runs/{run.name}/actions/a0", "/runs"):
            assert "run-only-value" not in http.get(f"{API}{path}").text, path
    gate.touch()


def _command_lines_under(pid: int) -> list[str]:
    try:
        parent = psutil.Process(pid)
        processes = [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return []
    lines = []
    for process in processes:
        try:
            lines.append(" ".join(process.cmdline()))
        except psutil.Error:
            continue
    return lines


@pytest.mark.parametrize("how", ["environment", "password-file"])
def test_the_database_password_stays_out_of_the_process_list(postgres_url: str, tmp_path: Path, how: str) -> None:
    password = "pg-password-in-a-safe-place"
    with_password = postgres_url.replace("postgresql://postgres@", f"postgresql://postgres:{password}@")
    port = free_port()
    env = {**os.environ, "NO_COLOR": "1"}
    args = [str(FLYTE), "start", "server", "--port", str(port), "--home", str(tmp_path / "home")]
    if how == "environment":
        env["FLYTE_SERVER_DB"] = with_password
    else:
        secret_file = tmp_path / "pg-password"
        secret_file.write_text(password + "\n")
        args += ["--db", postgres_url, "--db-password-file", str(secret_file)]
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:

        def answers() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {log.read_text()}")
            try:
                return httpx.get(f"http://127.0.0.1:{port}{API}/info", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(answers, what="the server answering")
        info = httpx.get(f"http://127.0.0.1:{port}{API}/info").json()
        assert password not in info["database"]
        assert "postgresql" in info["database"]
        lines = _command_lines_under(process.pid)
        assert lines
        assert not [line for line in lines if password in line]
    finally:
        process.terminate()
        process.wait(timeout=15)
