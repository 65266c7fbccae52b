"""Bad input to a server: malformed bodies (422 with a message), unknown runs (404), oversized
bodies (413), unsafe or mismatched code bundles (400, nothing stored), a task missing from its
bundle (the run fails with a readable ModuleLoadError), and never a half-stored run."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgpack
import pytest

import flyte
import flyte.errors
from flyte._internal import wire
from flyte._internal.client import ApiClient
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, count_rows, load_workflow

API = wire.API_PREFIX
INPUTS = base64.b64encode(msgpack.packb({"x": 1})).decode()
TASK = {"name": "bad_input.square", "module": "wf.py"}
WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="bad_input")


@env.task
async def square(x: int) -> int:
    return x * x
"""


def _tar_gz(members: dict[str, bytes], symlink: tuple[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        if symlink is not None:
            info = tarfile.TarInfo(symlink[0])
            info.type = tarfile.SYMTYPE
            info.linkname = symlink[1]
            tar.addfile(info)
    return buffer.getvalue()


def _put_bundle(http: httpx.Client, data: bytes, digest: str | None = None) -> httpx.Response:
    digest = digest or hashlib.sha256(data).hexdigest()
    return http.put(f"{API}/bundles/{digest}", content=data, headers={"content-type": "application/gzip"})


def _nothing_stored(server: ServerHandle, http: httpx.Client, digest: str) -> None:
    assert http.head(f"{API}/bundles/{digest}").status_code == 404
    assert count_rows(server, "bundles") == 0
    assert not list((server.home / "data").rglob(f"{digest}*"))


@pytest.fixture
def http(flyte_server: ServerHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=flyte_server.endpoint, timeout=30) as client:
        yield client


def test_malformed_bodies_are_422_with_a_message(flyte_server: ServerHandle, http: httpx.Client) -> None:
    missing = http.post(f"{API}/runs", json={"task": {"name": "x"}})
    assert missing.status_code == 422
    problems = {(".".join(map(str, p["loc"])), p["msg"]) for p in missing.json()["detail"]}
    assert ("body.task.module", "Field required") in problems
    assert ("body.inputs", "Field required") in problems

    not_json = http.post(f"{API}/runs", content=b"{not json", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    assert "JSON" in str(not_json.json()["detail"])

    for bad in (
        {"task": TASK, "inputs": "not base64!"},
        {"task": TASK, "inputs": INPUTS, "name": "Not A Valid Name"},
        {"task": TASK, "inputs": INPUTS, "unknown_field": 1},
        {"task": {**TASK, "retries": -1}, "inputs": INPUTS},
    ):
        response = http.post(f"{API}/runs", json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert response.json()["detail"][0]["msg"]

    # The SDK's client turns a 422 into a user error that says what is wrong, on one line.
    with ApiClient(flyte_server.endpoint) as client, pytest.raises(flyte.errors.RuntimeUserError) as caught:
        client._request("POST", "/runs", json={"task": {"name": "x"}, "inputs": INPUTS})
    assert caught.value.code.startswith("Unprocessable")
    assert "body.task.module: Field required" in caught.value.message
    assert count_rows(flyte_server, "runs") == 0


def test_values_longer_than_their_columns_are_422(flyte_server: ServerHandle, http: httpx.Client) -> None:
    # SQLite would store them, PostgreSQL would fail with a 500: both must refuse them up front.
    response = http.post(f"{API}/runs", json={"task": TASK, "inputs": INPUTS, "cache_key": "k" * 65})
    assert response.status_code == 422, response.text
    assert "cache_key" in response.text
    assert count_rows(flyte_server, "runs") == 0
    assert count_rows(flyte_server, "actions") == 0


def test_unknown_run_is_404(flyte_server: ServerHandle, http: httpx.Client) -> None:
    wait = {"names": ["x"], "timeout": 5}
    create = {"actions": [{"name": "c1", "parent": "a0", "task": TASK, "inputs": INPUTS}]}
    for method, path, body in (
        ("GET", "/runs/nope", None),
        ("GET", "/runs/nope/wait?timeout=5", None),
        ("POST", "/runs/nope/abort", None),
        ("GET", "/runs/nope/actions", None),
        ("GET", "/runs/nope/actions/a0", None),
        ("GET", "/runs/nope/actions/a0/logs?wait=5", None),
        ("POST", "/runs/nope/actions", create),
        ("POST", "/runs/nope/actions/wait", wait),
        ("GET", "/attempts/nope/a0/1", None),
    ):
        response = http.request(method, f"{API}{path}", json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert "nope" in response.json()["detail"]
    assert http.get(f"{API}/no-such-endpoint").status_code == 404
    connect(flyte_server)
    with pytest.raises(flyte.errors.RunNotFoundError, match="nope"):
        flyte.remote.Run.get("nope")
    assert count_rows(flyte_server, "actions") == 0


@pytest.mark.server_options(max_request_bytes=64 * 1024)
def test_oversized_bodies_are_413(flyte_server: ServerHandle, http: httpx.Client) -> None:
    big = base64.b64encode(msgpack.packb({"x": b"\0" * 100_000})).decode()
    response = http.post(f"{API}/runs", json={"task": TASK, "inputs": big})
    assert response.status_code == 413
    assert "over the limit of 65536" in response.json()["detail"]

    # Without a Content-Length (chunked), the limit holds all the same.
    data = _tar_gz({"wf.py": os.urandom(200_000)})  # incompressible
    digest = hashlib.sha256(data).hexdigest()
    chunks = (data[i : i + 8192] for i in range(0, len(data), 8192))
    response = http.put(f"{API}/bundles/{digest}", content=chunks)
    assert response.status_code == 413, response.text
    _nothing_stored(flyte_server, http, digest)

    # The SDK says so in a user error.
    connect(flyte_server)
    wf = load_workflow(WORKFLOW.replace("x: int", "x: bytes").replace("x * x", "len(x)"))
    with pytest.raises(flyte.errors.RuntimeUserError, match="over the limit"):
        flyte.run(wf.square, b"\0" * 100_000)
    assert count_rows(flyte_server, "runs") == 0


def test_bundle_escaping_its_folder_is_refused(flyte_server: ServerHandle, http: httpx.Client) -> None:
    escaping = {
        "dotdot": _tar_gz({"wf.py": b"", "../x.py": b"evil"}),
        "absolute": _tar_gz({"/tmp/x.py": b"evil"}),
        "symlink": _tar_gz({"wf.py": b""}, symlink=("link", "../../outside")),
    }
    for kind, data in escaping.items():
        digest = hashlib.sha256(data).hexdigest()
        response = _put_bundle(http, data)
        assert response.status_code == 400, kind
        assert "refusing bundle member" in response.json()["detail"], kind
        _nothing_stored(flyte_server, http, digest)
        # A run cannot use it either.
        created = http.post(f"{API}/runs", json={"task": TASK, "inputs": INPUTS, "bundle": digest})
        assert created.status_code == 400, kind
    assert not (flyte_server.home.parent / "x.py").exists()
    assert count_rows(flyte_server, "runs") == 0


def test_bundle_that_is_not_a_tar_or_mismatches_its_hash(flyte_server: ServerHandle, http: httpx.Client) -> None:
    data = _tar_gz({"wf.py": WORKFLOW.encode()})
    wrong = hashlib.sha256(b"something else").hexdigest()
    response = _put_bundle(http, data, wrong)
    assert response.status_code == 400
    assert "does not match its hash" in response.json()["detail"]
    _nothing_stored(flyte_server, http, wrong)

    response = http.put(f"{API}/bundles/not-a-digest", content=data)
    assert response.status_code == 400

    garbage = b"not a tar.gz at all"
    response = _put_bundle(http, garbage)
    assert response.status_code == 400
    assert "not a valid code bundle" in response.json()["detail"]
    _nothing_stored(flyte_server, http, hashlib.sha256(garbage).hexdigest())


def test_task_missing_from_its_bundle_fails_the_run(flyte_server: ServerHandle, http: httpx.Client) -> None:
    data = _tar_gz({"wf.py": WORKFLOW.encode()})
    assert _put_bundle(http, data).status_code == 204
    digest = hashlib.sha256(data).hexdigest()
    connect(flyte_server)
    missing = {
        "no-task": (
            {"name": "bad_input.missing", "module": "wf.py"},
            "Task 'bad_input.missing' is not defined in wf.py",
        ),
        "no-module": ({"name": "bad_input.square", "module": "nowhere.py"}, "cannot load nowhere.py: no such file"),
    }
    for name, (task, message) in missing.items():
        body = {"task": task, "inputs": INPUTS, "bundle": digest, "name": name}
        created = http.post(f"{API}/runs", json=body)
        assert created.status_code == 201, created.text
        run = flyte.remote.Run.get(name)
        run.wait(timeout=30)
        assert run.phase == "FAILED"
        assert run.error is not None
        assert (run.error.code, run.error.kind) == ("ModuleLoadError", "user")
        assert run.error.message == message
        assert str(flyte_server.home) not in run.error.message
        (root,) = run.actions()
        assert root.attempts == 1  # a user error, and no retries asked for


def test_failed_creates_store_nothing(flyte_server: ServerHandle, http: httpx.Client) -> None:
    unknown_bundle = {"task": TASK, "inputs": INPUTS, "bundle": "0" * 64, "name": "r1"}
    response = http.post(f"{API}/runs", json=unknown_bundle)
    assert response.status_code == 400
    assert "upload it first" in response.json()["detail"]
    assert count_rows(flyte_server, "runs") == 0
    assert count_rows(flyte_server, "actions") == 0
    assert count_rows(flyte_server, "transitions") == 0

    data = _tar_gz({"wf.py": WORKFLOW.encode()})
    assert _put_bundle(http, data).status_code == 204
    bundled = {"inputs": INPUTS, "bundle": hashlib.sha256(data).hexdigest(), "name": "r2"}
    first = http.post(f"{API}/runs", json={"task": TASK, **bundled})
    assert first.status_code == 201
    again = http.post(f"{API}/runs", json={"task": {**TASK, "name": "other.task"}, **bundled})
    assert again.status_code == 409
    assert "r2" in again.json()["detail"]
    assert count_rows(flyte_server, "runs") == 1
    assert count_rows(flyte_server, "actions", run_name="r2", task_name=TASK["name"]) == 1
    assert count_rows(flyte_server, "actions") == 1


def test_children_of_an_ended_run_are_refused(flyte_server: ServerHandle, http: httpx.Client, tmp_path: Path) -> None:
    connect(flyte_server)
    wf = load_workflow(WORKFLOW)
    run = flyte.run(wf.square, 3)
    assert run.outputs()[0] == 9
    child = {"name": "late", "parent": "a0", "task": TASK, "inputs": INPUTS}
    response = http.post(f"{API}/runs/{run.name}/actions", json={"actions": [child]})
    assert response.status_code == 409
    assert count_rows(flyte_server, "actions", run_name=run.name) == 1
    long_group = {**child, "group": "g" * 300}
    response = http.post(f"{API}/runs/{run.name}/actions", json={"actions": [long_group]})
    assert response.status_code == 422, response.text
