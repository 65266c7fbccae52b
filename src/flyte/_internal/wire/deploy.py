"""Deployed tasks, their interfaces and their triggers."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from flyte._internal.wire.base import _ENV_NAME, _NAME, MAX_TIMEOUT_S, MAX_TIMESTAMP, Payload, _Model
from flyte._internal.wire.tasks import ImageSpec, TaskSpec

VERSION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$"
"""A deployed task's version: what ``flyte deploy --version`` accepts, or a digest by default."""
TASK_NAME_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}$"
"""A task's full name, ``env.function``, as deployed tasks and triggers are keyed by it."""


class InputSpec(_Model):
    """One input of a deployed task: its literal type (as :mod:`flyte._internal.serde` writes it)
    and, when it has one, its default as an encoded literal (``None`` with ``has_default``: the
    default is known to the task's code only)."""

    name: str = Field(min_length=1, max_length=256)
    type: str = Field(min_length=1, max_length=65_536)
    has_default: bool = False
    default: Payload | None = None


class InterfaceSpec(_Model):
    """A deployed task's inputs in declaration order and its output type."""

    inputs: list[InputSpec] = Field(default_factory=list, max_length=1000)
    output: str = Field(default="any", max_length=65_536)
    returns_none: bool = False


class TriggerSpec(_Model):
    """When a deployed task runs on its own, and with which inputs.

    ``cron`` fires at each time of the expression in ``timezone``; ``fixed_rate`` every
    ``interval_s`` seconds counted from ``start_time`` (the trigger's creation when None).
    ``inputs`` is a msgpack map of input name to literal; ``kickoff_input`` names the input that
    receives the time of the slot. A slot missed while the server was down is fired once when it
    comes back (``missed="fire_latest"``) or not at all (``"skip"``); never a backlog.
    """

    name: str = Field(pattern=r"^[^/\x00-\x1f]{1,128}$", description="Any text up to 128 characters but '/'")
    kind: Literal["cron", "fixed_rate"]
    cron: str | None = Field(default=None, max_length=256)
    timezone: str = Field(default="UTC", max_length=64)
    interval_s: float | None = Field(default=None, ge=1, le=MAX_TIMEOUT_S)
    start_time: float | None = Field(default=None, ge=0, le=MAX_TIMESTAMP)
    inputs: Payload = Field(default_factory=lambda: b"\x80", description="msgpack map of input name to literal")
    kickoff_input: str | None = Field(default=None, max_length=256)
    active: bool = True
    missed: Literal["fire_latest", "skip"] = "fire_latest"
    description: str = Field(default="", max_length=4096)
    env_vars: dict[Annotated[str, Field(pattern=_ENV_NAME)], str] = Field(default_factory=dict, max_length=1000)
    overwrite_cache: bool = False
    max_action_concurrency: int | None = Field(default=None, ge=1, le=1_000_000)
    custom_context: dict[str, str] = Field(default_factory=dict, max_length=1000)

    @model_validator(mode="after")
    def _schedule(self) -> TriggerSpec:
        if self.kind == "cron" and not self.cron:
            raise ValueError("a cron trigger needs its expression")
        if self.kind == "fixed_rate" and self.interval_s is None:
            raise ValueError("a fixed_rate trigger needs interval_s")
        return self


class DeployTaskRequest(_Model):
    """Registers one task of an environment at a version, with its code, image and triggers.

    Registering the same version again with the same content changes nothing (200); with other
    content it is a 409. Triggers are keyed by (task name, trigger name): deploying a task
    replaces the schedule and inputs of its triggers, keeping whether they are active.
    """

    project: str = Field(default="flytesnacks", pattern=_NAME)
    domain: str = Field(default="development", pattern=_NAME)
    version: str = Field(pattern=VERSION_PATTERN)
    environment: str = Field(min_length=1, max_length=256)
    task: TaskSpec
    interface: InterfaceSpec
    bundle: str = Field(pattern=r"^[0-9a-f]{32,64}$")
    images: dict[str, ImageSpec] = Field(default_factory=dict, max_length=1000)
    cache_version: str | None = Field(
        default=None, max_length=512, description="The interface hash and cache version of a cached task"
    )
    description: str = Field(default="", max_length=65_536)
    triggers: list[TriggerSpec] = Field(default_factory=list, max_length=100)

    @field_validator("task")
    @classmethod
    def _task_name(cls, value: TaskSpec) -> TaskSpec:
        if not re.match(TASK_NAME_PATTERN, value.name):
            raise ValueError("the task's name must be env.function: letters, digits, '_', '.', '-'")
        return value


class TaskInfo(DeployTaskRequest):
    """A deployed task as the server keeps it."""

    created_at: float


class TriggerInfo(TriggerSpec):
    """A trigger as the server keeps it, with the task it runs and its last fired slot."""

    project: str
    domain: str
    task_name: str
    task_version: str = Field(description="The version it runs, or 'latest'")
    created_at: float
    updated_at: float
    last_fired: float | None = Field(default=None, description="The time of the last slot it fired")


class TriggerUpdate(_Model):
    """Activates or deactivates a trigger."""

    active: bool


class CreateTriggerRequest(_Model):
    """Adds a trigger to a deployed task, running ``task_version`` (or the newest: ``latest``)."""

    project: str = Field(default="flytesnacks", pattern=_NAME)
    domain: str = Field(default="development", pattern=_NAME)
    task_name: str = Field(pattern=TASK_NAME_PATTERN)
    task_version: str = Field(default="latest", pattern=VERSION_PATTERN)
    trigger: TriggerSpec
