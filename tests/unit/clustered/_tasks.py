"""Clustered tasks the tests run: imported by the gang's processes too, so no pytest here."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

import flyte
from flyte.clustered import ClusteredTaskEnvironment, ClusterFailurePolicy, JaxRun, TorchRun

TOPOLOGY_VARS = (
    "RANK",
    "LOCAL_RANK",
    "WORLD_SIZE",
    "LOCAL_WORLD_SIZE",
    "GROUP_RANK",
    "NODE_RANK",
    "MASTER_ADDR",
    "MASTER_PORT",
    "JAX_COORDINATOR_ADDRESS",
    "FLYTE_CLUSTERED_WORKER",
)
_CONNECT_WITHIN_S = 30.0

gang = ClusteredTaskEnvironment(name="gang", replicas=2, nproc_per_node=2, env_vars={"FROM_ENV": "yes"})
jax_gang = ClusteredTaskEnvironment(name="jax_gang", replicas=2, nproc_per_node=1, runtime=JaxRun())
restarting = ClusteredTaskEnvironment(
    name="restarting",
    replicas=2,
    nproc_per_node=1,
    runtime=TorchRun(max_restarts=1),
    failure_policy=ClusterFailurePolicy(max_restarts=1),
)
plain = flyte.TaskEnvironment(name="plain_helper")


def _record_pid(folder: str) -> None:
    # Renamed into place: the test reads whatever a stopped gang left behind.
    partial = Path(folder, f".pid-{os.environ['RANK']}")
    partial.write_text(str(os.getpid()))
    partial.rename(Path(folder, f"pid-{os.environ['RANK']}"))


def _gather_at_rank0(payload: dict[str, str | None]) -> dict[str, dict[str, str | None]]:
    """Rank 0 listens at MASTER_ADDR:MASTER_PORT and collects every other rank's payload over TCP."""
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    address = (os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]))
    if rank != 0:
        deadline = time.monotonic() + _CONNECT_WITHIN_S
        while True:
            try:
                with socket.create_connection(address, timeout=5) as conn:
                    conn.sendall(json.dumps(payload).encode())
                return {}
            except ConnectionRefusedError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)  # rank 0 is not listening yet
    gathered = {"0": payload}
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(address)
        server.listen()
        server.settimeout(_CONNECT_WITHIN_S)
        while len(gathered) < world:
            conn, _ = server.accept()
            with conn:
                data = b""
                while chunk := conn.recv(65536):
                    data += chunk
            received = json.loads(data)
            gathered[str(received["RANK"])] = received
    return gathered


@gang.task
def topology(tag: str) -> dict[str, dict[str, str | None]]:
    """Every rank's distributed variables, gathered by rank 0 over the rendezvous address."""
    ctx = flyte.ctx()
    assert ctx is not None
    payload = {name: os.environ.get(name) for name in TOPOLOGY_VARS}
    payload.update(tag=tag, FROM_ENV=os.environ.get("FROM_ENV"), ctx_rank=str(ctx.rank), run=ctx.action.run_name)
    return _gather_at_rank0(payload)


@jax_gang.task
async def jax_topology() -> dict[str, dict[str, str | None]]:
    """An async body under JaxRun: one process per node."""
    return _gather_at_rank0({name: os.environ.get(name) for name in TOPOLOGY_VARS})


@gang.task
def fails_on_rank(bad_rank: int, folder: str) -> int:
    """``bad_rank`` raises; the others wait for a long time (until they are stopped)."""
    _record_pid(folder)
    if int(os.environ["RANK"]) == bad_rank:
        raise ValueError(f"boom on rank {bad_rank}")
    time.sleep(60)
    return 0


@gang.task
def exits_on_rank(bad_rank: int) -> int:
    """``bad_rank`` dies without a word (as a crash or the OOM killer would)."""
    if int(os.environ["RANK"]) == bad_rank:
        os._exit(3)
    return int(os.environ["RANK"])


@restarting.task
def recovers(folder: str, healthy_from: int) -> str:
    """Fails on rank 1 until ``healthy_from`` starts of the gang have happened; rank 1 records each start."""
    set_attempt = os.environ["JOBSET_RESTART_ATTEMPT"]
    launcher_attempt = os.environ["TORCHELASTIC_RESTART_COUNT"]
    start = f"{set_attempt}.{launcher_attempt}"
    starts = int(set_attempt) * 2 + int(launcher_attempt)
    if os.environ["RANK"] == "1":
        # Recorded by the rank that fails: the others may be stopped before they get this far.
        Path(folder, f"start-{start}").touch()
        if starts < healthy_from:
            raise RuntimeError(f"not yet healthy at start {start}")
    return start


@gang.task(timeout=2)
def hangs(folder: str) -> int:
    """Never finishes on its own."""
    _record_pid(folder)
    time.sleep(60)
    return 0


@plain.task
def helper() -> int:
    """A task a gang's process may not call."""
    return 1


@jax_gang.task
def calls_a_task() -> int:
    """Tries to start another task from a rank."""
    return helper()


@plain.task
def calls_gang(x: int) -> int:
    """A plain task calling a clustered one: the gang's result is rank 0's."""
    return exits_on_rank(-1) + 3 * x
