"""Reusable environments on one machine: pools of warm replicas, each running many attempts.

A task whose environment has a ``ReusePolicy`` runs on a replica of its environment's pool (one
pool per code bundle, image and environment) instead of a process of its own: a replica
(:mod:`flyte.server.worker.replica`) imports the code once and runs up to ``concurrency``
attempts at a time. A pool grows while attempts wait for a free slot, up to ``max_replicas``,
and a replica idle for ``idle_ttl`` is stopped while more than ``min_replicas`` remain. A replica
that dies takes its attempts with it: each ends as a worker exit, a system error the scheduler
retries, and the pool starts another replica for what still waits. A replica over its
environment's memory limit is killed, and the attempts it ran end as out of memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flyte._internal import wire
from flyte.server.executors.base import Exit, Launch
from flyte.server.executors.memory import resident_bytes

__all__ = ["Idling", "PoolKey", "ReplicaPools", "exit_of_done", "idle_past_ttl", "pool_key"]

PoolKey = tuple[str | None, str | None, str]
"""A pool's identity: its code bundle, its image's hash and its environment."""
Spawn = Callable[[str, str | None, "wire.ImageSpec | None"], "subprocess.Popen[bytes]"]


@dataclass
class _Replica:
    name: str
    process: subprocess.Popen[bytes] | None = None
    ready: bool = False
    running: set[str] = field(default_factory=set)
    idle_since: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class _Pool:
    reuse: wire.ReuseSpec
    bundle: str | None
    image: wire.ImageSpec | None
    replicas: dict[str, _Replica] = field(default_factory=dict)
    waiting: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    memory_limit: int | None = None
    """The environment's memory limit, which each replica (with what it runs) must stay under."""


class Idling(Protocol):
    """What :func:`idle_past_ttl` reads of a replica."""

    running: set[str]
    idle_since: float

    @property
    def ready(self) -> bool:
        """Whether the replica has started (one still starting is never idle)."""


def idle_past_ttl(replicas: Mapping[str, Idling], reuse: wire.ReuseSpec, now: float) -> list[str]:
    """The replicas to stop: those idle past ``idle_ttl``, longest idle first, keeping ``min_replicas``."""
    idle = sorted(
        (name for name, r in replicas.items() if r.ready and not r.running), key=lambda name: replicas[name].idle_since
    )
    spare = len(replicas) - reuse.min_replicas
    return [name for name in idle[: max(spare, 0)] if now - replicas[name].idle_since > reuse.idle_ttl_s]


def pool_key(launch: Launch) -> PoolKey:
    """The pool a launch of a reusable environment runs in: one per code bundle, image and environment."""
    image = launch.task.image
    return (launch.bundle, image.hash if image is not None else None, launch.task.environment or launch.task.name)


def exit_of_done(worker: str, message: dict[str, Any], reason: str | None) -> Exit:
    """The exit of an attempt that a replica reported ``done``, with its outcome and last logs;
    ``reason`` is why the executor stopped it, if it did."""
    reason = reason or message.get("reason")
    outcome = message.get("outcome")
    return Exit(
        worker,
        0,
        reason if reason != "over" else "aborted",
        outcome=wire.CompleteAttempt.model_validate(outcome) if outcome is not None else None,
        logs=tuple(wire.LogLine.model_validate(line) for line in message.get("logs", ())),
    )


class ReplicaPools:
    """The pools of one executor. Exits are reported through ``report(Exit)``; ``spawn`` starts a
    replica process in the right image and folder."""

    def __init__(
        self,
        spawn: Spawn,
        report: Callable[[Exit], None],
        lock: threading.Lock,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self._spawn = spawn
        self._report_exit = report
        self._wake = wake
        self._lock = lock  # the executor's: exits and pools change together
        self._pools: dict[PoolKey, _Pool] = {}
        self._where: dict[str, _Replica | None] = {}  # worker -> its replica (None while it waits)
        self._reasons: dict[str, str] = {}

    def start(self, worker: str, launch: Launch) -> None:
        """Queues the launch on its environment's pool and sends it to a replica with a free slot."""
        assert launch.task.reuse is not None
        image = launch.task.image
        key = pool_key(launch)
        with self._lock:
            pool = self._pools.get(key)
            if pool is None:
                pool = self._pools[key] = _Pool(
                    launch.task.reuse, launch.bundle, image, memory_limit=launch.task.memory_bytes
                )
            spec = launch.spec.model_dump_json() if launch.spec is not None else None
            pool.waiting.append((worker, {"env": launch.env, "spec": spec}))
            self._where[worker] = None
            sends = self._assign(pool)
        self._deliver(sends)

    def _report(self, exited: Exit) -> None:
        self._report_exit(exited)
        if self._wake is not None:
            self._wake()

    def images_in_use(self) -> set[str]:
        """The hashes of the images the pools' replicas run in."""
        with self._lock:
            return {key[1] for key, pool in self._pools.items() if key[1] is not None and pool.replicas}

    def tracks(self, worker: str) -> bool:
        """Whether the worker is an attempt of a pool (waiting or running)."""
        return worker in self._where

    def stop(self, worker: str, reason: str) -> bool:
        """Stops an attempt of a pool; False when the worker is not one."""
        with self._lock:
            if worker not in self._where:
                return False
            replica = self._where[worker]
            self._reasons.setdefault(worker, reason)
            if replica is None:
                for pool in self._pools.values():
                    pool.waiting = [(w, env) for w, env in pool.waiting if w != worker]
                del self._where[worker]
                self._report(Exit(worker, -1, self._reasons.pop(worker)))
                return True
        self._write(replica, {"cancel": worker, "reason": reason})
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
            self._close(replica)

    def enforce_memory(self) -> None:
        """Kills the replicas over their environment's memory limit: the attempts they ran end as
        out of memory (the user's to fix), and the pool starts other replicas for what waits."""
        with self._lock:
            watched = [
                (replica, pool.memory_limit)
                for pool in self._pools.values()
                if pool.memory_limit
                for replica in pool.replicas.values()
                if replica.process is not None and replica.running
            ]
        for replica, limit in watched:
            assert replica.process is not None and limit is not None
            if resident_bytes(replica.process.pid) <= limit:
                continue
            with self._lock:
                for worker in replica.running:
                    self._reasons.setdefault(worker, "oom")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(replica.process.pid, signal.SIGKILL)

    def shutdown(self) -> None:
        """Closes every replica's stdin: they finish what they run and exit."""
        with self._lock:
            replicas = [r for pool in self._pools.values() for r in pool.replicas.values()]
        for replica in replicas:
            self._close(replica)

    # -- inside the lock ------------------------------------------------------------------------

    def _assign(self, pool: _Pool) -> list[tuple[_Replica, dict[str, Any]]]:
        """Gives waiting launches to replicas with free slots, and starts replicas for the rest."""
        sends: list[tuple[_Replica, dict[str, Any]]] = []
        for replica in pool.replicas.values():
            while pool.waiting and replica.ready and len(replica.running) < pool.reuse.concurrency:
                worker, request = pool.waiting.pop(0)
                replica.running.add(worker)
                self._where[worker] = replica
                sends.append((replica, {"launch": worker, **request}))
        starting = sum(1 for r in pool.replicas.values() if not r.ready)
        free = starting * pool.reuse.concurrency
        while len(pool.waiting) > free and len(pool.replicas) < pool.reuse.max_replicas:
            replica = _Replica(f"replica-{uuid.uuid4().hex[:8]}")
            pool.replicas[replica.name] = replica
            threading.Thread(target=self._start_replica, args=(pool, replica), daemon=True).start()
            free += pool.reuse.concurrency
        return sends

    # -- outside the lock -----------------------------------------------------------------------

    def _deliver(self, sends: list[tuple[_Replica, dict[str, Any]]]) -> None:
        for replica, message in sends:
            self._write(replica, message)

    def _write(self, replica: _Replica, message: dict[str, Any]) -> None:
        process = replica.process
        if process is None or process.stdin is None:
            return
        try:
            with replica.lock:
                process.stdin.write((json.dumps(message) + "\n").encode())
                process.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass  # the replica died: its reader reports its attempts

    def _close(self, replica: _Replica) -> None:
        if replica.process is not None and replica.process.stdin is not None:
            with replica.lock, contextlib.suppress(BrokenPipeError, ValueError):
                replica.process.stdin.close()

    def _start_replica(self, pool: _Pool, replica: _Replica) -> None:
        try:
            process = self._spawn("flyte.server.worker.replica", pool.bundle, pool.image)
        except Exception as e:
            message = str(e) if type(e) is RuntimeError else f"{type(e).__name__}: {e}"
            with self._lock:
                pool.replicas.pop(replica.name, None)
                failed, pool.waiting = pool.waiting, []
                for worker, _ in failed:
                    self._where.pop(worker, None)
                    self._report(Exit(worker, -1, "start-failed", message))
            return
        replica.process = process
        threading.Thread(target=self._read, args=(pool, replica), daemon=True).start()

    def _read(self, pool: _Pool, replica: _Replica) -> None:
        assert replica.process is not None and replica.process.stdout is not None
        for line in replica.process.stdout:
            message = json.loads(line)
            with self._lock:
                if "ready" in message:
                    replica.ready = True
                elif "done" in message:
                    worker = str(message["done"])
                    replica.running.discard(worker)
                    if not replica.running:
                        replica.idle_since = time.monotonic()
                    self._where.pop(worker, None)
                    self._report(exit_of_done(worker, message, self._reasons.pop(worker, None)))
                sends = self._assign(pool)
            self._deliver(sends)
        code = replica.process.wait()
        with self._lock:
            pool.replicas.pop(replica.name, None)
            if not replica.ready:
                # It died starting (its code does not import, say): starting another would too.
                failed, pool.waiting = pool.waiting, []
                for worker, _ in failed:
                    self._where.pop(worker, None)
                    message = f"The replica exited with code {code} before it was ready"
                    self._report(Exit(worker, -1, "start-failed", message))
                return
            lost = list(replica.running)
            replica.running.clear()
            for worker in lost:
                self._where.pop(worker, None)
                self._report(Exit(worker, code, self._reasons.pop(worker, None)))
            sends = self._assign(pool)
        self._deliver(sends)
