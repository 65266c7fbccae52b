"""``@tool``: human approval through a condition of the run, call handlers, and ToolFn."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

import flyte
from flyte.ai.agents import Agent, AgentResult, AgentTool, LLMCallable, LLMMessage, MCPServerSpec, ToolFn, tool
from tests.unit.ai.scripted import ScriptedLLM, call
from tests.unit.engine.helpers import actions_of

env = flyte.TaskEnvironment(name="agent_tools")


@tool(requires_approval=True)
@env.task
async def refund(order_id: str, amount: float) -> dict[str, Any]:
    """Refunds an order."""
    return {"order_id": order_id, "refunded": amount}


def _refund_script() -> ScriptedLLM:
    return ScriptedLLM(
        [LLMMessage(content="", tool_calls=[call("refund", order_id="A1", amount=9.5)]), LLMMessage(content="done")]
    )


def _concierge(llm: ScriptedLLM) -> Any:
    agent = Agent(name="concierge", tools=[refund], call_llm=llm)

    @env.task
    async def concierge(request: str) -> str:
        result: AgentResult = await agent.run.aio(request)
        return result.summary or result.error

    return concierge


@pytest.mark.parametrize("answer", ["true", "false"])
def test_approval_is_a_condition_signalled_for_the_run(answer: str) -> None:
    llm = _refund_script()
    run = flyte.with_runcontext(mode="local", signals={"approve_refund": answer}).run(_concierge(llm), "refund A1")
    assert run.outputs()[0] == "done"
    [result] = llm.tool_messages()
    refunded = [a for a in actions_of(run.name) if a["task_name"] == "agent_tools.refund"]
    if answer == "true":
        assert result["content"] == '{"order_id": "A1", "refunded": 9.5}'
        assert len(refunded) == 1
    else:
        assert "declined" in result["content"]
        assert refunded == []


def test_outside_a_task_approval_is_denied() -> None:
    llm = _refund_script()
    assert Agent(tools=[refund], call_llm=llm).run("refund").summary == "done"
    assert "declined" in llm.tool_messages()[0]["content"]


def test_approval_callback_replaces_the_condition() -> None:
    asked: list[tuple[str, dict[str, Any]]] = []

    async def approve(t: AgentTool, arguments: dict[str, Any]) -> bool:
        asked.append((t.name, arguments))
        return True

    llm = _refund_script()
    Agent(tools=[refund], call_llm=llm, approval_callback=approve).run("refund")
    assert asked == [("refund", {"order_id": "A1", "amount": 9.5})]
    # Outside a task the task's function runs directly.
    assert llm.tool_messages()[0]["content"] == '{"order_id": "A1", "refunded": 9.5}'


def test_call_handler_gets_the_agent_llm_and_the_tool() -> None:
    seen: dict[str, Any] = {}

    async def handler(call_llm: LLMCallable, tool_fn: ToolFn, **kwargs: Any) -> Any:
        advice = await call_llm(tool_fn.model, "size it", [{"role": "user", "content": tool_fn.name}], None)
        seen.update(model=tool_fn.model, target=tool_fn.target, kwargs=kwargs, advice=advice.content)
        return await tool_fn(**kwargs)

    @tool(call_handler=handler, name="scale", description="Scales a number.")
    def double(x: int) -> int:
        return x * 2

    llm = ScriptedLLM(
        [LLMMessage(content="", tool_calls=[call("scale", x="4")]), LLMMessage(content="sized"), LLMMessage("8")]
    )
    result = Agent(tools=[double], call_llm=llm, model="m-1").run("go")
    assert seen["model"] == "m-1"
    assert seen["kwargs"] == {"x": 4}  # JSON "4" typed as the function's int
    assert seen["advice"] == "sized"
    assert callable(seen["target"])
    assert llm.tool_messages()[0]["content"] == "8"
    assert result.summary == "8"


def test_tool_options_and_errors() -> None:
    wrapped = tool(refund, name="give_back", description="Gives money back.")
    assert (wrapped.name, wrapped.description, wrapped.requires_approval) == ("give_back", "Gives money back.", False)
    assert wrapped.__wrapped_task__ is refund.target
    assert wrapped.to_openai_format()["function"]["parameters"]["required"] == ["order_id", "amount"]
    with pytest.raises(TypeError, match="cannot make a tool of 42"):
        tool(42)
    with pytest.raises(ValueError, match="two tools are named 'refund'"):
        Agent(tools=[refund, refund])
    with pytest.raises(TypeError, match="keyword arguments only"):
        import asyncio

        fn = ToolFn("t", "", {}, "m", None, "custom", refund.execute)
        asyncio.run(fn(1))


def test_constructor_refuses_what_cannot_work() -> None:
    with pytest.raises(ValueError, match="max_turns must be a positive integer"):
        Agent(max_turns=0)
    with pytest.raises(TypeError, match="call_llm must be an async callable"):
        Agent(call_llm="gpt")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="mcp_servers must be MCPServerSpec"):
        Agent(mcp_servers=["http://x"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="tools must be a list"):
        Agent(tools="add")
    with pytest.raises(ValueError, match="needs a url or a command"):
        MCPServerSpec(name="empty")
    with pytest.raises(ValueError, match="stdio transport needs a command"):
        MCPServerSpec(name="x", url="http://127.0.0.1:1/mcp", transport="stdio")
    if importlib.util.find_spec("mcp") is None:
        with pytest.raises(ImportError, match="`mcp` package is not installed"):
            Agent(mcp_servers=[MCPServerSpec(name="git", command=["mcp-server-git"])])


def test_each_approval_of_a_run_has_its_own_condition() -> None:
    llm = ScriptedLLM(
        [
            LLMMessage(content="", tool_calls=[call("refund", "c1", order_id="A1", amount=1.0)]),
            LLMMessage(content="", tool_calls=[call("refund", "c2", order_id="A2", amount=2.0)]),
            LLMMessage(content="both asked"),
        ]
    )
    signals = {"approve_refund": "yes", "approve_refund_2": "no"}
    run = flyte.with_runcontext(mode="local", signals=signals).run(_concierge(llm), "two refunds")
    assert run.outputs()[0] == "both asked"
    first, second = llm.tool_messages()
    assert first["content"] == '{"order_id": "A1", "refunded": 1.0}'
    assert "declined" in second["content"]


async def _right_size(call_llm: LLMCallable, tool_fn: ToolFn, **kwargs: Any) -> Any:
    sized = tool_fn.target.override(resources=flyte.Resources(cpu=1, memory="1Gi"))
    return await sized.aio(**kwargs)


@tool(call_handler=_right_size)
@env.task
async def train(rows: int) -> int:
    """Trains on some rows."""
    return rows * 10


def test_call_handler_can_run_the_task_with_overrides_as_a_child_action() -> None:
    llm = ScriptedLLM([LLMMessage(content="", tool_calls=[call("train", rows=3)]), LLMMessage(content="trained")])
    agent = Agent(name="trainer", tools=[train], call_llm=llm)

    @env.task
    async def drive(request: str) -> str:
        result: AgentResult = await agent.run.aio(request)
        return result.summary

    run = flyte.with_runcontext(mode="local").run(drive, "train")
    assert run.outputs()[0] == "trained"
    assert llm.tool_messages()[0]["content"] == "30"
    assert [a["task_name"] for a in actions_of(run.name)].count("agent_tools.train") == 1
