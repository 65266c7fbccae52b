"""Projects are isolated by API keys: a key scoped to one project can neither read nor change
another project's runs (and their actions, logs, data) or secrets, sees only its project in
listings, and manages neither keys nor projects; its own runs work end to end."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import flyte
from flyte._internal import wire
from flyte.errors import RunNotFoundError, RuntimeUserError
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import load_workflow

API = wire.API_PREFIX

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="isolation_wf")


@env.task
async def hello(who: str) -> str:
    print(f"hello {who}")
    return f"hello {who}"
"""


def _client(server: ServerHandle, key: str) -> httpx.Client:
    return httpx.Client(base_url=server.endpoint + API, headers={"Authorization": f"Bearer {key}"}, timeout=30)


@pytest.mark.server_options(args=("--auth",))
def test_a_project_key_sees_and_changes_its_project_only(flyte_server: ServerHandle, tmp_path: Path) -> None:
    with _client(flyte_server, flyte_server.admin_key) as admin:
        key_a = admin.post("/api-keys", json={"name": "team-a", "project": "a"}).json()["key"]
        with _client(flyte_server, key_a) as team_a:
            _check_isolation(flyte_server, tmp_path, admin, team_a, key_a)


def _check_isolation(
    flyte_server: ServerHandle, tmp_path: Path, admin: httpx.Client, team_a: httpx.Client, key_a: str
) -> None:

    wf = load_workflow(WORKFLOW, tmp_path)
    flyte.init(endpoint=flyte_server.endpoint, project="b", api_key=flyte_server.admin_key, root_dir=tmp_path)
    run_b = flyte.run(wf.hello, "b")
    run_b.wait()
    # The scoped key's own run works end to end.
    flyte.init(endpoint=flyte_server.endpoint, project="a", api_key=key_a, root_dir=tmp_path)
    run_a = flyte.run(wf.hello, "a")
    run_a.wait()
    assert run_a.outputs()[0] == "hello a"

    # Runs: another project's run does not exist for the key, whatever is asked of it.
    assert [r["name"] for r in team_a.get("/runs").json()] == [run_a.name]
    assert team_a.get("/runs", params={"project": "a"}).status_code == 200
    assert team_a.get("/runs", params={"project": "b"}).status_code == 404
    for method, path in [
        ("GET", f"/runs/{run_b.name}"),
        ("GET", f"/runs/{run_b.name}/wait?timeout=0"),
        ("GET", f"/runs/{run_b.name}/actions"),
        ("GET", f"/runs/{run_b.name}/actions/a0"),
        ("GET", f"/runs/{run_b.name}/actions/a0/logs"),
        ("POST", f"/runs/{run_b.name}/abort"),
        ("POST", f"/runs/{run_b.name}/actions/a0/abort"),
    ]:
        response = team_a.request(method, path)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"detail": f"No run named '{run_b.name}'"}
    assert team_a.get(f"/runs/{run_a.name}/actions/a0/logs").json()["lines"][0]["text"] == "hello a"
    # The same for the run's web pages, events and reports, with the key in the UI's cookie.
    cookie = {"Cookie": f"flyte_token={key_a}"}
    for path in (f"/runs/{run_b.name}", f"/ui/events/runs/{run_b.name}", f"/ui/runs/{run_b.name}/actions/a0/report"):
        page = httpx.get(f"{flyte_server.endpoint}{path}", headers=cookie, timeout=30)
        assert page.status_code == 404, (path, page.text)
    # The runs and tasks pages list the key's project only; an unscoped key sees both.
    for path in ("/", "/tasks"):
        page = httpx.get(f"{flyte_server.endpoint}{path}", headers=cookie, timeout=30)
        assert page.status_code == 200 and run_a.name in page.text and run_b.name not in page.text, path
        everything = httpx.get(
            f"{flyte_server.endpoint}{path}", headers={"Cookie": f"flyte_token={flyte_server.admin_key}"}
        )
        assert run_a.name in everything.text and run_b.name in everything.text, path
    assert admin.get(f"/runs/{run_b.name}").json()["phase"] == "SUCCEEDED"
    with pytest.raises(RunNotFoundError):
        flyte.remote.Run.get(run_b.name)
    with pytest.raises(RuntimeUserError, match="acts in project 'a' only"):
        flyte.with_runcontext(project="b").run(wf.hello, "sneaky")
    assert [r["name"] for r in admin.get("/runs", params={"project": "b"}).json()] == [run_b.name]

    # Secrets: the key sees its project's and the unscoped ones, changes only its project's.
    for body in ({"name": "tok", "value": "va", "project": "a"}, {"name": "tok", "value": "vb", "project": "b"}):
        assert admin.post("/secrets", json=body).status_code == 201
    assert admin.post("/secrets", json={"name": "shared", "value": "v"}).status_code == 201
    listed = sorted((s["name"], s["project"]) for s in team_a.get("/secrets").json())
    assert listed == [("shared", None), ("tok", "a")]
    assert team_a.get("/secrets", params={"project": "b"}).status_code == 404
    assert team_a.get("/secrets/tok", params={"project": "b"}).status_code == 404
    assert team_a.delete("/secrets/tok", params={"project": "b"}).status_code == 404
    assert team_a.post("/secrets", json={"name": "tok", "value": "x", "project": "b"}).status_code == 403
    assert team_a.post("/secrets", json={"name": "shared", "value": "x"}).status_code == 403
    assert team_a.delete("/secrets/shared").status_code == 403
    assert team_a.post("/secrets", json={"name": "tok", "value": "va2", "project": "a"}).status_code == 200
    assert team_a.get("/secrets/tok", params={"project": "a"}).status_code == 200
    remaining = sorted((s["name"], s["project"]) for s in admin.get("/secrets").json())
    assert remaining == [("shared", None), ("tok", "a"), ("tok", "b")]

    # Projects and keys: the key sees its project only and administers nothing.
    assert [p["id"] for p in admin.get("/projects").json()] == ["a", "b"]
    assert [p["id"] for p in team_a.get("/projects").json()] == ["a"]
    assert team_a.get("/projects/b").status_code == 404
    assert team_a.post("/projects", json={"id": "c", "name": "C"}).status_code == 403
    assert team_a.post("/api-keys", json={"name": "wider"}).status_code == 403
    assert team_a.delete("/api-keys/admin").status_code == 403
    assert team_a.get("/whoami").json() == {"auth": True, "key_name": "team-a", "key_project": "a"}
