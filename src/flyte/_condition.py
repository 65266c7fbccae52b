"""Conditions: a task pauses until a person gives it a value (human input).

``await flyte.new_condition.aio("approve", prompt="Ship it?", data_type=bool, timeout=600)``
creates the condition, ``await condition.wait.aio()`` waits for its value. On a server the
condition is a child action of the task, PAUSED until ``flyte signal condition RUN NAME VALUE``
(or :class:`flyte.remote.Condition`) gives it a value of its type; locally the value comes from
``--signal NAME=VALUE`` (``with_runcontext(signals=...)``) or is asked on the terminal. With a
timeout, waiting longer raises :class:`~flyte.errors.ConditionTimedoutError`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Dict, Generic, Literal, Optional, Type, TypeVar, Union

from flyte._syncify import syncify
from flyte.errors import ConditionFailedError, RuntimeUserError

__all__ = ["ConditionWebhook", "coerce_value", "fire_webhook", "new_condition"]

logger = logging.getLogger("flyte")

ConditionType = TypeVar("ConditionType", bool, int, float, str)
PromptType = Literal["text", "markdown"]
TypeName = Literal["bool", "int", "float", "str"]
_TYPE_NAMES: dict[type, TypeName] = {bool: "bool", int: "int", float: "float", str: "str"}
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


@dataclass
class ConditionWebhook:
    """Where to announce a new condition: ``payload`` is POSTed as JSON to ``url``.

    ``{callback_uri}`` in any string of the payload becomes the URI that signals the condition
    (on a server, its ``/signal`` route: POST ``{"value": ...}`` to it).
    """

    url: str
    payload: Optional[Dict[str, Any]] = None


@dataclass
class _Condition(Generic[ConditionType]):
    """A condition created by :func:`new_condition`; :meth:`wait` gives its value."""

    name: str
    prompt: str = "Approve?"
    prompt_type: PromptType = "text"
    data_type: Type[ConditionType] = bool  # type: ignore[assignment]
    description: str = ""
    timeout: Union[timedelta, int, float, None] = None
    webhook: Optional[ConditionWebhook] = None
    action_name: str | None = field(default=None, init=False)
    """The condition's action, once created inside a task."""

    def __post_init__(self) -> None:
        if self.data_type not in _TYPE_NAMES:
            raise TypeError(f"condition {self.name!r}: data_type must be bool, int, float or str, not {self.data_type}")
        if self.timeout_seconds is not None and self.timeout_seconds <= 0:
            raise ValueError(f"condition {self.name!r}: timeout must be positive, got {self.timeout}")

    @property
    def type_name(self) -> TypeName:
        """The value's type as the server names it: ``bool``, ``int``, ``float`` or ``str``."""
        return _TYPE_NAMES[self.data_type]

    @property
    def timeout_seconds(self) -> float | None:
        """The timeout in seconds, if any."""
        if self.timeout is None:
            return None
        return self.timeout.total_seconds() if isinstance(self.timeout, timedelta) else float(self.timeout)

    @syncify
    async def wait(self) -> ConditionType:
        """Waits for the condition's value and returns it as ``data_type``.

        Raises:
            ConditionTimedoutError: no value came within the timeout.
            ConditionFailedError: the condition ended otherwise (its run was aborted, say).
        """
        from flyte._context import current_action

        action = current_action.get()
        if action is None or self.action_name is None:
            raise RuntimeUserError(
                "BadContext", f"condition {self.name!r}: conditions are created and awaited inside a running task"
            )
        value: ConditionType = await action.run.controller.wait_for_condition(self, action)
        return value


@syncify
async def new_condition(
    name: str,
    /,
    prompt: str = "Approve?",
    prompt_type: PromptType = "text",
    data_type: Type[ConditionType] = bool,  # type: ignore[assignment]
    description: str = "",
    timeout: Union[timedelta, int, float, None] = None,
    webhook: Optional[ConditionWebhook] = None,
) -> _Condition[ConditionType]:
    """Creates a condition of the running task: ``await condition.wait.aio()`` gives its value.

    Args:
        name: the condition's name (what ``--signal NAME=VALUE`` and ``flyte signal`` name).
        prompt: the question shown to whoever gives the value.
        prompt_type: ``text`` or ``markdown``.
        data_type: the value's type: ``bool``, ``int``, ``float`` or ``str``.
        description: more words about it.
        timeout: seconds (or a timedelta) to wait at most; ``wait`` raises
            :class:`~flyte.errors.ConditionTimedoutError` after that.
        webhook: announced to when the condition is created.

    Raises:
        TypeError: ``data_type`` is not one of the four.
        RuntimeUserError: called outside a running task.
    """
    from flyte._context import current_action

    condition: _Condition[ConditionType] = _Condition(
        name=name,
        prompt=prompt,
        prompt_type=prompt_type,
        data_type=data_type,
        description=description,
        timeout=timeout,
        webhook=webhook,
    )
    action = current_action.get()
    if action is None:
        raise RuntimeUserError("BadContext", f"condition {name!r}: conditions are created inside a running task")
    await action.run.controller.register_condition(condition, action)
    return condition


def coerce_value(text: str, type_name: str, condition: str) -> bool | int | float | str:
    """``text`` (typed by a person) as a value of ``type_name``.

    Raises:
        ConditionFailedError: it is not one, naming the condition and the type expected.
    """
    if type_name == "str":
        return text
    cleaned = text.strip()
    try:
        if type_name == "bool":
            if cleaned.lower() in _TRUE:
                return True
            if cleaned.lower() in _FALSE:
                return False
            raise ValueError(cleaned)
        if type_name == "int":
            return int(cleaned)
        return float(cleaned)
    except ValueError:
        hint = " (true or false)" if type_name == "bool" else ""
        raise ConditionFailedError(
            f"condition {condition!r} expects a {type_name} value{hint}, got {json.dumps(text)}"
        ) from None


def fire_webhook(url: str, payload: dict[str, Any] | None, callback_uri: str) -> None:
    """POSTs ``payload`` (``{callback_uri}`` filled in) to ``url``; a failure is logged, not raised:
    the condition waits for its value all the same."""
    import httpx

    body = _fill(payload, callback_uri) if payload is not None else {"callback_uri": callback_uri}
    try:
        httpx.post(url, json=body, timeout=10.0).raise_for_status()
    except httpx.HTTPError as e:
        logger.warning("The webhook of a condition at %s failed: %s", url, e)


def _fill(value: Any, callback_uri: str) -> Any:
    if isinstance(value, str):
        return value.replace("{callback_uri}", callback_uri)
    if isinstance(value, dict):
        return {key: _fill(item, callback_uri) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, callback_uri) for item in value]
    return value
