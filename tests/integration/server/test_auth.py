"""A server started with ``--auth``: every route refuses a missing, wrong or deleted key (the
routes enumerated from the OpenAPI document and from the application itself, so that a route
added later is covered by this test without being listed here), workers authenticate with their
attempt tokens, keys are managed with the CLI, and a server without ``--auth`` listens on
loopback only."""

from __future__ import annotations

import hashlib
import json
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

import flyte
from flyte._internal import wire
from flyte.server.app import create_app
from flyte.server.db.database import normalise_url
from flyte.server.settings import ServerSettings
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import FLYTE, cli_env

API = wire.API_PREFIX
auth_server = pytest.mark.server_options(args=("--auth",))

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="auth_wf")


@env.task
async def square(x: int) -> int:
    print(f"squaring {x}")
    return x * x


@env.task
async def main(n: int) -> int:
    total = 0
    for i in range(n):
        total += await square(i)
    return total
"""

# Values for path parameters: any value will do, the request must be refused before it matters.
_PARAM_VALUES = {"attempt": "1", "digest": "0" * 64, "hash": "0" * 64}


def _fill(path: str) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: _PARAM_VALUES.get(m.group(1), f"some-{m.group(1)}"), path)


def _routes_of_the_document(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), _fill(path)) for path, ops in document["paths"].items() for method in ops}


def _routes_of_the_application(tmp_path: Path) -> set[tuple[str, str]]:
    """Every route the application serves, in or out of the OpenAPI document (pages, docs, mounts)."""
    from starlette.routing import Mount

    home = tmp_path / "enumerate"
    app = create_app(ServerSettings(home=home, db_url=f"sqlite:///{home / 'server.db'}"))
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        path = getattr(route, "path", "")
        if isinstance(route, Mount):
            found.add(("GET", f"{path}/anything"))
            continue
        for method in getattr(route, "methods", None) or {"GET"}:
            found.add((method, _fill(path)))
    return found


def _is_public(path: str) -> bool:
    return path == "/login" or path.startswith("/static/")


def _request(server: ServerHandle, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{server.endpoint}{path}", timeout=10, **kwargs)


def _on(http: httpx.Client) -> Callable[[str, str, dict[str, str]], httpx.Response]:
    """Requests through ``http`` that carry only the headers given (no cookie kept from before)."""

    def request(method: str, path: str, headers: dict[str, str]) -> httpx.Response:
        http.cookies.clear()
        return http.request(method, path, headers=headers)

    return request


def _admin(server: ServerHandle) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.admin_key}"}


def _create_key(server: ServerHandle, name: str, project: str | None = None) -> str:
    body = {"name": name, **({"project": project} if project else {})}
    response = _request(server, "POST", f"{API}/api-keys", json=body, headers=_admin(server))
    assert response.status_code == 201, response.text
    key: str = response.json()["key"]
    return key


@auth_server
def test_every_route_refuses_a_missing_wrong_or_deleted_key(flyte_server: ServerHandle, tmp_path: Path) -> None:
    document = _request(flyte_server, "GET", "/openapi.json", headers=_admin(flyte_server))
    assert document.status_code == 200
    routes = _routes_of_the_document(document.json()) | _routes_of_the_application(tmp_path)
    routes |= {("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/redoc")}
    assert (("GET", f"{API}/whoami")) in routes and ("POST", f"{API}/runs") in routes
    checked = sorted(route for route in routes if not _is_public(route[1]))
    assert len(checked) > 30

    deleted = _create_key(flyte_server, "deleted")
    assert _request(flyte_server, "GET", f"{API}/whoami", headers={"Authorization": f"Bearer {deleted}"}).is_success
    gone = _request(flyte_server, "DELETE", f"{API}/api-keys/deleted", headers=_admin(flyte_server))
    assert gone.status_code == 204
    admin = flyte_server.admin_key
    wrong_secret = admin[: admin.rindex(":") + 1] + "A" * 43
    refused_credentials: dict[str, dict[str, str]] = {
        "missing": {},
        "not a key": {"Authorization": "Bearer not-a-key"},
        "wrong secret": {"Authorization": f"Bearer {wrong_secret}"},
        "unknown name": {"Authorization": f"Bearer flyte:nobody:{'B' * 43}"},
        "deleted": {"Authorization": f"Bearer {deleted}"},
        "deleted, as cookie": {"Cookie": f"flyte_token={deleted}"},
        "basic scheme": {"Authorization": f"Basic {admin}"},
        "forged attempt token": {wire.ATTEMPT_TOKEN_HEADER: "forged"},
    }
    # One connection for the hundreds of requests below (a new client each time costs more than the request).
    with httpx.Client(base_url=flyte_server.endpoint, timeout=10) as http:
        request = _on(http)
        for method, path in checked:
            for what, headers in refused_credentials.items():
                response = request(method, path, headers)
                where = f"{method} {path} with a {what} key"
                assert response.status_code == 401, where
                assert response.headers["www-authenticate"] == "Bearer", where
                if method != "HEAD":
                    assert isinstance(response.json()["detail"], str), where

        # The key itself, as a header or as the UI's cookie, opens every route (no 401 anywhere).
        for method, path in checked:
            for headers in (_admin(flyte_server), {"Cookie": f"flyte_token={admin}"}):
                assert request(method, path, headers).status_code != 401, (method, path)
    # The login page stays reachable, so a browser can get a key in, and is where a browser is sent.
    assert _request(flyte_server, "GET", "/login").status_code != 401
    page = _request(flyte_server, "GET", "/runs/some-run?tab=logs", headers={"Accept": "text/html"})
    assert page.status_code == 401 and page.headers["www-authenticate"] == "Bearer"
    assert 'url=/login?next=%2Fruns%2Fsome-run%3Ftab%3Dlogs"' in page.text


@auth_server
def test_a_run_works_with_the_key_from_the_environment(flyte_server: ServerHandle, tmp_path: Path) -> None:
    (tmp_path / "wf_auth.py").write_text(WORKFLOW)
    env = {**cli_env(flyte_server), "FLYTE_API_KEY": flyte_server.admin_key}

    def flyte_command(*args: str, environ: dict[str, str] = env) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(FLYTE), *args], env=environ, capture_output=True, text=True, timeout=90, check=False, cwd=tmp_path
        )

    # The workers create children and wait for them with their attempt tokens only.
    done = flyte_command("run", "--follow", "--name", "keyed-run", "wf_auth.py", "main", "--n", "4")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "  o0 = 14"
    shown = flyte_command("get", "run", "keyed-run")
    assert shown.returncode == 0, shown.stderr
    assert "SUCCEEDED" in shown.stdout
    logs = flyte_command("get", "action", "keyed-run")
    assert logs.returncode == 0, logs.stderr

    refused = flyte_command("get", "run", "keyed-run", environ=cli_env(flyte_server))
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: ") and refused.stderr.count("\n") == 1, refused.stderr
    assert "API key" in refused.stderr

    # The config's admin.api_key works too, and so does flyte.init(api_key=...).
    config = tmp_path / "config.yaml"
    config.write_text(f"admin:\n  endpoint: {flyte_server.endpoint}\n  api_key: {flyte_server.admin_key}\n")
    plain = {k: v for k, v in cli_env(flyte_server).items() if k != "FLYTE_ADMIN_ENDPOINT"}
    from_config = flyte_command("-c", str(config), "get", "run", "keyed-run", environ=plain)
    assert from_config.returncode == 0, from_config.stderr
    flyte.init(endpoint=flyte_server.endpoint, api_key=flyte_server.admin_key)
    assert flyte.remote.Run.get("keyed-run").phase == "SUCCEEDED"


@auth_server
def test_api_keys_are_created_listed_and_deleted_with_the_cli(flyte_server: ServerHandle, tmp_path: Path) -> None:
    env = {**cli_env(flyte_server), "FLYTE_API_KEY": flyte_server.admin_key}

    def flyte_command(*args: str, environ: dict[str, str] = env) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(FLYTE), *args], env=environ, capture_output=True, text=True, timeout=60, check=False)

    created = flyte_command("create", "api-key", "ci", "--project", "team-a")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("flyte:ci:") and "shown only now" in created.stderr

    listed = flyte_command("get", "api-key")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["NAME", "PROJECT", "CREATED"]
    assert [line.split()[:2] for line in lines[1:]] == [["admin", "*"], ["ci", "team-a"]]
    assert key.rsplit(":", 1)[1] not in listed.stdout
    as_json = json.loads(flyte_command("-of", "json", "get", "api-key").stdout)
    assert [(k["name"], k["project"]) for k in as_json] == [("admin", None), ("ci", "team-a")]
    assert all(set(k) == {"name", "project", "created_at"} for k in as_json)

    again = flyte_command("create", "api-key", "ci")
    assert again.returncode == 1 and again.stderr.count("\n") == 1 and "exists already" in again.stderr

    # A project-scoped key manages no keys.
    scoped = flyte_command("get", "api-key", environ={**env, "FLYTE_API_KEY": key})
    assert scoped.returncode == 1 and "only an unscoped key" in scoped.stderr, scoped.stderr

    whoami = json.loads(flyte_command("-of", "json", "whoami", environ={**env, "FLYTE_API_KEY": key}).stdout)
    assert (whoami["key"], whoami["key_project"], whoami["auth"]) == ("ci", "team-a", "api-key")

    deleted = flyte_command("delete", "api-key", "ci")
    assert deleted.returncode == 0, deleted.stderr
    assert _request(flyte_server, "GET", f"{API}/whoami", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    missing = flyte_command("delete", "api-key", "ci")
    assert missing.returncode == 1 and "No API key named 'ci'" in missing.stderr


@auth_server
def test_the_first_key_is_written_for_the_servers_user_only(flyte_server: ServerHandle) -> None:
    key_file = flyte_server.home / "admin-api-key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert flyte_server.log is not None
    assert f"API keys are required; the admin key is in {key_file}" in flyte_server.log.read_text()
    # Only the key's hash is stored.
    engine = create_engine(normalise_url(flyte_server.db_url))
    try:
        with engine.connect() as conn:
            stored = [tuple(row) for row in conn.execute(text("SELECT name, key_hash FROM api_keys"))]
    finally:
        engine.dispose()
    assert stored == [("admin", hashlib.sha256(flyte_server.admin_key.encode()).hexdigest())]
    # A restart keeps the key: one is made only while the server has none.
    flyte_server.stop()
    flyte_server.start()
    assert _request(flyte_server, "GET", f"{API}/whoami", headers=_admin(flyte_server)).json()["key_name"] == "admin"


@auth_server
def test_whoami_shows_the_key_and_the_defaults(flyte_server: ServerHandle) -> None:
    env = {**cli_env(flyte_server), "FLYTE_API_KEY": flyte_server.admin_key, "FLYTE_TASK_PROJECT": "ml"}
    shown = subprocess.run([str(FLYTE), "whoami"], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert shown.returncode == 0, shown.stderr
    lines = dict(line.split(":", 1) for line in shown.stdout.splitlines())
    assert {k: v.strip() for k, v in lines.items()} == {
        "Endpoint": flyte_server.endpoint,
        "Auth": "api-key",
        "API key": "admin (every project)",
        "Org": "-",
        "Project": "ml",
        "Domain": "development",
    }


def test_whoami_without_auth_and_locally(flyte_server: ServerHandle) -> None:
    shown = subprocess.run(
        [str(FLYTE), "-of", "json", "whoami"], env=cli_env(flyte_server), capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["auth"] == "no auth"
    local = subprocess.run(
        [str(FLYTE), "--endpoint", "", "-of", "json", "whoami"], capture_output=True, text=True, timeout=60
    )
    assert (json.loads(local.stdout)["endpoint"], json.loads(local.stdout)["auth"]) == ("local", "local")


def test_without_auth_only_loopback_is_served(tmp_path: Path) -> None:
    for command in (
        [str(FLYTE), "start", "server", "--host", "0.0.0.0", "--home", str(tmp_path)],
        [sys.executable, "-m", "flyte.server", "--host", "0.0.0.0", "--home", str(tmp_path)],
    ):
        refused = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        assert refused.returncode != 0
        assert refused.stderr.count("\n") == 1, refused.stderr
        assert "refusing to listen on 0.0.0.0 without authentication: add --auth" in refused.stderr
    assert not (tmp_path / "server.db").exists()
