"""What the UI reads, and from where: the interface both sources of runs implement.

Rows are plain dataclasses rather than the API's models: a run page lists every action of a run,
and tens of thousands of validated models would cost more than the page's whole budget.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from fastapi import Request

from flyte._internal import wire


@dataclass(frozen=True)
class ErrorView:
    """How an attempt or action failed."""

    code: str
    kind: str
    message: str
    traceback: str

    @classmethod
    def parse(cls, text: str | None) -> ErrorView | None:
        """The error stored as JSON ``text`` (a :class:`wire.ErrorInfo`), if any."""
        if not text:
            return None
        info = wire.ErrorInfo.model_validate(json.loads(text))
        return cls(info.code, info.kind, info.message, info.traceback)


@dataclass(frozen=True)
class RunRow:
    """A run as the runs page lists it."""

    name: str
    project: str
    domain: str
    task_name: str
    phase: str
    created_at: float
    started_at: float | None
    ended_at: float | None
    error: ErrorView | None = None


@dataclass(frozen=True)
class ActionRow:
    """An action as the tree and the timeline show it."""

    name: str
    parent: str | None
    task_name: str
    kind: str
    group: str | None
    phase: str
    attempts: int
    cache_status: str | None
    queued_at: float
    started_at: float | None
    ended_at: float | None


@dataclass(frozen=True)
class ConditionView:
    """A condition that waits for a value from a person."""

    action_name: str
    name: str
    prompt: str
    data_type: str
    """``bool``, ``int``, ``float`` or ``str``."""
    created_at: float
    deadline: float | None
    """When it times out, if it has a timeout."""


@dataclass(frozen=True)
class ActionDetail:
    """The selected action: its row plus what only its own panel needs."""

    row: ActionRow
    error: ErrorView | None
    inputs: bytes | None
    outputs: bytes | None
    report: str | None
    task: wire.TaskSpec | None
    waiting_reason: str | None = None


@dataclass(frozen=True)
class AttemptRow:
    """One attempt of an action."""

    attempt: int
    phase: str
    started_at: float | None
    ended_at: float | None
    error: ErrorView | None
    worker: str | None = None


@dataclass(frozen=True)
class LogLine:
    """A stored log line."""

    seq: int
    attempt: int
    stream: str
    ts: float
    text: str


@dataclass(frozen=True)
class TaskRow:
    """A task that has run, with its environment and its latest runs."""

    name: str
    environment: str
    runs: int
    last_run: str
    last_phase: str
    last_at: float
    spec: wire.TaskSpec | None = None
    recent: list[RunRow] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    """``name: type`` of each input, as the latest run was given them."""
    outputs: list[str] = field(default_factory=list)
    """``name: type`` of each output of the latest run that returned (if any did recently)."""


def like_pattern(text: str) -> str:
    """A LIKE pattern (escaped with backslashes) matching text that contains ``text``."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def interface_of(payload: bytes | None, outputs: bool) -> list[str]:
    """``name: type`` of each value of a stored payload (empty if it cannot be read)."""
    from flyte.server.ui.values import decoded

    try:
        return [f"{name}: {type(value).__name__}" for name, value in decoded(payload, outputs).items()]
    except Exception:  # a payload this process cannot read leaves the interface unknown
        return []


@dataclass(frozen=True)
class RunFilter:
    """What the runs page narrows the list to."""

    phase: str | None = None
    task: str | None = None
    text: str | None = None
    project: str | None = None
    """Only this project's runs: the one project of the caller's API key, if it is scoped."""


class UiSource(Protocol):
    """A source of runs for the UI."""

    read_only: bool
    """True where runs cannot be aborted from the UI (the local runs database)."""
    keeps_logs: bool
    """False where the source has no logs (local runs print to their terminal)."""
    data_roots: tuple[Path, ...]
    """The folders whose files values may name and the UI may read (previews, downloads)."""

    def list_runs(self, where: RunFilter, offset: int, limit: int) -> tuple[list[RunRow], int]:
        """A page of runs, newest first, and how many match in all."""
        ...

    def get_run(self, name: str) -> RunRow | None:
        """One run, or None."""
        ...

    def list_actions(self, run: str) -> list[ActionRow]:
        """Every action of the run, in the order they were queued."""
        ...

    def get_action(self, run: str, action: str) -> ActionDetail | None:
        """One action with its data, or None."""
        ...

    def attempts(self, run: str, action: str) -> list[AttemptRow]:
        """The action's attempts, first to last."""
        ...

    def logs(self, run: str, action: str, attempt: int | None, after: int, limit: int) -> list[LogLine]:
        """Log lines of the action (of one attempt, if given) after position ``after``."""
        ...

    def report(self, run: str, action: str) -> str | None:
        """The latest HTML of the action's report, if any."""
        ...

    def tasks(self, recent: int, project: str | None = None) -> list[TaskRow]:
        """The tasks that have run as roots of runs (of ``project`` when given), most recently
        run first."""
        ...

    def paused_conditions(self, run: str) -> list[ConditionView]:
        """The run's conditions that wait for a value, oldest first (none where the UI is read-only)."""
        ...

    async def wait_change(self, run: str | None, timeout: float) -> bool:
        """Waits until the run (any run, if None) may have changed, or ``timeout``; True if changed."""
        ...


def source_of(request: Request) -> UiSource:
    """The source of runs of the app serving ``request``."""
    source = getattr(request.app.state, "ui_source", None)
    if source is None:
        from flyte.server.ui.server_source import ServerSource

        source = request.app.state.ui_source = ServerSource(request.app.state.server)
    return cast(UiSource, source)
