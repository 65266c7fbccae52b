"""Workers as processes on this machine, forked from a warm zygote per code bundle.

Each attempt gets a process of its own (so a crash, a memory blow-up or a kill touches one
attempt only), yet starts in milliseconds: the zygote has already imported flyte and the task's
module. A monitor thread enforces memory limits by watching each worker's resident memory; a worker
asking for fewer CPUs than the machine has is pinned to that many of its least busy cores.

A bundle's first launch unpacks the bundle and starts its zygote on a thread of its own, never on
the scheduler's: launches for it wait in a queue meanwhile, and fail together if it cannot start.
Zygotes, and so workers, start with the base environment they are given, not the server's.

A task whose environment declares an image runs in that image's virtual environment (built once
per recipe by :class:`~flyte._internal.imagebuild.ImageBuilder`, under ``<home>/images``): its
zygote is started with the image's Python, variables and working folder. There is one zygote
per bundle and image. A task of a reusable environment runs on a warm replica of its
environment's pool instead (:mod:`flyte.server.executors.pool`).

Warm processes stay bounded: a zygote none of whose workers still runs is stopped once it has
been idle for ``zygote_idle_s``, and the least recently used idle ones are stopped as soon as
there are more than ``max_zygotes``; a later launch starts its zygote again.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flyte._internal import wire
from flyte._internal.bundle import DEFAULT_BUNDLE_LIMITS, BundleLimits
from flyte._internal.imagebuild import ImageBuilder
from flyte._internal.store.blob import get_store
from flyte.server.executors.base import Capacity, Exit, Launch
from flyte.server.executors.machine import machine_capacity, usable_cpus
from flyte.server.executors.memory import resident_bytes
from flyte.server.executors.pool import ReplicaPools

_Key = tuple[str | None, str | None]
"""A zygote's identity: its code bundle and its image's hash."""

_MEMORY_POLL_S = 0.1
_RECLAIM_EVERY_S = 1.0
_SLOT_WAIT_S = 30.0


@dataclass
class _Zygote:
    process: subprocess.Popen[bytes]
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)


@dataclass
class _Worker:
    name: str
    memory_limit: int | None
    cpus: tuple[int, ...] = ()  # the cores it is pinned to (none: it may use any)
    pid: int | None = None
    reason: str | None = None
    zygote: _Zygote | None = None  # the zygote asked to fork it, once asked


class ProcessExecutor:
    """See the module docstring. ``bundle_uri`` maps a bundle hash to where its archive is."""

    def __init__(
        self,
        home: Path,
        bundle_uri: Any,
        base_env: dict[str, str] | None = None,
        *,
        images: ImageBuilder | None = None,
        zygote_idle_s: float = 300.0,
        max_zygotes: int = 16,
        bundle_limits: BundleLimits = DEFAULT_BUNDLE_LIMITS,
        on_exit: Callable[[], None] | None = None,
    ):
        self._home = home
        self._bundle_uri = bundle_uri
        self._base_env = dict(os.environ) if base_env is None else base_env
        self._images = images or ImageBuilder(home / "images")
        self._bundle_limits = bundle_limits
        self._zygote_idle_s = zygote_idle_s
        self._max_zygotes = max_zygotes
        self._starting = 0  # zygotes being started, each holding a slot under the cap
        self._zygotes: dict[_Key, _Zygote] = {}
        # Launches waiting for their zygote to start, by zygote.
        self._queued: dict[_Key, list[dict[str, Any]]] = {}
        self._workers: dict[str, _Worker] = {}
        self._by_pid: dict[int, _Worker] = {}
        self._exits: list[Exit] = []
        self._lock = threading.Lock()
        self._slot_freed = threading.Condition(self._lock)
        # poll() swaps the list of exits: the pools must append to whichever list is current.
        self._capacity = machine_capacity()
        self._cpus = usable_cpus()
        self._pools = ReplicaPools(self.spawn, lambda exited: self._exits.append(exited), self._lock, on_exit)
        self._stopping = threading.Event()
        self._monitor = threading.Thread(target=self._watch_memory, name="flyte-memory", daemon=True)
        self._monitor.start()

    def start(self, worker: str, launch: Launch) -> None:
        """Asks the bundle's zygote to fork a worker; waits neither for the fork nor for the zygote."""
        if launch.task.reuse is not None:
            self._pools.start(worker, launch)
            return
        image = launch.task.image
        key = (launch.bundle, image.hash if image is not None else None)
        with self._lock:
            cpus = self._pick_cpus(launch.task.cpu)
            record = self._workers[worker] = _Worker(worker, launch.task.memory_bytes, cpus)
            message = {"id": worker, "module": launch.task.module, "env": launch.env, "cpus": list(cpus)}
            zygote = self._zygotes.get(key)
            if zygote is not None and zygote.process.poll() is None:
                # Marked busy at once, so that the reclaimer cannot stop it before the launch is sent.
                record.zygote = zygote
            else:
                queue = self._queued.get(key)
                if queue is None:
                    self._queued[key] = [message]
                    threading.Thread(
                        target=self._prepare, args=(key, image), name="flyte-zygote-start", daemon=True
                    ).start()
                else:
                    queue.append(message)
                return
        self._send(zygote, message)

    def capacity(self) -> Capacity:
        """This machine's CPUs, memory and GPUs."""
        return self._capacity

    def _pick_cpus(self, cpu: float | None) -> tuple[int, ...]:
        """The least busy cores for a worker asking ``cpu`` cores (rounded up); none when it asks
        for none, or for them all. Holds ``_lock``."""
        if not cpu or math.ceil(cpu) >= len(self._cpus):
            return ()
        load = dict.fromkeys(self._cpus, 0)
        for worker in self._workers.values():
            for core in worker.cpus:
                load[core] = load.get(core, 0) + 1
        return tuple(sorted(sorted(self._cpus, key=lambda core: load[core])[: math.ceil(cpu)]))

    def _send(self, zygote: _Zygote, message: dict[str, Any]) -> None:
        assert zygote.process.stdin is not None
        with self._lock:
            zygote.last_used = time.monotonic()
            record = self._workers.get(message["id"])
            if record is not None:
                record.zygote = zygote
        try:
            with zygote.lock:
                zygote.process.stdin.write((json.dumps(message) + "\n").encode())
                zygote.process.stdin.flush()
        except (BrokenPipeError, ValueError):
            # The zygote died since it was looked up: its reader reports the unforked workers.
            self._worker_failed(message["id"], "The worker zygote exited")

    def _prepare(self, key: _Key, image: wire.ImageSpec | None) -> None:
        """Builds the image, unpacks the bundle and starts their zygote, then hands it the launches
        that waited."""
        self._take_slot()
        try:
            zygote = self._zygote(key, image)
        except Exception as e:
            with self._lock:
                waiting = self._queued.pop(key, [])
            # The error's class tells the scheduler whose fault it is (a bad bundle is the user's).
            message = str(e) if type(e) is RuntimeError else f"{type(e).__name__}: {e}"
            for launch in waiting:
                self._worker_failed(launch["id"], message)
            return
        finally:
            with self._lock:
                self._starting -= 1
        with self._lock:
            waiting = self._queued.pop(key, [])
        for launch in waiting:
            self._send(zygote, launch)

    def _take_slot(self) -> None:
        """Waits until one more zygote fits under the cap, stopping idle ones to make room.

        A zygote whose workers are parents waiting on children of another image would hold its
        slot for as long as they wait; past ``_SLOT_WAIT_S`` the cap gives way rather than let such
        a run wait for itself.
        """
        deadline = time.monotonic() + _SLOT_WAIT_S
        with self._lock:
            while len(self._zygotes) + self._starting >= self._max_zygotes and time.monotonic() < deadline:
                if not self._evict_locked(1, only_expired=False):
                    self._slot_freed.wait(0.2)
            self._starting += 1

    def stop(self, worker: str, reason: str) -> None:
        """Kills the worker's whole process group (or cancels a replica's attempt)."""
        if self._pools.stop(worker, reason):
            return
        with self._lock:
            record = self._workers.get(worker)
            if record is None:
                return
            record.reason = record.reason or reason
            pid = record.pid
        if pid is not None:  # otherwise it is killed as soon as the zygote says it forked
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)

    def poll(self) -> list[Exit]:
        """Workers that ended since the last call."""
        with self._lock:
            exits, self._exits = self._exits, []
        return exits

    def tracks(self, worker: str) -> bool:
        """Whether the worker is one of ours and still running."""
        with self._lock:
            return worker in self._workers or self._pools.tracks(worker)

    def shutdown(self) -> None:
        """Closes the zygotes' stdin (they exit; workers finish on their own)."""
        self._stopping.set()
        self._pools.shutdown()
        with self._lock:
            zygotes = list(self._zygotes.values())
        for zygote in zygotes:
            if zygote.process.stdin is not None:
                with zygote.lock:
                    zygote.process.stdin.close()
        for zygote in zygotes:
            try:
                zygote.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                zygote.process.kill()

    def spawn(self, module: str, bundle: str | None, image: wire.ImageSpec | None) -> subprocess.Popen[bytes]:
        """Starts ``python -m module BUNDLE_FOLDER WORKDIR`` in the image's environment (building the
        image and unpacking the bundle first if needed), with pipes for stdin and stdout."""
        python, env, workdir = sys.executable, self._base_env, None
        if image is not None:
            built = self._images.build(image)
            python, workdir = str(built.python), built.workdir
            env = {**self._base_env, **built.env, "VIRTUAL_ENV": str(built.python.parent.parent)}
            env["PATH"] = f"{built.python.parent}{os.pathsep}{self._base_env.get('PATH', os.defpath)}"
        folder = self._bundle_folder(bundle) if bundle else None
        return subprocess.Popen(
            [python, "-m", module, str(folder or ""), str(workdir or "")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(workdir or folder or self._home),
            start_new_session=True,
            env=env,
        )

    def _zygote(self, key: _Key, image: wire.ImageSpec | None) -> _Zygote:
        process = self.spawn("flyte.server.executors.zygote", key[0], image)
        zygote = _Zygote(process)
        assert process.stdout is not None
        first = process.stdout.readline()
        if not first:
            raise RuntimeError("The worker zygote failed to start")
        threading.Thread(target=self._read_zygote, args=(zygote,), daemon=True).start()
        with self._lock:
            self._zygotes[key] = zygote
        return zygote

    def _bundle_folder(self, bundle: str) -> Path:
        folder = self._home / "bundles" / bundle
        if not folder.is_dir():
            from flyte._internal.bundle import extract_bundle

            uri = self._bundle_uri(bundle)
            if uri is None:
                raise RuntimeError(f"Unknown code bundle '{bundle}'")
            extract_bundle(get_store(uri).get(uri), folder, self._bundle_limits)
        return folder

    def _read_zygote(self, zygote: _Zygote) -> None:
        assert zygote.process.stdout is not None
        for line in zygote.process.stdout:
            message = json.loads(line)
            if "exit" in message:
                self._worker_exited(int(message["exit"]), int(message["code"]))
            elif "pid" in message:
                self._worker_forked(message["id"], int(message["pid"]))
            else:
                self._worker_failed(message["id"], str(message.get("error", "the zygote failed")))
        # The zygote is gone: workers it had not forked yet never will be.
        with self._lock:
            unforked = [w.name for w in self._workers.values() if w.pid is None and w.zygote is zygote]
        for name in unforked:
            self._worker_failed(name, "The worker zygote exited")

    def _worker_forked(self, name: str, pid: int) -> None:
        with self._lock:
            record = self._workers.get(name)
            if record is None:
                return
            record.pid = pid
            self._by_pid[pid] = record
            kill = record.reason is not None
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)

    def _worker_failed(self, name: str, message: str) -> None:
        with self._lock:
            if self._workers.pop(name, None) is None:
                return
            self._exits.append(Exit(name, -1, "start-failed", message))

    def _worker_exited(self, pid: int, code: int) -> None:
        with self._lock:
            record = self._by_pid.pop(pid, None)
            if record is None:
                return
            self._workers.pop(record.name, None)
            self._exits.append(Exit(record.name, code, record.reason))
            self._slot_freed.notify_all()

    def _reclaim(self) -> None:
        """Stops the zygotes idle for too long, and the least recently used idle ones over the cap."""
        with self._lock:
            over = len(self._zygotes) + self._starting - self._max_zygotes
            self._evict_locked(max(over, 0), only_expired=True)

    def _evict_locked(self, count: int, *, only_expired: bool) -> int:
        """Stops up to ``count`` idle zygotes, least recently used first, and those idle past the
        idle time when ``only_expired``; returns how many were stopped. Holds ``_lock``."""
        now = time.monotonic()
        busy = {id(w.zygote) for w in self._workers.values() if w.zygote is not None}
        idle = sorted(
            ((key, z) for key, z in self._zygotes.items() if id(z) not in busy and key not in self._queued),
            key=lambda item: item[1].last_used,
        )
        stopping = [
            (key, z)
            for i, (key, z) in enumerate(idle)
            if i < count or (only_expired and now - z.last_used > self._zygote_idle_s)
        ]
        for key, zygote in stopping:
            del self._zygotes[key]
            # Its stdin closing is the zygote's signal to exit; it has no worker left to report on.
            with zygote.lock:
                if zygote.process.stdin is not None:
                    zygote.process.stdin.close()
        if stopping:
            self._slot_freed.notify_all()
        return len(stopping)

    def _watch_memory(self) -> None:
        reclaimed = time.monotonic()
        while not self._stopping.wait(_MEMORY_POLL_S):
            if time.monotonic() - reclaimed > _RECLAIM_EVERY_S:
                self._reclaim()
                self._pools.reclaim()
                with self._lock:
                    in_use = {key[1] for key in (*self._zygotes, *self._queued) if key[1] is not None}
                in_use |= self._pools.images_in_use()
                self._images.prune(in_use)
                reclaimed = time.monotonic()
            self._pools.enforce_memory()
            with self._lock:
                limited = [w for w in self._workers.values() if w.memory_limit and w.reason is None]
            for worker in limited:
                assert worker.memory_limit is not None
                if worker.pid is not None and resident_bytes(worker.pid) > worker.memory_limit:
                    self.stop(worker.name, "oom")
