"""Arbitrary modules: a task's code comes only from its run's bundle, or from the server's own
installed packages when the server was started to allow that."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fixtures.server import ServerHandle
from tests.integration.server._support import count_rows
from tests.integration.server.hardening._support import (
    API,
    HELLO,
    assert_server_still_runs_runs,
    encoded,
    ended_run,
    upload_bundle,
)

INPUTS = encoded(name="x")
MARKER_MODULE = """
from pathlib import Path

Path({marker!r}).write_text("imported")

import flyte

env = flyte.TaskEnvironment(name="installed")


@env.task
async def hello(name: str) -> str:
    return f"installed {{name}}"
"""


def test_modules_outside_the_bundle_are_422(flyte_server: ServerHandle, http: httpx.Client, tmp_path: Path) -> None:
    bundle = upload_bundle(http, {"hello.py": HELLO})
    outside = tmp_path / "outside.py"
    outside.write_text(MARKER_MODULE.format(marker=str(tmp_path / "ran")))
    for module in (str(outside), "../outside.py", "sub/../../outside.py", "C:\\\\x.py", "a b", ""):
        body = {"task": {"name": "installed.hello", "module": module}, "inputs": INPUTS, "bundle": bundle}
        response = http.post(f"{API}/runs", json=body)
        assert response.status_code == 422, (module, response.text)
        assert response.json()["detail"][0]["loc"][-1] == "module", response.text
    assert count_rows(flyte_server, "runs") == 0
    assert not (tmp_path / "ran").exists()
    assert_server_still_runs_runs(flyte_server)


def test_installed_modules_need_the_servers_consent(flyte_server: ServerHandle, http: httpx.Client) -> None:
    bundle = upload_bundle(http, {"hello.py": HELLO})
    for body in (
        {"task": {"name": "x.y", "module": "antigravity"}, "inputs": INPUTS},
        {"task": {"name": "x.y", "module": "flyte.server.app"}, "inputs": INPUTS, "bundle": bundle},
    ):
        response = http.post(f"{API}/runs", json=body)
        assert response.status_code == 400, response.text
        assert "--allow-installed-modules" in response.json()["detail"]
    # A bundle's file needs the bundle.
    response = http.post(f"{API}/runs", json={"task": {"name": "x.y", "module": "hello.py"}, "inputs": INPUTS})
    assert response.status_code == 400
    assert "no code bundle" in response.json()["detail"]
    assert count_rows(flyte_server, "runs") == 0


@pytest.fixture
def consenting_server(server_db: str, tmp_path: Path) -> Iterator[tuple[ServerHandle, Path]]:
    """A server started with --allow-installed-modules and a folder of installed code on its path."""
    site = tmp_path / "site"
    site.mkdir()
    home = tmp_path / "server-home"
    home.mkdir()
    handle = ServerHandle(server_db, home, allow_installed_modules=True, env={"PYTHONPATH": str(site)})
    handle.start()
    try:
        yield handle, site
    finally:
        handle.stop()


def test_installed_modules_run_when_the_server_allows_them(
    consenting_server: tuple[ServerHandle, Path], tmp_path: Path
) -> None:
    server, site = consenting_server
    marker = tmp_path / "imported"
    (site / "installed_tasks.py").write_text(MARKER_MODULE.format(marker=str(marker)))
    with httpx.Client(base_url=server.endpoint, timeout=60) as http:
        body = {"task": {"name": "installed.hello", "module": "installed_tasks"}, "inputs": INPUTS}
        created = http.post(f"{API}/runs", json=body)
        assert created.status_code == 201, created.text
        assert ended_run(http, created.json()["name"])["phase"] == "SUCCEEDED"
    assert marker.read_text() == "imported"
