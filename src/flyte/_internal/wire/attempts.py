"""What an attempt's worker fetches and reports: its spec, heartbeats, logs, report and outcome."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from flyte._internal.wire.base import MAX_TIMESTAMP, FreeText, Payload, _Model
from flyte._internal.wire.runs import ActionState
from flyte._internal.wire.tasks import ErrorInfo, TaskSpec


class AttemptSpec(_Model):
    """Everything a worker needs to run one attempt of one action."""

    run_name: str
    action_name: str
    attempt: int
    project: str
    domain: str
    task: TaskSpec
    inputs: Payload
    bundle: str | None
    raw_data_path: str
    custom_context: dict[str, str] = Field(default_factory=dict)
    recorded: list[ActionState] = Field(default_factory=list, description="Children already ended")


class Heartbeat(_Model):
    """A worker is alive; ``waiting`` when it only waits on children (it holds no slot then)."""

    waiting: bool = False


class LogLine(_Model):
    """One line a task printed or logged."""

    stream: Literal["stdout", "stderr", "log"] = "stdout"
    ts: float = Field(ge=0, le=MAX_TIMESTAMP)
    text: FreeText


class LogBatch(_Model):
    """Lines sent by a worker."""

    lines: list[LogLine] = Field(max_length=100_000)


class StoredLogLine(LogLine):
    """A stored log line, numbered in its action."""

    seq: int
    attempt: int


class LogChunk(_Model):
    """Log lines after a position; ``done`` once the action has ended and all lines are sent."""

    lines: list[StoredLogLine]
    next_seq: int
    done: bool


class CompleteAttempt(_Model):
    """How an attempt ended: its encoded outputs, or its error."""

    outputs: Payload | None = None
    error: ErrorInfo | None = None
    report: FreeText | None = None


class ReportUpdate(_Model):
    """The latest HTML of a running task's report."""

    html: FreeText


class ServerInfo(_Model):
    """What a client learns from the server root: its version and where its data lives."""

    version: str
    store: str
    database: str
