"""Server-side secrets end to end: stored through the CLI and ``flyte.remote.Secret``, encrypted
in the database with a key file of the server home, given to tasks as variables and files (the
narrowest scope for the run's project winning), masked in stored logs, and never served back."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

import flyte
from flyte._internal import wire
from flyte.server.db.database import normalise_url
from flyte.server.secrets.cipher import KEY_FILE
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, flyte_cli, load_workflow

API = wire.API_PREFIX
GLOBAL_TOKEN = "global-token-6c1f0e"
PROJECT_TOKEN = "project-token-9b72d4"
MOUNTED = "mounted-value-41aa7e"
OTHER = "other-project-value-d03e"

WORKFLOW = """
import os
from pathlib import Path

import flyte

env = flyte.TaskEnvironment(
    name="secrets_wf",
    secrets=[
        flyte.Secret(key="api-token", as_env_var="TOKEN"),
        flyte.Secret(key="mounted", mount="/etc/flyte/secrets"),
    ],
)
other = flyte.TaskEnvironment(name="secrets_other", secrets=[flyte.Secret(key="other-only")])


@env.task
async def reveal() -> list[str]:
    token = os.environ["TOKEN"]
    print(f"the token is {token}")
    mounted = (Path(os.environ["FLYTE_SECRETS_DIR"]) / "mounted").read_text()
    print(f"the mounted secret is {mounted}")
    return [token, mounted]


@other.task
async def needs_other() -> str:
    return os.environ["OTHER_ONLY"]
"""


def _stored_values(server: ServerHandle) -> list[bytes]:
    engine = create_engine(normalise_url(server.db_url))
    try:
        with engine.connect() as conn:
            return [bytes(row[0]) for row in conn.execute(text("SELECT value FROM secrets"))]
    finally:
        engine.dispose()


def _all_log_text(run_name: str) -> str:
    from flyte.remote._action import api, read_logs

    return "\n".join(line.text for line in read_logs(api(), run_name, "a0"))


def test_secrets_end_to_end(flyte_server: ServerHandle) -> None:
    # Created with the CLI: unscoped, and for one project.
    created = flyte_cli(flyte_server, "create", "secret", "api-token", GLOBAL_TOKEN)
    assert created.returncode == 0, created.stderr
    created = flyte_cli(flyte_server, "create", "secret", "api-token", "--value", PROJECT_TOKEN, "-p", "team-a")
    assert created.returncode == 0, created.stderr
    assert GLOBAL_TOKEN not in created.stdout + created.stderr

    # Created with flyte.remote.Secret: unscoped, and for another project.
    connect(flyte_server)
    flyte.remote.Secret.create("mounted", MOUNTED, project=None, domain=None)
    flyte.remote.Secret.create("other-only", OTHER, project="team-b", domain=None)
    assert flyte.remote.Secret.get("mounted", project=None, domain=None).name == "mounted"
    names = sorted((s.name, s.project or "-") for s in flyte.remote.Secret.listall(project=None, domain=None))
    assert names == [("api-token", "-"), ("api-token", "team-a"), ("mounted", "-"), ("other-only", "team-b")]

    wf = load_workflow(WORKFLOW)
    # The default project gets the unscoped token; team-a its own (the narrowest scope wins).
    run = flyte.run(wf.reveal)
    assert run.outputs()[0] == [GLOBAL_TOKEN, MOUNTED]
    team_run = flyte.with_runcontext(project="team-a").run(wf.reveal)
    assert team_run.outputs()[0] == [PROJECT_TOKEN, MOUNTED]

    # What the task printed is stored with the values masked.
    logs = _all_log_text(team_run.name)
    assert "the token is ***" in logs, logs
    assert "the mounted secret is ***" in logs, logs
    for value in (PROJECT_TOKEN, MOUNTED):
        assert value not in logs

    # Another project's secret is invisible: the run fails once, naming the secret.
    failed = finished(flyte.run(wf.needs_other), timeout=60)
    assert failed.phase == "FAILED"
    assert failed.error is not None
    assert failed.error.code == "SecretNotFound"
    assert "other-only" in failed.error.message
    (root,) = failed.actions()
    assert root.attempts == 1

    # No route serves a value back.
    with httpx.Client(base_url=flyte_server.endpoint + API, timeout=30) as http:
        answers = [
            http.get("/secrets"),
            http.get("/secrets", params={"project": "team-a"}),
            http.get("/secrets/api-token"),
            http.get("/secrets/api-token", params={"project": "team-a"}),
            http.get("/secrets/other-only", params={"project": "team-b"}),
        ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        for value in (GLOBAL_TOKEN, PROJECT_TOKEN, MOUNTED, OTHER):
            assert value not in answer.text

    # At rest: a key file only its owner reads, and no plain text in the database.
    key = flyte_server.home / KEY_FILE
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    stored = _stored_values(flyte_server)
    assert len(stored) == 4
    for blob in stored:
        for value in (GLOBAL_TOKEN, PROJECT_TOKEN, MOUNTED, OTHER):
            assert value.encode() not in blob

    # Listing and deleting through the CLI.
    listed = flyte_cli(flyte_server, "get", "secret", "--output-format", "json")
    assert listed.returncode == 0, listed.stderr
    assert "team-a" in listed.stdout and GLOBAL_TOKEN not in listed.stdout
    deleted = flyte_cli(flyte_server, "delete", "secret", "api-token", "-p", "team-a")
    assert deleted.returncode == 0, deleted.stderr
    missing = flyte_cli(flyte_server, "delete", "secret", "api-token", "-p", "team-a")
    assert missing.returncode != 0
    assert "api-token" in missing.stderr
    assert [s.project for s in flyte.remote.Secret.listall(project=None, domain=None) if s.name == "api-token"] == [
        None
    ]


def test_secret_names_with_a_group_and_files(flyte_server: ServerHandle, tmp_path: Path) -> None:
    value_file = tmp_path / "value.txt"
    value_file.write_text("from-a-file-77e1")
    created = flyte_cli(flyte_server, "create", "secret", "grp/key", "--from-file", str(value_file), "-d", "staging")
    assert created.returncode == 0, created.stderr
    connect(flyte_server)
    found = flyte.remote.Secret.get("grp/key", project=None, domain="staging")
    assert (found.name, found.project, found.domain) == ("grp/key", None, "staging")
    shown = flyte_cli(flyte_server, "get", "secret", "grp/key")
    assert shown.returncode == 0, shown.stderr
    assert "staging" in shown.stdout and "from-a-file" not in shown.stdout
    flyte.remote.Secret.delete("grp/key", project=None, domain="staging")
    assert flyte.remote.Secret.listall(project=None, domain=None) == []

    async def in_async_code() -> list[str]:
        await flyte.remote.Secret.create.aio("async-one", "async-value-5e1")
        found = await flyte.remote.Secret.get.aio("async-one")
        listed = [s.name async for s in flyte.remote.Secret.listall.aio()]
        await flyte.remote.Secret.delete.aio("async-one")
        return [found.project or "-", *listed]

    assert asyncio.run(in_async_code()) == ["flytesnacks", "async-one"]
    assert flyte.remote.Secret.listall(project=None, domain=None) == []


def test_secrets_survive_a_restart_of_the_server(flyte_server: ServerHandle) -> None:
    created = flyte_cli(flyte_server, "create", "secret", "api-token", GLOBAL_TOKEN)
    assert created.returncode == 0, created.stderr
    created = flyte_cli(flyte_server, "create", "secret", "mounted", MOUNTED)
    assert created.returncode == 0, created.stderr
    key = (flyte_server.home / KEY_FILE).read_bytes()
    flyte_server.stop()
    flyte_server.start()
    assert (flyte_server.home / KEY_FILE).read_bytes() == key
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.run(wf.reveal)
    assert run.outputs()[0] == [GLOBAL_TOKEN, MOUNTED]
    logs = _all_log_text(run.name)
    assert "the token is ***" in logs and GLOBAL_TOKEN not in logs
    # The attempt's mounted secrets are removed once it has ended.
    assert not list((flyte_server.home / "attempt-secrets").rglob("mounted"))
