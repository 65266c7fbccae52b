"""Large inputs: whatever arrives over the offload threshold goes to the blob store, server-side,
as the SDK does on the client; the database keeps a small reference."""

from __future__ import annotations

import base64

import httpx
import msgpack

from tests.fixtures.server import ServerHandle
from tests.integration.server.hardening._support import (
    API,
    assert_server_still_runs_runs,
    ended_run,
    execute,
    upload_bundle,
)

WORKFLOW = """
import flyte

env = flyte.TaskEnvironment(name="hardening_large")


@env.task
async def measure(data: bytes) -> int:
    return len(data)
"""
SIZE = 6 * 1024 * 1024  # over the 4 MiB offload threshold, under the request limit


def test_a_large_raw_input_is_offloaded_by_the_server(flyte_server: ServerHandle, http: httpx.Client) -> None:
    bundle = upload_bundle(http, {"large.py": WORKFLOW})
    inputs = base64.b64encode(msgpack.packb({"data": b"\x01" * SIZE})).decode()
    task = {"name": "hardening_large.measure", "module": "large.py"}
    created = http.post(f"{API}/runs", json={"task": task, "inputs": inputs, "bundle": bundle})
    assert created.status_code == 201, created.text
    run = created.json()["name"]
    assert ended_run(http, run)["phase"] == "SUCCEEDED"
    outputs = http.get(f"{API}/runs/{run}/actions/a0").json()["outputs"]
    assert msgpack.unpackb(base64.b64decode(outputs)) == SIZE

    ((stored,),) = execute(flyte_server, "SELECT inputs FROM actions WHERE run_name = :run", run=run)
    assert len(bytes(stored)) < 4096  # a reference, not the payload
    offloaded = list((flyte_server.home / "data" / "runs" / run / "offloaded").iterdir())
    assert [path.stat().st_size for path in offloaded] == [len(msgpack.packb({"data": b"\x01" * SIZE}))]
    assert_server_still_runs_runs(flyte_server)
