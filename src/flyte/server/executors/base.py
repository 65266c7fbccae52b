"""The executor contract: start a worker for an attempt, stop it, and say when workers end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from flyte._internal import wire


@dataclass(frozen=True)
class Launch:
    """One attempt to start: which action, what to run, and the worker's environment."""

    run_name: str
    action_name: str
    attempt: int
    task: wire.TaskSpec
    bundle: str | None
    env: dict[str, str] = field(default_factory=dict)
    spec: wire.AttemptSpec | None = None
    """The attempt's spec, when the worker may have it without asking the server."""


@dataclass(frozen=True)
class Exit:
    """A worker that ended: its exit code, and why the executor stopped it, if it did."""

    worker: str
    returncode: int
    reason: str | None = None
    message: str | None = None
    outcome: wire.CompleteAttempt | None = None
    """How the attempt ended, when the worker reported it to the executor instead of the server."""
    logs: tuple[wire.LogLine, ...] = ()
    """The attempt's last log lines, reported with its outcome."""


@dataclass(frozen=True)
class Capacity:
    """What the machines an executor runs on have in all: a task asking for more waits."""

    cpu: float
    memory_bytes: int
    gpu: int
    where: str
    """What the numbers are of, for messages ("this machine", "the largest Ray node")."""
    largest: tuple[float, int, int] | None = None
    """The most CPUs, memory and GPUs any one machine has, when there are several: an attempt runs
    on one machine, so it must fit there."""

    def shortfall(self, task: wire.TaskSpec) -> str | None:
        """Why the task can never run here (it asks for more than one machine has), or None."""
        cpu, memory, gpu = self.largest or (self.cpu, self.memory_bytes, self.gpu)
        missing = []
        if (task.cpu or 0) > cpu:
            missing.append(f"cpu={task.cpu:g} (has {cpu:g})")
        if (task.memory_bytes or 0) > memory:
            missing.append(f"memory={task.memory_bytes} bytes (has {memory})")
        if (task.gpu or 0) > gpu:
            missing.append(f"gpu={task.gpu} (has {gpu})")
        if not missing:
            return None
        return (
            f"Task '{task.name}' asks for {', '.join(missing)}, more than {self.where} has: it stays queued "
            "until there is room (abort it, or give the cluster more)"
        )


class Executor(Protocol):
    """Runs each attempt in a worker of its own."""

    def start(self, worker: str, launch: Launch) -> None:
        """Starts a worker named ``worker`` for the launch.

        It may return before the worker runs; a worker that cannot start is reported by
        :meth:`poll` with reason ``"start-failed"`` and the cause as its message.
        """

    def stop(self, worker: str, reason: str) -> None:
        """Stops the worker (if it still runs), remembering ``reason`` for its :class:`Exit`."""

    def poll(self) -> list[Exit]:
        """The workers that ended since the last call."""

    def tracks(self, worker: str) -> bool:
        """Whether the worker was started by this executor and has not been reported ended."""

    def shutdown(self) -> None:
        """Stops watching workers; running workers are left to finish."""

    def capacity(self) -> Capacity:
        """What the executor's machines have in all (it may change: Ray nodes come and go)."""
