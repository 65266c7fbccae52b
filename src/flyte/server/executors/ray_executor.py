"""Workers on a Ray cluster: every attempt runs on one of its nodes (``--executor ray...``).

An attempt is a Ray task (:func:`~flyte.server.executors.ray_node.run_attempt`) that asks the
cluster for the task's resources, materialises the bundle and the image on the node it lands on
and runs the worker there in a process of its own; that worker reports to the server over HTTP
as on one machine. A task of a reusable environment runs on a Ray actor of its environment's
pool (:mod:`flyte.server.executors.ray_pools`) instead.

Failures map onto the scheduler's: a Ray worker or node that dies under an attempt ends it as a
worker exit (a system error, retried); a timeout or an abort cancels the Ray task, whose worker
is killed with it; memory over the task's limit is an OOM, watched on the node.

One thread waits on the Ray tasks and actor calls in flight and turns each into an
:class:`~flyte.server.executors.base.Exit`; it also stops idle replicas and re-checks, as nodes
join, that the run store is one they all reach.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flyte._internal.bundle import DEFAULT_BUNDLE_LIMITS, BundleLimits
from flyte.server.executors.base import Capacity, Exit, Launch
from flyte.server.executors.ray_cluster import check_cluster, cluster_capacity, connect, ray_options
from flyte.server.executors.ray_node import NodeTask, run_attempt
from flyte.server.executors.ray_pools import RayPools

__all__ = ["RayExecutor"]

_WAIT_S = 0.05
_CHECK_NODES_EVERY_S = 5.0
_RECLAIM_EVERY_S = 1.0

Ended = Callable[[Any, BaseException | None], None]
"""Called with a finished Ray call's result, or the exception ``ray.get`` raised instead."""


@dataclass
class _Attempt:
    ref: Any
    reason: str | None = None


class RayExecutor:
    """See the module docstring. ``bundle_uri`` maps a bundle hash to where its archive is."""

    def __init__(
        self,
        target: str,
        *,
        store: str,
        bundle_uri: Callable[[str], str | None],
        base_env: dict[str, str],
        bundle_limits: BundleLimits = DEFAULT_BUNDLE_LIMITS,
        allow_apt: bool = False,
        max_images: int = 32,
        on_exit: Callable[[], None] | None = None,
    ) -> None:
        connect(target)
        import ray

        self._ray: Any = ray
        self._store = store
        self._bundle_uri = bundle_uri
        self._base_env = base_env
        self._bundle_limits = bundle_limits
        self._allow_apt = allow_apt
        self._max_images = max_images
        self._on_exit = on_exit
        self._store_problem: str | None = None
        self._capacity = Capacity(0.0, 0, 0, "the largest Ray node")
        self._check_nodes(raise_error=True)
        self._remote = ray.remote(run_attempt)
        self._lock = threading.Lock()
        self._attempts: dict[str, _Attempt] = {}
        self._calls: dict[Any, Ended] = {}
        self._exits: list[Exit] = []
        self._pools = RayPools(self)
        self._stopping = threading.Event()
        self._waiter = threading.Thread(target=self._wait_for_calls, name="flyte-ray-waiter", daemon=True)
        self._waiter.start()

    # -- the executor protocol ------------------------------------------------------------------

    def start(self, worker: str, launch: Launch) -> None:
        """Submits the attempt to the cluster (or to its environment's replicas)."""
        if self._store_problem is not None:
            self.report(Exit(worker, -1, "start-failed", self._store_problem))
            return
        if launch.task.reuse is not None:
            self._pools.start(worker, launch)
            return
        # Retries are the scheduler's (as system errors, with the task's own policy), not Ray's.
        options = {"max_retries": 0, "scheduling_strategy": "SPREAD", **ray_options(launch.task)}
        ref = self._remote.options(**options).remote(self.node_task(launch), launch.env, launch.task.memory_bytes)
        with self._lock:
            self._attempts[worker] = _Attempt(ref)
        self.watch(ref, lambda result, error: self._attempt_ended(worker, result, error))

    def stop(self, worker: str, reason: str) -> None:
        """Cancels the attempt's Ray task (its worker is killed with it) or its replica call."""
        if self._pools.stop(worker, reason):
            return
        with self._lock:
            attempt = self._attempts.get(worker)
            if attempt is None:
                return
            attempt.reason = attempt.reason or reason
        # Not forced: the task's KeyboardInterrupt kills the worker's process group first.
        self._ray.cancel(attempt.ref, force=False)

    def poll(self) -> list[Exit]:
        """Attempts that ended since the last call."""
        with self._lock:
            exits, self._exits = self._exits, []
        return exits

    def tracks(self, worker: str) -> bool:
        """Whether the attempt runs (or waits) on the cluster."""
        with self._lock:
            return worker in self._attempts or self._pools.tracks(worker)

    def shutdown(self) -> None:
        """Stops waiting and leaves the cluster (Ray ends the server's tasks and actors)."""
        self._stopping.set()
        self._waiter.join(timeout=5)
        self._ray.shutdown()

    def capacity(self) -> Capacity:
        """What the cluster's live nodes have in all (refreshed every few seconds)."""
        return self._capacity

    # -- what the pools share -------------------------------------------------------------------

    def node_task(self, launch: Launch) -> NodeTask:
        """What a node needs to start a worker for the launch."""
        image = launch.task.image
        return NodeTask(
            bundle=launch.bundle,
            bundle_uri=self._bundle_uri(launch.bundle) if launch.bundle else None,
            image=image.model_dump_json() if image is not None else None,
            base_env=self._base_env,
            bundle_limits=self._bundle_limits,
            allow_apt=self._allow_apt,
            max_images=self._max_images,
        )

    def watch(self, ref: Any, ended: Ended) -> None:
        """Calls ``ended`` on the waiter thread once the Ray call ``ref`` finishes."""
        with self._lock:
            self._calls[ref] = ended

    def report(self, exited: Exit) -> None:
        """Hands an attempt's exit to the scheduler."""
        with self._lock:
            self._exits.append(exited)
        if self._on_exit is not None:
            self._on_exit()

    @property
    def ray(self) -> Any:
        """The ``ray`` module, imported once connected."""
        return self._ray

    # -- the waiter thread ----------------------------------------------------------------------

    def _attempt_ended(self, worker: str, result: Any, error: BaseException | None) -> None:
        with self._lock:
            attempt = self._attempts.pop(worker, None)
        if attempt is None:
            return
        if error is None:
            self.report(Exit(worker, int(result["code"]), attempt.reason or result["reason"], result["message"]))
        elif isinstance(error, self._ray.exceptions.TaskCancelledError):
            self.report(Exit(worker, -1, attempt.reason or "aborted"))
        else:
            self.report(Exit(worker, -1, attempt.reason, describe_ray_failure(error)))

    def _wait_for_calls(self) -> None:
        checked = reclaimed = time.monotonic()
        while not self._stopping.is_set():
            with self._lock:
                refs = list(self._calls)
            if refs:
                ready, _ = self._ray.wait(refs, num_returns=len(refs), timeout=_WAIT_S, fetch_local=True)
                for ref in ready:
                    self._finish(ref)
            else:
                self._stopping.wait(_WAIT_S)
            now = time.monotonic()
            if now - reclaimed > _RECLAIM_EVERY_S:
                self._pools.reclaim()
                reclaimed = now
            if now - checked > _CHECK_NODES_EVERY_S:
                self._check_nodes(raise_error=False)
                checked = now

    def _finish(self, ref: Any) -> None:
        with self._lock:
            ended = self._calls.pop(ref)
        try:
            result, error = self._ray.get(ref), None
        except Exception as e:
            result, error = None, e
        ended(result, error)

    def _check_nodes(self, *, raise_error: bool) -> None:
        """Reads what the cluster has, and refuses new attempts while the store is a local folder and
        the cluster spans machines."""
        from flyte.errors import ConfigError

        self._capacity = cluster_capacity(self._ray.nodes())
        try:
            check_cluster(self._store)
            self._store_problem = None
        except ConfigError as e:
            if raise_error:
                raise
            self._store_problem = e.message


def describe_ray_failure(error: BaseException) -> str:
    """Why a Ray call failed, in a line: a dead worker or node, or an error raised on the node."""
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"The Ray worker running the attempt failed ({type(error).__name__}): {first_line}"[:2000]
