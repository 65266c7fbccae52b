"""The HTTP contract between the server and its clients (SDK, CLI, workers).

Every request and response body of the API is one of these pydantic models; the server's
OpenAPI document is generated from them. Binary payloads (encoded inputs and outputs, which are
msgpack or a reference to an offloaded blob) travel base64-encoded.

Endpoints (all under ``/api/v1``; errors are ``{"detail": "..."}`` with a 4xx or 5xx status):

==========  ===========================================  ======================================
method      path                                         body -> response
==========  ===========================================  ======================================
GET         /info                                        -> ServerInfo
HEAD, GET   /bundles/{hash}                              -> tar.gz bytes (404 when unknown)
PUT         /bundles/{hash}                              tar.gz bytes -> 204 (400: hash mismatch)
POST        /runs                                        CreateRunRequest -> RunInfo (201; 409)
GET         /runs?project&domain&phase&task&limit        -> list[RunInfo], newest first
GET         /runs/{run}                                  -> RunInfo (404 when unknown)
GET         /runs/{run}/wait?timeout=30                  -> RunInfo once ended, or at the timeout
POST        /runs/{run}/abort                            -> RunInfo
GET         /runs/{run}/actions                          -> list[ActionInfo]
GET         /runs/{run}/actions/{action}                 -> ActionDetail
GET         /runs/{run}/actions/{action}/logs?after&wait -> LogChunk (long-polls up to ``wait`` s)
POST        /runs/{run}/actions                          CreateActionsRequest -> list[ActionState]
POST        /runs/{run}/actions/wait                     WaitRequest -> list[ActionState] (ended)
GET         /attempts/{run}/{action}/{attempt}           -> AttemptSpec
POST        /attempts/{run}/{action}/{attempt}/heartbeat Heartbeat -> 204 (409: attempt is over)
POST        /attempts/{run}/{action}/{attempt}/logs      LogBatch -> 204
POST        /attempts/{run}/{action}/{attempt}/report    ReportUpdate -> 204
POST        /attempts/{run}/{action}/{attempt}/complete  CompleteAttempt -> 204
==========  ===========================================  ======================================

Creating actions is idempotent: an action that exists already (a parent running again) is not
created twice, and its current state is returned, with outputs when it has succeeded.
"""

from __future__ import annotations

import base64
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

API_PREFIX = "/api/v1"


def _b64decode(value: object) -> object:
    if isinstance(value, str):
        return base64.b64decode(value.encode("ascii"), validate=True)
    return value


Payload = Annotated[
    bytes,
    BeforeValidator(_b64decode),
    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"), return_type=str, when_used="json"),
]
"""Encoded values: bytes in Python, base64 text on the wire."""

Phase = Literal[
    "QUEUED",
    "WAITING_FOR_RESOURCES",
    "INITIALIZING",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "ABORTED",
    "TIMED_OUT",
    "RECOVERED",
]
TERMINAL_PHASES = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT", "RECOVERED"})


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SecretSpec(_Model):
    """A secret a task needs, and the variable it is exposed as."""

    key: str = Field(min_length=1, max_length=256)
    group: str | None = None
    as_env_var: str | None = None


class TaskSpec(_Model):
    """What a worker needs to find and run a task, and how the scheduler must treat it."""

    name: str = Field(min_length=1, max_length=512, description="The task's full name, env.function")
    module: str = Field(min_length=1, max_length=512, description="The module defining the task")
    cpu: float | None = Field(default=None, ge=0)
    memory_bytes: int | None = Field(default=None, ge=0)
    retries: int = Field(default=0, ge=0, le=100)
    backoff_seconds: list[float] = Field(default_factory=list, description="Delay before retry n")
    timeout_seconds: float | None = Field(default=None, gt=0)
    env_vars: dict[str, str] = Field(default_factory=dict)
    secrets: list[SecretSpec] = Field(default_factory=list)
    cacheable: bool = False
    report: bool = False
    reusable: bool = False


class ErrorInfo(_Model):
    """How an action failed: the original error's class as ``code``, and whose fault it was."""

    code: str
    kind: Literal["user", "system", "unknown"] = "user"
    message: str
    traceback: str = ""


class CreateRunRequest(_Model):
    """Starts a run of ``task`` with the given encoded inputs."""

    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    project: str = Field(default="flytesnacks", min_length=1, max_length=128)
    domain: str = Field(default="development", min_length=1, max_length=128)
    task: TaskSpec
    inputs: Payload
    bundle: str | None = Field(default=None, pattern=r"^[0-9a-f]{32,64}$")
    cache_key: str | None = None
    env_vars: dict[str, str] = Field(default_factory=dict)
    overwrite_cache: bool = False
    disable_run_cache: bool = False
    max_action_concurrency: int | None = Field(default=None, ge=1)
    custom_context: dict[str, str] = Field(default_factory=dict)


class RunInfo(_Model):
    """A run as listings show it."""

    name: str
    project: str
    domain: str
    task_name: str
    phase: Phase
    created_at: float
    started_at: float | None = None
    ended_at: float | None = None
    error: ErrorInfo | None = None
    url: str = ""


class ActionInfo(_Model):
    """One action of a run: where it sits in the tree and how it went."""

    name: str
    parent: str | None
    task_name: str
    kind: Literal["task", "trace"]
    group: str | None = None
    phase: Phase
    attempts: int
    cache_status: str | None = None
    queued_at: float
    started_at: float | None = None
    ended_at: float | None = None
    error: ErrorInfo | None = None


class ActionDetail(ActionInfo):
    """An action with its encoded inputs and outputs."""

    inputs: Payload | None = None
    outputs: Payload | None = None
    report: str | None = None


class CreateAction(_Model):
    """A child call (or a trace) made by a running action."""

    name: str = Field(min_length=1, max_length=128)
    parent: str = Field(min_length=1, max_length=128)
    kind: Literal["task", "trace"] = "task"
    task: TaskSpec
    inputs: Payload
    group: str | None = None
    cache_key: str | None = None
    outputs: Payload | None = Field(default=None, description="A trace's recorded result")
    error: ErrorInfo | None = Field(default=None, description="A trace's recorded failure")


class CreateActionsRequest(_Model):
    """A batch of child calls."""

    actions: list[CreateAction] = Field(max_length=10_000)


class ActionState(_Model):
    """Where an action stands, with its outputs or error once it has ended."""

    name: str
    phase: Phase
    outputs: Payload | None = None
    error: ErrorInfo | None = None


class WaitRequest(_Model):
    """Long-poll for any of ``names`` to end, for at most ``timeout`` seconds."""

    names: list[str] = Field(max_length=10_000)
    timeout: float = Field(default=30.0, ge=0, le=120)


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
    env_vars: dict[str, str] = Field(default_factory=dict)
    custom_context: dict[str, str] = Field(default_factory=dict)
    recorded: list[ActionState] = Field(default_factory=list, description="Children already ended")


class Heartbeat(_Model):
    """A worker is alive; ``waiting`` when it only waits on children (it holds no slot then)."""

    waiting: bool = False


class LogLine(_Model):
    """One line a task printed or logged."""

    stream: Literal["stdout", "stderr", "log"] = "stdout"
    ts: float
    text: str


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
    report: str | None = None


class ReportUpdate(_Model):
    """The latest HTML of a running task's report."""

    html: str


class ServerInfo(_Model):
    """What a client learns from the server root: its version and where its data lives."""

    version: str
    store: str
    database: str
