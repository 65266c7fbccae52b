"""The LLM callback of an agent: its reply type (:class:`LLMMessage`) and the litellm default."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class LLMMessage:
    """One reply of the LLM: its text and the tools it asks to call.

    Each tool call is ``{"id": str, "name": str, "arguments": dict}`` (arguments already decoded
    from JSON); ``raw`` keeps the provider's response object for callers that want more.
    """

    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    raw: Any = None


#: ``await call_llm(model, system, messages, tools)``: ``messages`` are OpenAI-style chat messages
#: (without the system prompt), ``tools`` the OpenAI tool schemas or None.
LLMCallable = Callable[
    [str, str, list[dict[str, Any]], list[dict[str, Any]] | None],
    Awaitable[LLMMessage],
]


def _decode_arguments(arguments: Any) -> dict[str, Any]:
    if isinstance(arguments, dict):
        return arguments
    if not arguments:
        return {}
    try:
        decoded = json.loads(arguments)
    except (TypeError, json.JSONDecodeError):
        return {"_raw": arguments}
    return decoded if isinstance(decoded, dict) else {"_raw": decoded}


async def default_call_llm(
    model: str,
    system: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
) -> LLMMessage:
    """Calls ``model`` through ``litellm.acompletion`` (any provider litellm knows).

    Raises:
        ImportError: litellm is not installed.
    """
    try:
        import litellm
    except ImportError as exc:
        raise ImportError(
            "litellm is not installed. Install it with `pip install litellm`, "
            "or give the agent your own `call_llm=...` callback."
        ) from exc

    request: dict[str, Any] = {"model": model, "messages": [{"role": "system", "content": system}, *messages]}
    if tools:
        request["tools"] = tools
        request["tool_choice"] = "auto"
    response = await litellm.acompletion(**request)
    message = response.choices[0].message
    calls = [
        {
            "id": getattr(call, "id", None) or f"call_{uuid.uuid4().hex[:12]}",
            "name": call.function.name,
            "arguments": _decode_arguments(call.function.arguments),
        }
        for call in getattr(message, "tool_calls", None) or []
    ]
    return LLMMessage(content=getattr(message, "content", None) or "", tool_calls=calls, raw=response)
