"""What the hardening tests share: raw HTTP against a real server, bundles, and a worker's token.

A test that plays a worker takes over an attempt in flight with :func:`claim_attempt`: it
writes the hash of a token of its own into the attempt's row, as the scheduler does at launch,
so that the routes meant for the worker accept the test's requests.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import msgpack
from sqlalchemy import create_engine, text

import flyte
from flyte._internal import wire
from flyte.server.attempt_tokens import hash_token
from flyte.server.db.database import normalise_url
from tests.fixtures.archives import tar_gz
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, load_workflow

API = wire.API_PREFIX

HELLO = """
import flyte

env = flyte.TaskEnvironment(name="hardening_hello")


@env.task
async def hello(name: str) -> str:
    return f"hello {name}"
"""


def encoded(**inputs: Any) -> str:
    """Inputs as the API takes them: msgpack, base64."""
    return base64.b64encode(msgpack.packb(inputs)).decode()


def post_raw_json(http: httpx.Client, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    """POSTs ``body`` as ``json.dumps`` writes it: with NaN, Infinity and escaped lone surrogates,
    which httpx's own JSON writer refuses but a careless client sends."""
    return http.post(path, content=json.dumps(body), headers={"content-type": "application/json", **(headers or {})})


def upload_bundle(http: httpx.Client, files: dict[str, str]) -> str:
    """Uploads a bundle of ``files`` (path -> source) and returns its hash."""
    data = tar_gz({name: source.encode() for name, source in files.items()})
    digest = hashlib.sha256(data).hexdigest()
    response = http.put(f"{API}/bundles/{digest}", content=data, headers={"content-type": "application/gzip"})
    assert response.status_code == 204, response.text
    return digest


def wait_for(condition: Callable[[], Any], timeout: float = 60.0, what: str = "the condition") -> Any:
    """Polls ``condition`` until it returns something truthy, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        time.sleep(0.05)


def ended_run(http: httpx.Client, name: str, timeout: float = 60.0) -> dict[str, Any]:
    """The run once it has ended (long-polls the server)."""
    deadline = time.monotonic() + timeout
    while True:
        info: dict[str, Any] = http.get(f"{API}/runs/{name}/wait", params={"timeout": 10}).json()
        if info["phase"] in wire.TERMINAL_PHASES:
            return info
        if time.monotonic() > deadline:
            raise AssertionError(f"run {name} is still {info['phase']} after {timeout}s")


def execute(server: ServerHandle, sql: str, **params: Any) -> list[Any]:
    """Runs one SQL statement against the server's database (rows, for a query)."""
    engine = create_engine(normalise_url(server.db_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(sql), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        engine.dispose()


def claim_attempt(server: ServerHandle, run: str, action: str = "a0") -> tuple[int, str]:
    """Waits for the action's attempt to be in flight and takes it over: (attempt, token)."""

    def in_flight() -> Any:
        rows = execute(
            server,
            "SELECT attempt FROM actions WHERE run_name = :run AND name = :action "
            "AND phase IN ('INITIALIZING', 'RUNNING')",
            run=run,
            action=action,
        )
        return rows[0] if rows else None

    (attempt,) = wait_for(in_flight, what=f"an attempt of {action} in flight")
    token = f"test-token-{run}-{action}"
    execute(
        server,
        "UPDATE attempts SET token_hash = :hash WHERE run_name = :run AND action_name = :action AND attempt = :n",
        hash=hash_token(token),
        run=run,
        action=action,
        n=attempt,
    )
    return int(attempt), token


def worker_headers(token: str) -> dict[str, str]:
    """The headers of a request made by the worker holding ``token``."""
    return {wire.ATTEMPT_TOKEN_HEADER: token}


def assert_server_still_runs_runs(server: ServerHandle) -> None:
    """A normal run submitted now succeeds: nothing before it stopped the scheduler."""
    connect(server)
    wf = load_workflow(HELLO)
    run = flyte.run(wf.hello, "after")
    assert run.outputs()[0] == "hello after"
