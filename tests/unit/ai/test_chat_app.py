"""AgentChatAppEnvironment: the page and API over an agent, through an in-process ASGI client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from flyte.ai.agents import Agent, LLMMessage
from flyte.ai.chat import AgentChatAppEnvironment, CustomTheme, build_chat_html
from tests.unit.ai.scripted import ScriptedLLM, call


def lookup(topic: str) -> str:
    """Looks a topic up."""
    return f"all about {topic}"


def _app(llm: ScriptedLLM, **kwargs: Any) -> AgentChatAppEnvironment:
    agent = Agent(name="helper", tools=[lookup], call_llm=llm, max_turns=4)
    return AgentChatAppEnvironment(name="chat-test", agent=agent, **kwargs)


async def _exchange(env: AgentChatAppEnvironment, method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=env.build_fastapi_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        return await client.request(method, path, **kwargs)


def test_page_tools_and_nudges() -> None:
    env = _app(
        ScriptedLLM([LLMMessage(content="hi")]),
        title="Helper",
        theme=CustomTheme(accent_color="#E6A71F"),
        prompt_nudges=[{"label": "Flyte?", "prompt": "What is Flyte?"}],
        additional_buttons=[{"button_text": "Docs", "button_url": "https://flyte.org"}],
    )
    page = asyncio.run(_exchange(env, "GET", "/"))
    assert "<title>Helper</title>" in page.text and "--accent: #E6A71F" in page.text
    assert 'href="https://flyte.org"' in page.text
    tools = asyncio.run(_exchange(env, "GET", "/api/tools")).json()
    assert tools == [{"name": "lookup", "signature": "lookup(topic: string)", "description": "Looks a topic up."}]
    assert asyncio.run(_exchange(env, "GET", "/api/nudges")).json() == [{"label": "Flyte?", "prompt": "What is Flyte?"}]


def test_chat_answers_with_history_and_streams_progress() -> None:
    turn = [LLMMessage(content="", tool_calls=[call("lookup", topic="flyte")]), LLMMessage(content="Done.")]
    llm = ScriptedLLM(turn * 2)
    env = _app(llm)
    history = [{"role": "user", "content": "before"}, {"role": "assistant", "content": "ok"}]
    body = asyncio.run(_exchange(env, "POST", "/api/chat", json={"message": "tell me", "history": history})).json()
    assert (body["summary"], body["error"], body["attempts"]) == ("Done.", "", 2)
    assert llm.requests[0]["messages"][:2] == history

    streamed = asyncio.run(_exchange(env, "POST", "/api/chat", json={"message": "again", "stream": True}))
    lines = [json.loads(line) for line in streamed.text.splitlines()]
    assert [x.get("phase") for x in lines if x["type"] == "progress"][:2] == ["generating_code", "executing"]
    assert lines[-1]["type"] == "done" and lines[-1]["summary"] == "Done."


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="needs an agent"):
        AgentChatAppEnvironment(name="no-agent")
    with pytest.raises(TypeError, match="run\\(\\) and tool_descriptions\\(\\)"):
        AgentChatAppEnvironment(name="bad", agent=object())
    with pytest.raises(ValueError, match="passthrough_auth is not supported"):
        _app(ScriptedLLM([]), passthrough_auth=True)
    with pytest.raises(ValueError, match="hex colour"):
        CustomTheme(accent_color="purple")
    with pytest.raises(ValueError, match="button_text"):
        build_chat_html(additional_buttons=[{"button_url": "x"}])
