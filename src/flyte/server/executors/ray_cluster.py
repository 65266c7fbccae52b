"""The Ray cluster a server runs its attempts on: joining it, checking it can, and what a task
asks of it.

``--executor ray`` starts a Ray cluster of this machine alone (inside the server process's
lifetime); ``--executor ray://HOST:PORT`` joins a running cluster through its Ray Client port
(``ray start --head`` opens it on 10001). Every node must have this package installed in the
Python that ``ray start`` runs, and must reach the server's address and the run store.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

from flyte._internal import wire
from flyte._internal.store.blob import is_local
from flyte.errors import ConfigError
from flyte.server.executors.base import Capacity

__all__ = [
    "EXECUTORS",
    "check_cluster",
    "check_executor",
    "check_store_reaches_nodes",
    "cluster_capacity",
    "connect",
    "hosts_of",
    "ray_options",
]

EXECUTORS = ("process", "ray", "ray://HOST:PORT")
"""What ``--executor`` accepts."""

RAY_NAMESPACE = "flyte"
_RETRY_S = 1.0


def check_executor(value: str) -> str:
    """The executor named by ``value``, or a ConfigError naming what is accepted."""
    if value in ("process", "ray"):
        return value
    if value.startswith("ray://"):
        host, _, port = value.removeprefix("ray://").rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536:
            return value
    raise ConfigError(f"--executor must be one of {', '.join(EXECUTORS)}, got {value!r}")


def connect(target: str, *, patience_s: float = 60.0) -> None:
    """Starts a Ray cluster of this machine (``"ray"``) or joins one (``"ray://HOST:PORT"``).

    A cluster that has just started may refuse its first clients (its client server is still
    setting up): joining is tried again for up to ``patience_s`` seconds.
    """
    import ray

    if ray.is_initialized():
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    common: dict[str, Any] = {"namespace": RAY_NAMESPACE, "log_to_driver": False, "logging_level": "WARNING"}
    deadline = time.monotonic() + patience_s
    while True:
        try:
            if target == "ray":
                # "local": a new cluster, never one that another program started on this machine.
                ray.init(address="local", include_dashboard=False, _node_ip_address="127.0.0.1", **common)
            else:
                ray.init(address=target, **common)
            return
        except Exception as e:
            with contextlib.suppress(Exception):
                ray.shutdown()
            if target == "ray" or time.monotonic() > deadline:
                raise ConfigError(f"cannot start or join the Ray cluster {target!r}: {type(e).__name__}: {e}") from e
            time.sleep(_RETRY_S)


def hosts_of(nodes: Iterable[Mapping[str, Any]]) -> set[str]:
    """The machines that the cluster's live nodes run on."""
    return {
        str(node.get("NodeManagerHostname") or node.get("NodeManagerAddress"))
        for node in nodes
        if node.get("Alive", True)
    }


def check_store_reaches_nodes(store: str, nodes: Iterable[Mapping[str, Any]]) -> None:
    """Refuses a store in a local folder when the cluster spans several machines.

    Nodes on this one machine share its folders; nodes on others would not find the bundles and
    values a local store keeps.
    """
    hosts = hosts_of(nodes)
    if is_local(store) and len(hosts) > 1:
        raise ConfigError(
            f"the run store {store!r} is a local folder, but the Ray cluster spans {len(hosts)} machines "
            f"({', '.join(sorted(hosts))}): start the server with --store s3://BUCKET/PREFIX (any S3 store that "
            "every node reaches)"
        )


def cluster_capacity(nodes: Iterable[Mapping[str, Any]]) -> Capacity:
    """What the live nodes have in all, and the largest of them (Ray's resources of each node)."""
    per_node = [
        (
            float(node["Resources"].get("CPU", 0.0)),
            int(node["Resources"].get("memory", 0)),
            int(node["Resources"].get("GPU", 0)),
        )
        for node in nodes
        if node.get("Alive", True) and node.get("Resources")
    ]
    if not per_node:
        return Capacity(0.0, 0, 0, "the largest Ray node")
    return Capacity(
        cpu=sum(cpu for cpu, _, _ in per_node),
        memory_bytes=sum(memory for _, memory, _ in per_node),
        gpu=sum(gpu for _, _, gpu in per_node),
        where="the largest Ray node",
        largest=(max(c for c, _, _ in per_node), max(m for _, m, _ in per_node), max(g for _, _, g in per_node)),
    )


def check_cluster(store: str) -> None:
    """Checks the joined cluster can use the store (see :func:`check_store_reaches_nodes`)."""
    import ray

    ray_module: Any = ray
    check_store_reaches_nodes(store, ray_module.nodes())


def ray_options(task: wire.TaskSpec) -> dict[str, Any]:
    """What a task asks of Ray: CPUs, memory, GPUs and accelerator, from its resources.

    A task that asks no CPU takes none of Ray's (like a process on one machine: most tasks wait
    on children or on I/O), so that parents waiting on children never starve them of CPUs; the
    server's worker slots bound how many run at once.
    """
    options: dict[str, Any] = {"num_cpus": task.cpu or 0}
    if task.memory_bytes:
        options["memory"] = task.memory_bytes
    if task.gpu:
        options["num_gpus"] = task.gpu
    if task.accelerator:
        options["accelerator_type"] = task.accelerator
    return options
