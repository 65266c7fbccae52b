"""A scripted LLM for agent tests: replies in order and records what it was asked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flyte.ai.agents import LLMMessage


def call(tool_name: str, call_id: str = "c1", /, **arguments: Any) -> dict[str, Any]:
    """One tool call of a reply."""
    return {"id": call_id, "name": tool_name, "arguments": arguments}


@dataclass
class ScriptedLLM:
    """``call_llm`` giving ``replies`` one after the other (the last one again when they run out)."""

    replies: list[LLMMessage]
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(
        self, model: str, system: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None
    ) -> LLMMessage:
        self.requests.append({"model": model, "system": system, "messages": list(messages), "tools": tools})
        return self.replies[min(len(self.requests), len(self.replies)) - 1]

    def tool_messages(self, request: int = -1) -> list[dict[str, Any]]:
        """The tool results the LLM saw in one request."""
        return [m for m in self.requests[request]["messages"] if m["role"] == "tool"]
