"""Conditions of a worker's action: created on the server, their values long-polled from it.

The condition's action is named as a local run names it, so a parent that runs again finds the
same condition (and its value, if it was given meanwhile) instead of asking twice.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from flyte._internal import wire
from flyte._internal.engine.local_conditions import condition_action_name
from flyte.errors import ConditionFailedError, ConditionTimedoutError

if TYPE_CHECKING:
    from flyte._condition import _Condition
    from flyte._context import ActionContext
    from flyte.server.worker.client import WorkerClient

_WAIT_TIMEOUT_S = 30.0


async def register(client: WorkerClient, condition: _Condition[Any], parent: ActionContext) -> None:
    """Creates the condition (PAUSED) as a child of ``parent``; the server calls its webhook."""
    name = condition_action_name(condition, parent)
    webhook = condition.webhook
    request = wire.CreateCondition(
        action_name=name,
        parent=parent.action_name,
        name=condition.name,
        prompt=condition.prompt,
        prompt_type=condition.prompt_type,
        data_type=condition.type_name,
        description=condition.description,
        timeout_seconds=condition.timeout_seconds,
        webhook_url=webhook.url if webhook is not None else None,
        webhook_payload=webhook.payload if webhook is not None else None,
    )
    await asyncio.to_thread(client.create_condition, request)
    condition.action_name = name


async def wait(client: WorkerClient, condition: _Condition[Any]) -> Any:
    """The condition's value once signalled (the server checks its type).

    Raises:
        ConditionTimedoutError: its timeout passed first.
        ConditionFailedError: it ended otherwise (aborted).
    """
    assert condition.action_name is not None
    while True:
        info = await asyncio.to_thread(client.wait_condition, condition.action_name, _WAIT_TIMEOUT_S)
        if info.phase in wire.TERMINAL_PHASES:
            break
    if info.phase == "SUCCEEDED":
        return condition.data_type(info.value)
    if info.phase == "TIMED_OUT":
        raise ConditionTimedoutError(f"condition {condition.name!r} got no value within {condition.timeout_seconds:g}s")
    raise ConditionFailedError(f"condition {condition.name!r} ended {info.phase} without a value")
