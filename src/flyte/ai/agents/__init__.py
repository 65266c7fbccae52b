"""flyte.ai.agents: LLM agents whose tools are Flyte tasks.

An :class:`Agent` sends the conversation and its tools' schemas to an LLM (litellm by default,
or any ``call_llm`` callback), runs the tool calls it asks for (a task tool runs as a child
action of the task running the agent) and loops until the LLM answers::

    agent = Agent(name="ops", instructions="...", tools=[lookup_order, tool(issue_refund, requires_approval=True)])

    @env.task
    async def concierge(request: str) -> str:
        result = await agent.run.aio(request)
        return result.summary or result.error
"""

from flyte.ai.agents._llm import LLMCallable, LLMMessage
from flyte.ai.agents._mcp import MCPServerSpec
from flyte.ai.agents._tools import ToolCallHandler, ToolFn, tool
from flyte.ai.agents.agent import Agent, AgentEvent, AgentTool, agent_progress_cb
from flyte.ai.agents.memory import AccessDenied, ConcurrencyError, MemoryMeta, MemoryStore, MemoryStoreError
from flyte.ai.agents.protocol import AgentProtocol, AgentResult

__all__ = [
    "AccessDenied",
    "Agent",
    "AgentEvent",
    "AgentProtocol",
    "AgentResult",
    "AgentTool",
    "ConcurrencyError",
    "LLMCallable",
    "LLMMessage",
    "MCPServerSpec",
    "MemoryMeta",
    "MemoryStore",
    "MemoryStoreError",
    "ToolCallHandler",
    "ToolFn",
    "agent_progress_cb",
    "tool",
]
