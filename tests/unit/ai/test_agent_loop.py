"""The agent loop driven by a scripted LLM inside local runs: tools run as child actions."""

from __future__ import annotations

import json
from typing import Any

import flyte
from flyte.ai.agents import Agent, AgentEvent, LLMMessage, agent_progress_cb
from flyte.io import File
from tests.unit.ai.scripted import ScriptedLLM, call
from tests.unit.engine.helpers import actions_of

env = flyte.TaskEnvironment(name="agent_loop")


@env.task
async def add(a: int, b: int = 1) -> int:
    """Adds two numbers."""
    return a + b


@env.task
async def explode(reason: str) -> str:
    """Always fails."""
    raise ValueError(f"exploded: {reason}")


def _run(agent: Agent, message: str) -> flyte.Run:
    @env.task
    async def drive(request: str) -> str:
        result = await agent.run.aio(request)
        return f"{result.summary}|{result.error}|{result.attempts}"

    run: flyte.Run = flyte.with_runcontext(mode="local").run(drive, message)
    return run


def _drive_task_actions(run: flyte.Run) -> list[str]:
    return [a["task_name"] for a in actions_of(run.name) if a["parent"] == "a0"]


def test_tool_calls_run_as_child_actions_and_feed_results_back() -> None:
    llm = ScriptedLLM(
        [
            LLMMessage(content="", tool_calls=[call("add", "c1", a=2, b=3), call("add", "c2", a=10)]),
            LLMMessage(content="The sums are 5 and 11."),
        ]
    )
    agent = Agent(name="adder", tools=[add], call_llm=llm, max_turns=3)
    run = _run(agent, "add things")
    assert run.outputs()[0] == "The sums are 5 and 11.||2"
    assert sorted(_drive_task_actions(run)) == ["agent_loop.add", "agent_loop.add"]
    assert [m["content"] for m in llm.tool_messages()] == ["5", "11"]
    schema = llm.requests[0]["tools"][0]["function"]
    assert schema["name"] == "add"
    assert schema["description"] == "Adds two numbers."
    assert schema["parameters"]["required"] == ["a"]
    assert set(schema["parameters"]["properties"]) == {"a", "b"}


def test_max_turns_ends_the_run_with_an_error() -> None:
    llm = ScriptedLLM([LLMMessage(content="again", tool_calls=[call("add", a=1)])])
    agent = Agent(name="looper", tools=[add], call_llm=llm, max_turns=2)
    run = _run(agent, "loop forever")
    assert run.outputs()[0] == "|Reached max_turns=2 without producing a final answer.|2"
    assert len(llm.requests) == 2
    assert len(_drive_task_actions(run)) == 2


def test_tool_errors_and_unknown_tools_go_back_to_the_llm() -> None:
    llm = ScriptedLLM(
        [
            LLMMessage(content="", tool_calls=[call("explode", "c1", reason="boom"), call("nope", "c2")]),
            LLMMessage(content="gave up"),
        ]
    )
    agent = Agent(name="fragile", tools=[explode], call_llm=llm, parallel_tool_calls=False)
    run = _run(agent, "try it")
    assert run.outputs()[0] == "gave up||2"
    failed, unknown = llm.tool_messages()
    assert failed["content"].startswith("Error executing tool `explode`:")
    assert "exploded: boom" in failed["content"]
    assert unknown["content"].startswith("Unknown tool `nope`.")


def test_llm_failure_is_the_result_error() -> None:
    async def broken(model: str, system: str, messages: list[Any], tools: list[Any] | None) -> LLMMessage:
        raise ConnectionError("provider down")

    result = Agent(name="offline", call_llm=broken).run("hello")
    assert result.error == "LLM call failed on turn 1: provider down"
    assert result.summary == ""
    assert result.attempts == 1


def test_without_litellm_the_result_says_how_to_fix_it() -> None:
    import importlib.util

    if importlib.util.find_spec("litellm") is not None:
        return
    result = Agent(name="default-llm").run("hello")
    assert result.error.startswith("LLM call failed on turn 1: litellm is not installed")


def test_plain_functions_mappings_prior_messages_and_events() -> None:
    def shout(text: str) -> str:
        """Upper-cases text."""
        return text.upper()

    events: list[AgentEvent] = []

    async def record(event: AgentEvent) -> None:
        events.append(event)

    llm = ScriptedLLM([LLMMessage(content="", tool_calls=[call("loud", text="hi")]), LLMMessage(content="HI")])
    agent = Agent(name="echo", tools={"loud": shout}, call_llm=llm)
    token = agent_progress_cb.set(record)
    try:
        result = agent.run("say hi", memory=[{"role": "user", "content": "earlier"}])
    finally:
        agent_progress_cb.reset(token)
    assert result.summary == "HI"
    assert llm.requests[0]["messages"][0] == {"role": "user", "content": "earlier"}
    assert llm.tool_messages()[0]["content"] == "HI"
    kinds = [e.type for e in events]
    assert kinds[0] == "agent_start" and kinds[-1] == "agent_end"
    assert "tool_start" in kinds and "tool_end" in kinds
    assert {e.agent for e in events} == {"echo"}
    assert agent.tool_descriptions() == [
        {"name": "loud", "signature": "loud(text: string)", "description": "Upper-cases text."}
    ]


def test_files_travel_between_tools_as_json_objects() -> None:
    def make_report(name: str) -> File:
        """Writes a report."""
        return File(path=f"s3://bucket/{name}.csv")

    def read_report(report: File) -> str:
        """Reads a report."""
        return f"read {report.path}"

    made = {"path": "s3://bucket/q3.csv", "name": "q3.csv", "format": "", "hash": None}
    llm = ScriptedLLM(
        [
            LLMMessage(content="", tool_calls=[call("make_report", name="q3")]),
            LLMMessage(content="", tool_calls=[call("read_report", report=made)]),
            LLMMessage(content="ok"),
        ]
    )
    agent = Agent(tools=[make_report, read_report], call_llm=llm)
    assert "complete result object" in agent.system_prompt
    assert agent.run("report").summary == "ok"
    assert json.loads(llm.tool_messages(1)[0]["content"]) == made
    assert llm.tool_messages()[1]["content"] == "read s3://bucket/q3.csv"
