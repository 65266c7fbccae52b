"""Runs a clustered task's gang as processes on this machine, like torchrun's static rendezvous.

Every node of the gang is simulated on this machine: ``replicas * nproc_per_node`` processes
(:mod:`flyte.clustered._worker`) start at once, each with the distributed variables of its rank and
the address of rank 0 (``127.0.0.1`` and a free port). The gang succeeds when every process exits
cleanly, with rank 0's return value as the task's. When one fails, all are stopped; the gang
starts over (fresh port, restart counters raised) while ``TorchRun.max_restarts`` and then
``ClusterFailurePolicy.max_restarts`` allow, and otherwise the task fails naming the rank.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flyte._context import current_action
from flyte.clustered._environment import ClusteredSettings, JaxRun, TorchRun
from flyte.clustered._rank_context import ActionInfo
from flyte.clustered._task import CLUSTERED_WORKER_ENV
from flyte.clustered._worker import RESULT_FILE, error_file
from flyte.errors import ModuleLoadError, RuntimeUserError, TaskTimeoutError

if TYPE_CHECKING:
    from flyte.clustered._task import ClusteredTaskTemplate

MASTER_ADDR = "127.0.0.1"
_POLL_S = 0.02
_STOP_GRACE_S = 3.0


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((MASTER_ADDR, 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Restarts:
    """Where the gang is in its restart budget."""

    set_attempt: int  # whole-gang restarts so far (JobSet restarts)
    launcher_attempt: int  # restarts by the launcher within this set attempt (torchrun restarts)


def rank_environments(settings: ClusteredSettings, port: int, restarts: Restarts, run_id: str) -> list[dict[str, str]]:
    """The variables each process of the gang gets, by global rank."""
    nodes, per_node = settings.replicas, settings.nproc_per_node
    shared = {
        CLUSTERED_WORKER_ENV: "1",
        "MASTER_ADDR": MASTER_ADDR,
        "MASTER_PORT": str(port),
        "WORLD_SIZE": str(settings.world_size),
        "LOCAL_WORLD_SIZE": str(per_node),
        "NNODES": str(nodes),
        "NPROC_PER_NODE": str(per_node),
        "JOBSET_RESTART_ATTEMPT": str(restarts.set_attempt),
        "JOBSET_MAX_RESTARTS": str(settings.failure_policy.max_restarts),
    }
    runtime = settings.runtime
    if isinstance(runtime, TorchRun):
        shared.update(
            {
                "TORCHELASTIC_RUN_ID": run_id,
                "TORCHELASTIC_RESTART_COUNT": str(restarts.launcher_attempt),
                "TORCHELASTIC_MAX_RESTARTS": str(runtime.max_restarts),
                "GROUP_WORLD_SIZE": str(nodes),
                "ROLE_NAME": "default",
                "ROLE_WORLD_SIZE": str(settings.world_size),
                "RDZV_BACKEND": runtime.rdzv_backend,
            }
        )
    elif isinstance(runtime, JaxRun):
        shared["JAX_COORDINATOR_ADDRESS"] = f"{MASTER_ADDR}:{port}"
    envs = []
    for node in range(nodes):
        for local in range(per_node):
            rank = node * per_node + local
            env = dict(shared, RANK=str(rank), LOCAL_RANK=str(local), NODE_RANK=str(node))
            if isinstance(runtime, TorchRun):
                env.update(GROUP_RANK=str(node), ROLE_RANK=str(rank))
            envs.append(env)
    return envs


def module_ref(task: ClusteredTaskTemplate) -> str:
    """How a gang's process imports ``task``: its module's name, or its file for a script run as
    ``__main__``.

    Raises:
        ModuleLoadError: the task is not a top-level name of a module that can be imported again.
    """
    name: str = task.func.__module__
    module = sys.modules.get(name)
    if module is None or not any(value is task for value in vars(module).values()):
        raise ModuleLoadError(
            f"Clustered task '{task.name}' must be defined at the top level of an importable module: its "
            "processes import it by name"
        )
    if name != "__main__":
        return name
    file = getattr(module, "__file__", None)
    if not isinstance(file, str) or not file.endswith(".py"):
        raise ModuleLoadError(
            f"Clustered task '{task.name}' is defined in an interactive session; define it in a .py file so its "
            "processes can import it"
        )
    return str(Path(file).resolve())


@dataclass
class _Failure:
    rank: int
    code: str
    message: str
    traceback: str


def _describe_exit(settings: ClusteredSettings, rank: int, returncode: int, out_dir: Path) -> _Failure:
    report_path = error_file(out_dir, rank)
    if report_path.is_file():
        report = json.loads(report_path.read_text())
        detail = f"{report['type']}: {report['message']}" if report["message"] else report["type"]
        return _Failure(rank, report.get("code") or report["type"], detail, report["traceback"])
    if returncode < 0:
        try:
            how = f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            how = f"was killed by signal {-returncode}"
    else:
        how = f"exited with code {returncode}"
    return _Failure(rank, "ClusteredWorkerFailed", f"the process {how}", "")


class _Gang:
    """The processes of one start of the gang."""

    def __init__(self, command: list[str], envs: list[dict[str, str]], base_env: dict[str, str]) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        try:
            for env in envs:
                # A session of its own per process, so that stopping it stops whatever it started too.
                self.processes.append(
                    subprocess.Popen(command, env={**base_env, **env}, stdin=subprocess.DEVNULL, start_new_session=True)
                )
        except BaseException:
            self.stop()
            raise

    def first_failure(self) -> tuple[int, int] | None:
        """The rank and exit code of a process that failed, or None."""
        for rank, process in enumerate(self.processes):
            code = process.poll()
            if code not in (None, 0):
                return rank, code
        return None

    def done(self) -> bool:
        """Whether every process has exited."""
        return all(process.poll() is not None for process in self.processes)

    def stop(self) -> None:
        """Stops every process still running: politely, then for good after a grace period."""
        running = [p for p in self.processes if p.poll() is None]
        for process in running:
            _signal_session(process, signal.SIGTERM)
        deadline = time.monotonic() + _STOP_GRACE_S
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                _signal_session(process, signal.SIGKILL)
                process.wait()


def _signal_session(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


async def run_gang(task: ClusteredTaskTemplate, settings: ClusteredSettings, values: dict[str, Any]) -> Any:
    """Runs ``task`` as its gang with inputs ``values``; returns rank 0's result.

    Raises:
        RuntimeUserError: a process failed and no restart was left; the message names its rank.
        TaskTimeoutError: the task's timeout passed (every process is stopped).
        ModuleLoadError: the task cannot be imported by its processes.
    """
    ref = module_ref(task)
    workdir = Path(tempfile.mkdtemp(prefix="flyte-clustered-"))
    try:
        inputs = workdir / "inputs.bin"
        inputs.write_bytes(task.interface.encode_inputs(values))
        action = ActionInfo.from_action(current_action.get(), task.name, str(workdir))
        spec = {
            "module": ref,
            "task": task.name,
            "inputs": str(inputs),
            "sys_path": [p for p in sys.path if p],
            "launcher_pid": os.getpid(),
            "action": asdict(action),
        }
        spec_path = workdir / "spec.json"
        spec_path.write_text(json.dumps(spec))
        deadline = time.monotonic() + task.timeout_seconds if task.timeout_seconds is not None else None
        return await _run_with_restarts(task, settings, spec_path, workdir, deadline)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


async def _run_with_restarts(
    task: ClusteredTaskTemplate, settings: ClusteredSettings, spec_path: Path, workdir: Path, deadline: float | None
) -> Any:
    launcher_restarts = settings.runtime.max_restarts if isinstance(settings.runtime, TorchRun) else 0
    base_env = os.environ.copy()
    starts = 0
    for set_attempt in range(settings.failure_policy.max_restarts + 1):
        for launcher_attempt in range(launcher_restarts + 1):
            out_dir = workdir / f"start-{starts}"
            out_dir.mkdir()
            starts += 1
            envs = rank_environments(
                settings, free_port(), Restarts(set_attempt, launcher_attempt), f"{task.name}-{uuid.uuid4().hex[:8]}"
            )
            command = [sys.executable, "-m", "flyte.clustered._worker", str(spec_path), str(out_dir)]
            failure = await _run_once(task, settings, _Gang(command, envs, base_env), out_dir, deadline)
            if failure is None:
                return task.interface.decode_output((out_dir / RESULT_FILE).read_bytes())
    assert failure is not None
    restarts = starts - 1
    after = f" (after {restarts} restart{'s' if restarts != 1 else ''} of the gang)" if restarts else ""
    node, local = divmod(failure.rank, settings.nproc_per_node)
    raise RuntimeUserError(
        failure.code,
        f"Clustered task '{task.name}': rank {failure.rank} (node {node}, local rank {local}) failed{after}: "
        f"{failure.message}" + (f"\n{failure.traceback}" if failure.traceback else ""),
        worker=f"rank-{failure.rank}",
    )


async def _run_once(
    task: ClusteredTaskTemplate, settings: ClusteredSettings, gang: _Gang, out_dir: Path, deadline: float | None
) -> _Failure | None:
    """Waits for one start of the gang; None when every process succeeded, else the failure."""
    try:
        while True:
            failed = gang.first_failure()
            if failed is not None:
                return _describe_exit(settings, failed[0], failed[1], out_dir)
            if gang.done():
                return None
            if deadline is not None and time.monotonic() >= deadline:
                raise TaskTimeoutError(
                    f"Task '{task.name}' exceeded its timeout of {task.timeout_seconds:g}s; its "
                    f"{settings.world_size} processes were stopped"
                )
            await asyncio.sleep(_POLL_S)
    finally:
        # Also on cancellation and timeout: the gang never outlives the call.
        gang.stop()
