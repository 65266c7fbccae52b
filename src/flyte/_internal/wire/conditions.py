"""Conditions: values an action waits for from a person."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from flyte._internal.wire.base import _NAME, MAX_TIMEOUT_S, TEXT_PATTERN, FreeText, Phase, _Model

ConditionType = Literal["bool", "int", "float", "str"]
"""The types a condition's value may have."""
ConditionValue = bool | int | float | str
"""A condition's value (JSON: true/false, a number or a string)."""


class CreateCondition(_Model):
    """A running action asks for a value from a person: a condition, created as its child action."""

    action_name: str = Field(pattern=_NAME, description="The condition action's name")
    parent: str = Field(pattern=_NAME)
    name: str = Field(min_length=1, max_length=512, pattern=TEXT_PATTERN, description="The name the task gave it")
    prompt: FreeText = Field(default="Approve?", max_length=65_536)
    prompt_type: Literal["text", "markdown"] = "text"
    data_type: ConditionType = "bool"
    description: FreeText = Field(default="", max_length=65_536)
    timeout_seconds: float | None = Field(default=None, gt=0, le=MAX_TIMEOUT_S)
    webhook_url: str | None = Field(default=None, max_length=4096, pattern=r"^https?://[^\x00\s]+$")
    webhook_payload: dict[str, Any] | None = Field(
        default=None, description="Sent as JSON to webhook_url; {callback_uri} in its strings becomes the signal URL"
    )


class ConditionInfo(_Model):
    """A condition: what it asks, of which type, and the value it was given once signalled."""

    run_name: str
    action_name: str
    parent: str
    name: str
    prompt: str
    prompt_type: Literal["text", "markdown"]
    data_type: ConditionType
    description: str
    phase: Phase = Field(description="PAUSED while it waits; SUCCEEDED once signalled; TIMED_OUT; ABORTED")
    value: ConditionValue | None = None
    created_at: float
    deadline: float | None = Field(default=None, description="When it times out, if it has a timeout")
    signaled_at: float | None = None


class SignalRequest(_Model):
    """The value a person gives a condition; it must be of the condition's type."""

    value: ConditionValue
