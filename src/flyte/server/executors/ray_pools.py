"""Reusable environments on Ray: each replica is a Ray actor (:class:`ReplicaHost`) that keeps a
warm replica process and runs up to ``concurrency`` attempts on it at a time.

As on one machine, a pool (per code bundle, image and environment) grows while attempts wait for
a free slot, up to ``max_replicas``, and stops a replica idle past ``idle_ttl`` while more than
``min_replicas`` remain. An actor takes calls as soon as it is created (Ray queues them until it
is ready), so a new replica's slots count at once. A replica that dies (its process, its Ray
worker or its node) ends its attempts as worker exits, system errors the scheduler retries, and
is dropped from the pool, which starts another for what still waits.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flyte._internal import wire
from flyte.server.executors.base import Exit, Launch
from flyte.server.executors.pool import PoolKey, exit_of_done, idle_past_ttl, pool_key
from flyte.server.executors.ray_cluster import ray_options
from flyte.server.executors.ray_node import ReplicaHost

if TYPE_CHECKING:
    from flyte.server.executors.ray_executor import RayExecutor

__all__ = ["RayPools"]

# Calls beyond the attempts: cancel() must be served while every attempt slot is taken.
_CONTROL_CALLS = 2


@dataclass
class _Replica:
    name: str
    actor: Any
    running: set[str] = field(default_factory=set)
    idle_since: float = field(default_factory=time.monotonic)
    ready: bool = True  # an actor takes calls as soon as it is created


@dataclass
class _Pool:
    reuse: wire.ReuseSpec
    launch: Launch
    """The first launch: its task, bundle and image are the pool's."""
    replicas: dict[str, _Replica] = field(default_factory=dict)
    waiting: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class RayPools:
    """The pools of one :class:`~flyte.server.executors.ray_executor.RayExecutor`."""

    def __init__(self, executor: RayExecutor) -> None:
        self._executor = executor
        self._actor_class: Any = None
        self._lock = threading.Lock()
        self._pools: dict[PoolKey, _Pool] = {}
        self._where: dict[str, _Replica | None] = {}  # attempt -> its replica (None while it waits)
        self._reasons: dict[str, str] = {}

    def start(self, worker: str, launch: Launch) -> None:
        """Queues the launch on its environment's pool and sends what fits to replicas."""
        assert launch.task.reuse is not None
        key = pool_key(launch)
        spec = launch.spec.model_dump_json() if launch.spec is not None else None
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = _Pool(launch.task.reuse, launch)
            pool.waiting.append((worker, {"env": launch.env, "spec": spec}))
            self._where[worker] = None
        self._assign(pool)

    def tracks(self, worker: str) -> bool:
        """Whether the attempt belongs to a pool (waiting or running)."""
        with self._lock:
            return worker in self._where

    def stop(self, worker: str, reason: str) -> bool:
        """Stops an attempt of a pool; False when the worker is not one."""
        with self._lock:
            if worker not in self._where:
                return False
            self._reasons.setdefault(worker, reason)
            replica = self._where[worker]
            if replica is None:
                for pool in self._pools.values():
                    pool.waiting = [(w, request) for w, request in pool.waiting if w != worker]
                del self._where[worker]
                exited = Exit(worker, -1, self._reasons.pop(worker))
            else:
                exited = None
        if exited is not None:
            self._executor.report(exited)
        else:
            assert replica is not None
            replica.actor.cancel.remote(worker, reason)
        return True

    def reclaim(self) -> None:
        """Stops replicas idle past their pool's ``idle_ttl`` while more than ``min_replicas`` remain."""
        now = time.monotonic()
        closing: list[_Replica] = []
        with self._lock:
            for pool in self._pools.values():
                for name in idle_past_ttl(pool.replicas, pool.reuse, now):
                    closing.append(pool.replicas.pop(name))
        for replica in closing:
            self._executor.ray.kill(replica.actor)

    # -- assigning attempts to replicas -----------------------------------------------------------

    def _assign(self, pool: _Pool) -> None:
        """Gives waiting attempts to replicas with free slots, creating replicas for the rest."""
        calls: list[tuple[_Replica, str, dict[str, Any]]] = []
        with self._lock:
            while (
                pool.waiting and len(pool.replicas) < pool.reuse.max_replicas and self._free(pool) < len(pool.waiting)
            ):
                replica = _Replica(f"replica-{uuid.uuid4().hex[:8]}", self._create_actor(pool))
                pool.replicas[replica.name] = replica
            for replica in pool.replicas.values():
                while pool.waiting and len(replica.running) < pool.reuse.concurrency:
                    worker, request = pool.waiting.pop(0)
                    replica.running.add(worker)
                    self._where[worker] = replica
                    calls.append((replica, worker, request))
        for replica, worker, request in calls:
            ref = replica.actor.run.remote(worker, request)
            self._executor.watch(ref, functools.partial(self._ended, pool, replica, worker))

    def _free(self, pool: _Pool) -> int:
        return sum(pool.reuse.concurrency - len(r.running) for r in pool.replicas.values())

    def _create_actor(self, pool: _Pool) -> Any:
        ray = self._executor.ray
        if self._actor_class is None:
            self._actor_class = ray.remote(ReplicaHost)
        options = ray_options(pool.launch.task)
        return self._actor_class.options(
            max_concurrency=pool.reuse.concurrency + _CONTROL_CALLS,
            # Replacing a dead replica is the pool's job, and retrying its attempts the scheduler's.
            max_restarts=0,
            max_task_retries=0,
            scheduling_strategy="SPREAD",
            **options,
        ).remote(self._executor.node_task(pool.launch), pool.launch.task.memory_bytes)

    def _ended(self, pool: _Pool, replica: _Replica, worker: str, result: Any, error: BaseException | None) -> None:
        """An attempt's call returned: report its exit, and drop the replica if it died."""
        dead = error is not None or "lost" in result
        with self._lock:
            replica.running.discard(worker)
            if not replica.running:
                replica.idle_since = time.monotonic()
            self._where.pop(worker, None)
            reason = self._reasons.pop(worker, None)
            if dead and pool.replicas.pop(replica.name, None) is not None:
                self._executor.ray.kill(replica.actor)
        if error is not None:
            cause = getattr(error, "cause", None) or error
            if isinstance(error, self._executor.ray.exceptions.ActorDiedError) and _died_starting(error):
                # Its environment could not be set up (the image does not build, say): every
                # attempt waiting would fail the same, so they fail together, as start failures.
                self._fail_waiting(pool, worker, f"{type(cause).__name__}: {cause}")
                return
            self._executor.report(Exit(worker, -1, reason, f"The replica running the attempt died: {error}"[:2000]))
        elif "lost" in result:
            self._executor.report(Exit(worker, int(result["lost"]), reason or result.get("reason")))
        else:
            self._executor.report(exit_of_done(worker, result, reason))
        self._assign(pool)

    def _fail_waiting(self, pool: _Pool, worker: str, message: str) -> None:
        with self._lock:
            failed = [worker, *(w for w, _ in pool.waiting)]
            pool.waiting = []
            for name in failed:
                self._where.pop(name, None)
        for name in failed:
            self._executor.report(Exit(name, -1, "start-failed", message))


def _died_starting(error: BaseException) -> bool:
    """Whether an actor died in its constructor (Ray then names the creation task's error)."""
    return "__init__" in str(error) or "creation task" in str(error)
