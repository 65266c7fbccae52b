"""Human approval of tool calls: by default a condition of the running task (``flyte.new_condition``)."""

from __future__ import annotations

import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from flyte.ai.agents._tools import AgentTool

logger = logging.getLogger(__name__)

#: ``await approval_callback(tool, arguments)`` is True when the call may run.
ApprovalCallback = Callable[[AgentTool, dict[str, Any]], Awaitable[bool]]

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def approval_condition_name(tool_name: str, index: int) -> str:
    """The name of the condition asking for the ``index``-th approval (from 1) of ``tool_name``
    in the running task: ``approve_<tool>``, then ``approve_<tool>_2``... Names are stable across
    runs, so a local run can be given its answers up front with ``with_runcontext(signals=...)``."""
    base = f"approve_{_UNSAFE.sub('_', tool_name)}"
    return base if index == 1 else f"{base}_{index}"


#: Approvals asked so far per (run, action, attempt) and tool. Bounded: only the actions running
#: now need their counts, and a finished action never asks again.
_ASKED: OrderedDict[tuple[str, str, int], dict[str, int]] = OrderedDict()
_ASKED_LIMIT = 1024


def _next_index(tool_name: str) -> int:
    from flyte._context import current_action

    action = current_action.get()
    assert action is not None
    # Keyed by the action rather than the agent run, so that several agent runs in one task (or in
    # groups of it, which copy the action context) never reuse a condition name.
    key = (action.run.name, action.action_name, action.attempt)
    counts = _ASKED.setdefault(key, {})
    _ASKED.move_to_end(key)
    while len(_ASKED) > _ASKED_LIMIT:
        _ASKED.popitem(last=False)
    counts[tool_name] = counts.get(tool_name, 0) + 1
    return counts[tool_name]


async def condition_approval(tool: AgentTool, arguments: dict[str, Any]) -> bool:
    """Asks a person to approve the call through a boolean condition of the running task and
    waits for the answer. Outside a task nobody can answer, so the call is denied (and the LLM
    is told so)."""
    import flyte
    from flyte._context import current_action

    if current_action.get() is None:
        logger.warning("tool %r needs approval but no task is running to ask in; denying the call", tool.name)
        return False
    shown = json.dumps(arguments, indent=2, default=str)
    condition = await flyte.new_condition.aio(
        approval_condition_name(tool.name, _next_index(tool.name)),
        prompt=f"Approve the call of tool `{tool.name}`?\n\nArguments:\n```json\n{shown}\n```",
        prompt_type="markdown",
        data_type=bool,
    )
    return bool(await condition.wait.aio())
