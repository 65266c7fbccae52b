"""Code mode: the LLM's Python runs in flyte.sandbox and calls the tools (tasks become actions)."""

from __future__ import annotations

import pytest

import flyte
from flyte.ai.agents import Agent, LLMMessage
from flyte.ai.agents._code import extract_python_code
from tests.unit.ai.scripted import ScriptedLLM
from tests.unit.engine.helpers import actions_of

pytest.importorskip("pydantic_monty")

env = flyte.TaskEnvironment(name="agent_code")


@env.task
async def square(x: int) -> int:
    """Squares x."""
    return x * x


def _fence(code: str) -> LLMMessage:
    return LLMMessage(content=f"Next step:\n```python\n{code}\n```")


def test_code_runs_in_the_sandbox_and_tasks_become_child_actions() -> None:
    llm = ScriptedLLM([_fence("[square(i) for i in [1, 2, 3]]"), LLMMessage(content="1, 4 and 9")])
    agent = Agent(name="coder", tools=[square], call_llm=llm, code_mode=True)

    @env.task
    async def drive(request: str) -> str:
        result = await agent.run.aio(request)
        return f"{result.summary}|{result.code}|{result.error}"

    run = flyte.with_runcontext(mode="local").run(drive, "squares")
    assert run.outputs()[0] == "1, 4 and 9|[square(i) for i in [1, 2, 3]]|"
    assert llm.requests[1]["messages"][-1]["content"] == "Execution result:\n[1, 4, 9]"
    assert [a["task_name"] for a in actions_of(run.name)].count("agent_code.square") == 3
    assert llm.requests[0]["tools"] is None
    assert "square(x: int) -> int" in llm.requests[0]["system"]


def test_sandbox_errors_go_back_to_the_llm() -> None:
    llm = ScriptedLLM([_fence("undefined_function(1)"), LLMMessage(content="sorry")])
    result = Agent(tools=[square], call_llm=llm, code_mode=True).run("go")
    assert result.summary == "sorry"
    feedback = llm.requests[1]["messages"][-1]["content"]
    assert feedback.startswith("Your code failed:")
    assert "undefined_function" in feedback


def test_extract_python_code() -> None:
    assert extract_python_code("no code here") is None
    assert extract_python_code("```py\nx = 1\nx\n```") == "x = 1\nx"
    assert extract_python_code("```\n\n```") is None
