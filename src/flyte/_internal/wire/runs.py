"""Runs and their actions: creating, listing, waiting, aborting and rerunning them."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from flyte._internal.wire.base import _ENV_NAME, _NAME, MAX_WAIT_S, FreeText, Payload, Phase, _Model
from flyte._internal.wire.tasks import ErrorInfo, ImageSpec, TaskSpec


class CreateRunRequest(_Model):
    """Starts a run of ``task`` with the given encoded inputs."""

    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    project: str = Field(default="flytesnacks", pattern=_NAME)
    domain: str = Field(default="development", pattern=_NAME)
    task: TaskSpec
    inputs: Payload
    bundle: str | None = Field(default=None, pattern=r"^[0-9a-f]{32,64}$")
    cache_key: str | None = None
    env_vars: dict[Annotated[str, Field(pattern=_ENV_NAME)], str] = Field(default_factory=dict, max_length=1000)
    overwrite_cache: bool = False
    disable_run_cache: bool = False
    max_action_concurrency: int | None = Field(default=None, ge=1, le=1_000_000)
    custom_context: dict[str, str] = Field(default_factory=dict, max_length=1000)
    images: dict[str, ImageSpec] = Field(
        default_factory=dict,
        max_length=1000,
        description="The images of the environments the run's code defines, by environment name: children "
        "created by workers name their environment, and run in its image",
    )


RunSortKey = Literal["created_at", "started_at", "ended_at", "name", "task_name", "phase"]
"""What run listings can be sorted by."""


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
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    rerun_of: str | None = Field(default=None, description="The run this one re-runs, if it is a rerun")
    recover: bool = Field(default=False, description="Whether it reuses the succeeded actions of ``rerun_of``")


class ActionInfo(_Model):
    """One action of a run: where it sits in the tree and how it went."""

    name: str
    parent: str | None
    task_name: str
    kind: Literal["task", "trace", "condition"] = Field(description="condition: a value awaited from a person")
    group: str | None = None
    phase: Phase
    attempts: int
    cache_status: str | None = None
    queued_at: float
    started_at: float | None = None
    ended_at: float | None = None
    error: ErrorInfo | None = None
    waiting_reason: str | None = Field(default=None, description="Why a queued action has not started")


class ActionDetail(ActionInfo):
    """An action with its encoded inputs and outputs."""

    inputs: Payload | None = None
    outputs: Payload | None = None
    report: str | None = None


class CreateAction(_Model):
    """A child call (or a trace) made by a running action."""

    name: str = Field(pattern=_NAME)
    parent: str = Field(pattern=_NAME)
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
    timeout: float = Field(default=30.0, ge=0, le=MAX_WAIT_S)


MAX_ABORT_REASON = 4096
"""The longest reason an abort records."""


class AbortRequest(_Model):
    """Why a run or an action is aborted: kept as the message of the aborted actions' error.

    Aborting stops every unfinished action below the one aborted (the root, for a run); a parent
    awaiting one of them gets ``ActionAbortedError``. Aborting what is already aborted changes
    nothing; aborting what ended otherwise is a 409.
    """

    reason: FreeText = Field(default="Aborted", min_length=1, max_length=MAX_ABORT_REASON)


class RerunRequest(_Model):
    """Starts a new run with a prior run's task, code, options and inputs.

    With ``recover``, each action of the new run whose same-named action in the prior run
    succeeded with the same inputs is not run again: it is created RECOVERED, with the prior
    outputs. The root always runs (it is what re-creates the children).
    """

    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    recover: bool = False
    action_name: str = Field(default="a0", pattern=_NAME, description="The action whose task and inputs to run")
    force_rerun_actions: list[Annotated[str, Field(pattern=_NAME)]] = Field(
        default_factory=list, max_length=10_000, description="With recover: actions to run again all the same"
    )
    inputs: Payload | None = Field(default=None, description="New encoded inputs; None keeps the prior ones")


class AttemptInfo(_Model):
    """One attempt of an action: how it went, and its error if it failed."""

    attempt: int
    phase: Phase
    started_at: float
    ended_at: float | None = None
    error: ErrorInfo | None = None


class PhaseTransition(_Model):
    """An action entered ``phase`` at ``at`` (during attempt ``attempt``; 0 before the first)."""

    attempt: int
    phase: Phase
    at: float
