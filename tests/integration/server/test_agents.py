"""An agent on a real server: a task wrapped as a tool (``@tool`` over ``@env.task``) runs as a
child action in the server's workers, who find the task behind the tool."""

from __future__ import annotations

from pathlib import Path

import flyte
import flyte.remote
from tests.fixtures.server import ServerHandle
from tests.integration.server._support import connect, finished, load_workflow

WORKFLOW = """
import flyte
from flyte.ai.agents import Agent, LLMMessage, tool

env = flyte.TaskEnvironment(name="served_agent")


@tool(requires_approval=False)
@env.task
async def double(x: int) -> int:
    '''Doubles a number.'''
    return 2 * x


async def scripted_llm(model, system, messages, tools):
    # First a tool call, then an answer built from the tool's result.
    results = [m["content"] for m in messages if m["role"] == "tool"]
    if not results:
        return LLMMessage(content="", tool_calls=[{"id": "c1", "name": "double", "arguments": {"x": 21}}])
    return LLMMessage(content=f"doubled: {results[0]}")


agent = Agent(name="doubler", tools=[double], call_llm=scripted_llm, max_turns=3)


@env.task
async def ask(request: str) -> str:
    result = await agent.run.aio(request)
    return result.summary or result.error or ""
"""


def test_a_tool_task_runs_as_a_child_action_on_the_server(flyte_server: ServerHandle, tmp_path: Path) -> None:
    connect(flyte_server, tmp_path)
    wf = load_workflow(WORKFLOW, tmp_path)
    run = finished(flyte.run(wf.ask, "double 21"))
    assert run.phase == "SUCCEEDED", run.error
    assert run.outputs()[0] == "doubled: 42"
    children = [a for a in run.actions() if a.parent == "a0"]
    assert [(a.task_name, a.phase) for a in children] == [("served_agent.double", "SUCCEEDED")]
