"""Progress events of the agent loop: :class:`AgentEvent`, the ``agent_progress_cb`` hook, and
their rendering as a timeline in the task's report."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

logger = logging.getLogger(__name__)

EventType = Literal[
    "agent_start",
    "agent_end",
    "turn_start",
    "turn_end",
    "message",
    "tool_start",
    "tool_end",
    "tool_error",
    "approval_request",
    "approval_decision",
]


@dataclass
class AgentEvent:
    """One step of an agent run, given to the ``agent_progress_cb`` callback.

    ``agent`` and ``run_id`` name the agent run that emitted it, so that one subscriber can tell
    concurrent runs (and sub-agents) apart.
    """

    type: EventType
    data: dict[str, Any] = field(default_factory=dict)
    agent: str = ""
    run_id: str = ""


AgentProgressCallback = Callable[[AgentEvent], Awaitable[None]]

#: Set it to an ``async (event) -> None`` callback to follow agent runs (logs, streams, UIs).
agent_progress_cb: contextvars.ContextVar[AgentProgressCallback | None] = contextvars.ContextVar(
    "agent_progress_cb", default=None
)

#: ``(agent name, run id)`` of the agent run of the current context.
current_run: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("agent_current_run", default=None)


async def emit(event: AgentEvent) -> None:
    """Hands ``event`` to the installed callback; a failing callback is logged, never raised,
    because observers must not break the run they observe."""
    callback = agent_progress_cb.get()
    if callback is None:
        return
    identity = current_run.get()
    if identity is not None:
        event.agent = event.agent or identity[0]
        event.run_id = event.run_id or identity[1]
    try:
        await callback(event)
    except Exception:
        logger.exception("agent progress callback failed on a %s event", event.type)


def _render(timeline: Any, event: AgentEvent) -> None:
    from flyte.report import abbreviate

    data = event.data
    tool_name = data.get("tool", "")
    if event.type == "agent_start":
        mode = f" · {data['mode']}" if data.get("mode") else ""
        timeline.heading(f"{data.get('name') or 'agent'} · {data.get('model', '')}{mode}")
    elif event.type == "tool_start":
        detail = data["args"] if "args" in data else data.get("code")
        timeline.row(icon="🛠️", label=tool_name, meta="tool", detail=abbreviate(detail, 200))
    elif event.type == "tool_end":
        timeline.row(icon="✅", label=tool_name, meta="result", detail=abbreviate(data.get("result")))
    elif event.type == "tool_error":
        timeline.row(icon="⚠️", label=tool_name, meta="error", error=data.get("error"))
    elif event.type == "approval_request":
        timeline.row(icon="⏸️", label=tool_name, meta="awaiting approval", detail=abbreviate(data.get("args"), 200))
    elif event.type == "approval_decision":
        approved = bool(data.get("approved"))
        timeline.row(icon="✅" if approved else "🚫", label=tool_name, meta="approved" if approved else "rejected")
    elif event.type == "message" and data.get("content"):
        timeline.row(icon="💬", label=data.get("role", "assistant"), detail=abbreviate(data["content"]))
    elif event.type == "agent_end":
        timeline.row(
            icon="🏁",
            label="done",
            meta=f"{data.get('turns', '?')} turns · {data.get('elapsed_ms', 0)} ms",
            error=data.get("error") or None,
        )


def report_callback(tab: str, inner: AgentProgressCallback | None) -> AgentProgressCallback:
    """A callback that runs ``inner`` (if any), then adds the event to a timeline in ``tab`` of
    the current task's report."""
    from flyte.report import Timeline

    # A timeline outside a task with ``report=True`` writes nothing, so it is always safe.
    timeline = Timeline(tab)

    async def callback(event: AgentEvent) -> None:
        if inner is not None:
            await inner(event)
        _render(timeline, event)

    return callback
