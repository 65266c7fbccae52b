"""What runs on a Ray node: one attempt in a process of its own, or a replica of a reusable
environment kept by a Ray actor.

Either way the node first materialises what the worker needs, in a node-local folder
(``FLYTE_RAY_NODE_HOME``, else ``<tmp>/flyte-ray-node``): the code bundle, fetched from the
run's store and unpacked with the server's limits, and the image's virtual environment, built
with the same builder and recipe hash as on the server's machine. Both are cached by content, so
every task of a node shares them. The worker itself is the same program as on one machine
(:mod:`flyte.server.worker` or :mod:`flyte.server.worker.replica`): it talks to the server over
HTTP with its attempt's token and is started in a session of its own that dies with the Ray
worker that started it, so a cancelled or crashed Ray task leaves nothing behind.

This module is imported on the nodes, so it imports nothing of the server's but what a worker
has, and Ray only where it runs under Ray: the executor wraps its function and class with
``ray.remote``. Workers learn their node's id from ``FLYTE_RAY_NODE_ID``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyte._internal import wire
from flyte._internal.bundle import BundleLimits
from flyte.server.executors.memory import resident_bytes

__all__ = ["NODE_HOME_ENV", "NodeTask", "ReplicaHost", "node_home", "run_attempt"]

NODE_HOME_ENV = "FLYTE_RAY_NODE_HOME"
"""The variable naming a node's folder for bundles and images (set it where ``ray start`` runs)."""

_MEMORY_POLL_S = 0.1
_PR_SET_PDEATHSIG = 1
_STORE_PREFIXES = ("FLYTE_STORAGE_", "AWS_", "GOOGLE_", "AZURE_")


@dataclass(frozen=True)
class NodeTask:
    """What a node needs to start a worker: the code, the environment, and the limits."""

    bundle: str | None
    bundle_uri: str | None
    image: str | None
    """The image's :class:`~flyte._internal.wire.ImageSpec` as JSON, None for the default one."""
    base_env: dict[str, str]
    bundle_limits: BundleLimits
    allow_apt: bool = False
    max_images: int = 32


@dataclass(frozen=True)
class _Prepared:
    python: str
    env: dict[str, str]
    bundle: Path | None
    workdir: Path | None

    def argv(self, module: str) -> list[str]:
        return [self.python, "-m", module, str(self.bundle or ""), str(self.workdir or "")]

    @property
    def cwd(self) -> str:
        return str(self.workdir or self.bundle or node_home())


def node_home() -> Path:
    """This node's folder for unpacked bundles and built images."""
    configured = os.environ.get(NODE_HOME_ENV)
    home = Path(configured) if configured else Path(tempfile.gettempdir()) / "flyte-ray-node"
    home.mkdir(parents=True, exist_ok=True)
    return home


def _prepare(task: NodeTask) -> _Prepared:
    """Builds the image and unpacks the bundle on this node (each at most once per content)."""
    python, env, workdir = sys.executable, dict(task.base_env), None
    if task.image is not None:
        from flyte._internal.imagebuild import ImageBuilder

        spec = wire.ImageSpec.model_validate_json(task.image)
        built = ImageBuilder(node_home() / "images", allow_apt=task.allow_apt, max_images=task.max_images).build(spec)
        python, workdir = str(built.python), built.workdir
        env.update(built.env)
        env["VIRTUAL_ENV"] = str(built.python.parent.parent)
        env["PATH"] = f"{built.python.parent}{os.pathsep}{task.base_env.get('PATH', os.defpath)}"
    return _Prepared(python, env, _bundle_folder(task), workdir)


def _bundle_folder(task: NodeTask) -> Path | None:
    if task.bundle is None:
        return None
    folder = node_home() / "bundles" / task.bundle
    if folder.is_dir():
        return folder
    if task.bundle_uri is None:
        raise RuntimeError(f"Unknown code bundle '{task.bundle}'")
    from flyte._internal.bundle import extract_bundle
    from flyte._internal.store.blob import get_store, reset_stores

    # The store's settings are the server's, passed with the task: this Ray worker may have
    # been started with other ones.
    store_settings = {k: v for k, v in task.base_env.items() if k.startswith(_STORE_PREFIXES)}
    previous = {k: os.environ.get(k) for k in store_settings}
    os.environ.update(store_settings)
    reset_stores()
    try:
        extract_bundle(get_store(task.bundle_uri).get(task.bundle_uri), folder, task.bundle_limits)
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_stores()
    return folder


def _node_env() -> dict[str, str]:
    """Which Ray node the worker runs on, for its logs and its code."""
    import ray

    return {"FLYTE_RAY_NODE_ID": ray.get_runtime_context().get_node_id()}


def _die_with_parent() -> None:
    """Runs in the child before it executes: it is killed when the Ray worker that started it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _start(argv: list[str], prepared: _Prepared, env: dict[str, str], **pipes: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        env=env,
        cwd=prepared.cwd,
        start_new_session=True,
        preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        **pipes,
    )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_attempt(task: NodeTask, attempt_env: dict[str, str], memory_limit: int | None) -> dict[str, Any]:
    """Runs one attempt in a worker process on this node and waits for it.

    Returns ``{"code": exit code, "reason": None | "oom" | "start-failed", "message": ...}``. A
    worker over ``memory_limit`` bytes (with its children) is killed with reason ``"oom"``; a
    cancelled Ray task (``KeyboardInterrupt``) kills its worker before it ends.
    """
    try:
        prepared = _prepare(task)
    except Exception as e:
        # The error's class tells the scheduler whose fault it is (a bad bundle is the user's).
        message = str(e) if type(e) is RuntimeError else f"{type(e).__name__}: {e}"
        return {"code": -1, "reason": "start-failed", "message": message}
    process = _start(prepared.argv("flyte.server.worker"), prepared, {**prepared.env, **_node_env(), **attempt_env})
    try:
        while True:
            try:
                return {"code": process.wait(timeout=_MEMORY_POLL_S), "reason": None, "message": None}
            except subprocess.TimeoutExpired:
                pass
            if memory_limit and resident_bytes(process.pid) > memory_limit:
                _kill_group(process)
                return {"code": process.returncode, "reason": "oom", "message": None}
    finally:
        if process.returncode is None:
            _kill_group(process)


@dataclass
class _Waiting:
    done: threading.Event
    message: dict[str, Any] | None = None


class ReplicaHost:
    """A warm replica of a reusable environment, kept by a Ray actor (one replica per actor).

    The actor starts the replica process when it is created and hands it attempts with
    :meth:`run`, which returns the replica's ``done`` message (with the attempt's outcome and last
    logs), or ``{"lost": exit code, "reason": ...}`` when the replica died first: a replica over
    ``memory_limit`` bytes is killed, with reason ``"oom"``. The executor creates the
    actor with a ``max_concurrency`` above the environment's ``concurrency``, so that
    :meth:`cancel` is served while attempts run.
    """

    def __init__(self, task: NodeTask, memory_limit: int | None = None) -> None:
        prepared = _prepare(task)
        self._process = _start(
            prepared.argv("flyte.server.worker.replica"),
            prepared,
            {**prepared.env, **_node_env()},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self._process.stdout is not None
        first = self._process.stdout.readline()
        if not first or "ready" not in json.loads(first):
            code = self._process.wait()
            raise RuntimeError(f"The replica exited with code {code} before it was ready")
        self._lock = threading.Lock()
        self._waiting: dict[str, _Waiting] = {}
        self._over_memory = False
        threading.Thread(target=self._read, name="flyte-replica-reader", daemon=True).start()
        if memory_limit:
            threading.Thread(
                target=self._watch_memory, args=(memory_limit,), name="flyte-replica-memory", daemon=True
            ).start()

    def _watch_memory(self, limit: int) -> None:
        while self._process.poll() is None:
            if resident_bytes(self._process.pid) > limit:
                self._over_memory = True
                _kill_group(self._process)
                return
            try:
                self._process.wait(timeout=_MEMORY_POLL_S)
            except subprocess.TimeoutExpired:
                continue

    def pid(self) -> int:
        """The replica process's id (the same for every attempt it runs)."""
        return self._process.pid

    def run(self, worker: str, request: dict[str, Any]) -> dict[str, Any]:
        """Runs one attempt on the replica and returns how it ended."""
        waiting = _Waiting(threading.Event())
        with self._lock:
            if self._process.poll() is not None:
                return {"lost": self._process.returncode}
            self._waiting[worker] = waiting
        self._write({"launch": worker, **request})
        waiting.done.wait()
        assert waiting.message is not None
        return waiting.message

    def cancel(self, worker: str, reason: str) -> None:
        """Asks the replica to stop one of its attempts."""
        self._write({"cancel": worker, "reason": reason})

    def _write(self, message: dict[str, Any]) -> None:
        assert self._process.stdin is not None
        with self._lock, contextlib.suppress(BrokenPipeError, ValueError):
            self._process.stdin.write((json.dumps(message) + "\n").encode())
            self._process.stdin.flush()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            message = json.loads(line)
            if "done" in message:
                with self._lock:
                    waiting = self._waiting.pop(str(message["done"]), None)
                if waiting is not None:
                    waiting.message = message
                    waiting.done.set()
        code = self._process.wait()
        with self._lock:
            lost, self._waiting = self._waiting, {}
        for waiting in lost.values():
            waiting.message = {"lost": code, "reason": "oom" if self._over_memory else None}
            waiting.done.set()
