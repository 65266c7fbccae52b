"""The :class:`Agent`: an LLM that calls Flyte tasks (and functions, and MCP tools) as tools.

Each turn the LLM gets the conversation and the tool schemas. When it asks for tool calls they
run (inside a task, a task tool runs as a child action of it), their results go back into the
conversation and the next turn starts; a reply without tool calls is the final answer. In code
mode the LLM writes Python calling the tools instead, run in ``flyte.sandbox``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pathlib
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import flyte
import flyte.report
from flyte._syncify import syncify
from flyte.ai.agents._approval import ApprovalCallback, condition_approval
from flyte.ai.agents._events import AgentEvent, AgentProgressCallback, agent_progress_cb, current_run, emit
from flyte.ai.agents._llm import LLMCallable, LLMMessage, default_call_llm
from flyte.ai.agents._mcp import MCPServerSpec
from flyte.ai.agents._resolve import resolve_tools, signature_of, to_agent_tool, uses_flyte_io
from flyte.ai.agents._tools import AgentTool, bind_agent, invoke_agent_tool
from flyte.ai.agents._values import abbreviate, result_text
from flyte.ai.agents.memory import MemoryStore
from flyte.ai.agents.protocol import AgentResult

__all__ = ["Agent", "AgentEvent", "AgentProgressCallback", "AgentTool", "agent_progress_cb"]

logger = logging.getLogger(__name__)

_REPORT_TAB = "Agent"

Memory = list[dict[str, Any]] | MemoryStore | None

#: What one turn decided after the LLM replied: the final answer, or None to go on.
_Step = Callable[[LLMMessage, list[dict[str, Any]], int], Awaitable[str | None]]


@dataclass
class _Outcome:
    turns: int
    final_text: str
    error: str
    memory: MemoryStore | None


@dataclass(kw_only=True)
class Agent:
    """An LLM tool-use loop whose tools are Flyte tasks, functions and MCP tools.

    Args:
        name: the agent's name (events, reports, action groups).
        instructions: the system prompt; the tool list and ``skills`` are added to it.
        model: the model name given to ``call_llm`` (a litellm model name by default).
        tools: tools as a list, or a ``{name: tool}`` mapping: ``@env.task`` tasks,
            ``@flyte.trace`` or plain functions, :class:`AgentTool` (see :func:`tool`).
        mcp_servers: MCP servers whose tools are added on the first run (needs ``mcp``).
        skills: more context for the system prompt: strings, or paths of text files.
        max_turns: at most this many LLM calls per run; reaching it is an error of the result.
        call_llm: ``async (model, system, messages, tools) -> LLMMessage``; litellm by default.
        approval_callback: ``async (tool, arguments) -> bool`` deciding on calls of tools with
            ``requires_approval``; by default a person answers a ``flyte.new_condition``.
        parallel_tool_calls: run the tool calls of one reply concurrently (else in order).
        code_mode: the LLM writes Python that calls the tools, run in ``flyte.sandbox`` (needs
            ``flyte[sandbox]``); tool approval does not apply there.
    """

    name: str = "flyte-agent"
    instructions: str = "You are a helpful assistant."
    model: str = "claude-haiku-4-5"
    tools: Sequence[Any] | Mapping[str, Any] = field(default_factory=tuple)
    mcp_servers: Sequence[MCPServerSpec] = field(default_factory=tuple)
    skills: Sequence[str | pathlib.Path] = field(default_factory=tuple)
    max_turns: int = 25
    call_llm: LLMCallable = field(default=default_call_llm)
    approval_callback: ApprovalCallback = field(default=condition_approval)
    parallel_tool_calls: bool = True
    code_mode: bool = False

    _registry: dict[str, AgentTool] = field(init=False, repr=False, default_factory=dict)
    _mcp_loaded: bool = field(init=False, repr=False, default=False)
    _system_prompt: str = field(init=False, repr=False, default="")

    def __post_init__(self) -> None:
        self._validate()
        self._registry = {
            n: bind_agent(t, call_llm=self.call_llm, model=self.model) for n, t in resolve_tools(self.tools).items()
        }
        gated = [t.name for t in self._registry.values() if t.requires_approval]
        if self.code_mode and gated:
            logger.warning(
                "agent %r runs in code mode, where tools are called from the sandbox: approval is not asked for %s",
                self.name,
                ", ".join(gated),
            )
        self._system_prompt = self._build_system_prompt()

    def _validate(self) -> None:
        where = f"Agent {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"Agent name must be a non-empty string, got {self.name!r}")
        if not isinstance(self.model, str) or not self.model:
            raise ValueError(f"{where}: model must be a non-empty string, got {self.model!r}")
        if isinstance(self.max_turns, bool) or not isinstance(self.max_turns, int) or self.max_turns < 1:
            raise ValueError(f"{where}: max_turns must be a positive integer, got {self.max_turns!r}")
        if not callable(self.call_llm):
            raise TypeError(f"{where}: call_llm must be an async callable, got {self.call_llm!r}")
        if not callable(self.approval_callback):
            raise TypeError(f"{where}: approval_callback must be an async callable, got {self.approval_callback!r}")
        for skill in self.skills:
            if not isinstance(skill, (str, pathlib.Path)):
                raise TypeError(f"{where}: skills must be strings or pathlib.Path, got {skill!r}")
        for spec in self.mcp_servers:
            if not isinstance(spec, MCPServerSpec):
                raise TypeError(f"{where}: mcp_servers must be MCPServerSpec, got {spec!r}")
        if self.mcp_servers:
            try:
                import mcp  # noqa: F401
            except ImportError as exc:
                raise ImportError(
                    f"{where} has mcp_servers but the `mcp` package is not installed: `pip install mcp`"
                ) from exc

    @property
    def system_prompt(self) -> str:
        """The full system prompt: instructions, tools and skills."""
        return self._system_prompt

    def tool_descriptions(self) -> list[dict[str, str]]:
        """``{"name", "signature", "description"}`` of every tool (MCP tools after the first run)."""
        return [
            {"name": t.name, "signature": signature_of(t), "description": t.description}
            for t in self._registry.values()
        ]

    def add_tool(self, obj: Any, *, name: str | None = None) -> AgentTool:
        """Adds a tool after construction (one built from objects of the running task, say).

        Raises:
            ValueError: a tool of that name exists.
        """
        new = bind_agent(to_agent_tool(obj, name=name), call_llm=self.call_llm, model=self.model)
        if new.name in self._registry:
            raise ValueError(f"Agent {self.name!r} already has a tool named {new.name!r}")
        self._registry[new.name] = new
        self._system_prompt = self._build_system_prompt()
        return new

    def _build_system_prompt(self) -> str:
        skills_block = ""
        if self.skills:
            texts = [s.read_text() if isinstance(s, pathlib.Path) else s for s in self.skills]
            skills_block = "\n\nAdditional context / skills:\n" + "\n\n".join(texts)
        if self.code_mode:
            from flyte.ai.agents._code import code_system_prompt

            return code_system_prompt(self.instructions, self._registry, skills_block)
        listing = "\n".join(f"- {t.name}: {t.description}" for t in self._registry.values())
        io_hint = ""
        if uses_flyte_io(self._registry):
            io_hint = (
                "\n\nSome tools take or return files, folders or dataframes as JSON objects with a `path`: "
                "pass a tool's complete result object to the tool that takes it, and keep calling tools "
                "until the request is done."
            )
        return (
            f"{self.instructions}\n\n"
            "You can call these tools (their JSON schemas come with the request):\n"
            f"{listing or '(no tools)'}\n"
            "Call tools when they help; reply in plain text when you have the final answer."
            f"{io_hint}{skills_block}"
        )

    @syncify
    async def run(self, message: str, memory: Memory = None) -> AgentResult:
        """Runs the loop on ``message`` until the LLM gives a final answer or ``max_turns`` is hit.

        ``memory`` is None (no history), a list of prior chat messages, or a
        :class:`MemoryStore` whose messages come first and which gets this run's messages
        appended (save it with ``memory.save()``). Errors of the LLM call, and ``max_turns``,
        end the run with ``AgentResult.error`` set; errors of tools go back to the LLM.
        ``await agent.run.aio(...)`` in async code.
        """
        if not isinstance(message, str):
            raise TypeError(f"Agent {self.name!r}: run() takes the message as a string, got {message!r}")
        if memory is not None and not isinstance(memory, (list, MemoryStore)):
            raise TypeError(f"Agent {self.name!r}: memory must be None, a list of messages or a MemoryStore")
        if self.code_mode:
            return await self._run_code_mode(message, memory)
        outcome = await self._loop(message, memory, self._tool_step, tools_schema=self._tools_schema())
        return AgentResult(
            summary=outcome.final_text, error=outcome.error, attempts=outcome.turns, memory=outcome.memory
        )

    def _tools_schema(self) -> list[dict[str, Any]] | None:
        return [t.to_openai_format() for t in self._registry.values()] or None

    async def _tool_step(self, reply: LLMMessage, messages: list[dict[str, Any]], turn: int) -> str | None:
        text = reply.content or ""
        entry: dict[str, Any] = {"role": "assistant", "content": text}
        if reply.tool_calls:
            entry["tool_calls"] = [
                {
                    "id": call["id"],
                    "type": "function",
                    "function": {"name": call["name"], "arguments": json.dumps(call.get("arguments") or {})},
                }
                for call in reply.tool_calls
            ]
        messages.append(entry)
        await emit(AgentEvent("message", {"role": "assistant", "content": text}))
        if not reply.tool_calls:
            await emit(AgentEvent("turn_end", {"turn": turn, "had_tool_calls": False, "text_len": len(text)}))
            return text
        results = await self._run_calls(reply.tool_calls)
        for call, result in zip(reply.tool_calls, results, strict=True):
            messages.append({"role": "tool", "tool_call_id": call["id"], "name": call["name"], "content": result})
        await emit(AgentEvent("turn_end", {"turn": turn, "had_tool_calls": True, "tool_count": len(results)}))
        return None

    async def _run_calls(self, calls: list[dict[str, Any]]) -> list[str]:
        if self.parallel_tool_calls and len(calls) > 1:
            return list(await asyncio.gather(*(self._run_call(c) for c in calls)))
        return [await self._run_call(c) for c in calls]

    async def _run_call(self, call: dict[str, Any]) -> str:
        """One tool call's result text; failures become text the LLM can act on."""
        name = call["name"]
        arguments = call.get("arguments") or {}
        if not isinstance(arguments, dict):
            arguments = {"_raw": arguments}
        tool = self._registry.get(name)
        if tool is None:
            await emit(AgentEvent("tool_error", {"tool": name, "error": "unknown tool"}))
            return f"Unknown tool `{name}`. Available tools: {', '.join(self._registry) or 'none'}."
        if tool.requires_approval:
            await emit(AgentEvent("approval_request", {"tool": name, "args": arguments}))
            approved = bool(await self.approval_callback(tool, arguments))
            await emit(AgentEvent("approval_decision", {"tool": name, "approved": approved}))
            if not approved:
                return f"A human reviewer declined the call of tool `{name}`. Try another approach."
        await emit(AgentEvent("tool_start", {"tool": name, "args": arguments}))
        try:
            result = await invoke_agent_tool(tool, arguments, call_llm=self.call_llm, model=self.model)
        except Exception as exc:
            await emit(AgentEvent("tool_error", {"tool": name, "error": str(exc)}))
            return f"Error executing tool `{name}`: {exc}"
        await emit(AgentEvent("tool_end", {"tool": name, "result": abbreviate(result)}))
        return result_text(result)

    async def _run_code_mode(self, message: str, memory: Memory) -> AgentResult:
        from flyte.ai.agents._code import build_sandbox_tools, extract_python_code, run_in_sandbox

        sandbox_tools = build_sandbox_tools(self._registry, call_llm=self.call_llm, model=self.model)
        last_code = ""

        async def step(reply: LLMMessage, messages: list[dict[str, Any]], turn: int) -> str | None:
            nonlocal last_code
            text = reply.content or ""
            messages.append({"role": "assistant", "content": text})
            await emit(AgentEvent("message", {"role": "assistant", "content": text}))
            code = extract_python_code(text)
            if code is None:
                await emit(AgentEvent("turn_end", {"turn": turn, "had_code": False, "text_len": len(text)}))
                return text
            last_code = code
            await emit(AgentEvent("tool_start", {"tool": "<sandbox>", "code": code}))
            try:
                with flyte.group(f"{self.name}-sandbox-{turn}"):
                    value = await run_in_sandbox(code, sandbox_tools)
            except Exception as exc:
                await emit(AgentEvent("tool_error", {"tool": "<sandbox>", "error": str(exc)}))
                messages.append(
                    {
                        "role": "user",
                        "content": f"Your code failed:\n\n```\n{exc}\n```\n\nFix it and try again, within the "
                        "sandbox rules.",
                    }
                )
                await emit(AgentEvent("turn_end", {"turn": turn, "had_code": True, "error": True}))
                return None
            observed = result_text(value)
            await emit(AgentEvent("tool_end", {"tool": "<sandbox>", "result": abbreviate(value)}))
            messages.append(
                {
                    "role": "user",
                    "content": f"Execution result:\n{observed}" if observed else "Execution result: (no value)",
                }
            )
            await emit(AgentEvent("turn_end", {"turn": turn, "had_code": True}))
            return None

        outcome = await self._loop(message, memory, step, tools_schema=None, mode="code")
        return AgentResult(
            code=last_code,
            summary=outcome.final_text,
            error=outcome.error,
            attempts=outcome.turns,
            memory=outcome.memory,
        )

    async def _load_mcp(self) -> None:
        if self._mcp_loaded or not self.mcp_servers:
            return
        from flyte.ai.agents._mcp import load_mcp_tools

        for loaded in await load_mcp_tools(self.mcp_servers):
            if loaded.name in self._registry:
                logger.warning("agent %r: MCP tool %r has the name of another tool; skipped", self.name, loaded.name)
                continue
            self._registry[loaded.name] = loaded
        self._mcp_loaded = True
        self._system_prompt = self._build_system_prompt()

    async def _loop(
        self,
        message: str,
        memory: Memory,
        step: _Step,
        *,
        tools_schema: list[dict[str, Any]] | None,
        mode: str | None = None,
    ) -> _Outcome:
        """The turns common to both modes; ``step`` handles each reply."""
        from flyte.ai.agents._events import report_callback

        identity = current_run.set((self.name, uuid.uuid4().hex[:8]))
        callback = agent_progress_cb.set(report_callback(_REPORT_TAB, agent_progress_cb.get()))
        try:
            await self._load_mcp()
            if tools_schema is not None:
                tools_schema = self._tools_schema()
            start: dict[str, Any] = {"name": self.name, "model": self.model}
            if mode is not None:
                start["mode"] = mode
            await emit(AgentEvent("agent_start", start))
            started = time.monotonic()
            store = memory if isinstance(memory, MemoryStore) else None
            prior = list(store.messages) if store is not None else list(memory) if isinstance(memory, list) else []
            messages: list[dict[str, Any]] = [*prior, {"role": "user", "content": message}]
            turns, final_text, error = 0, "", ""
            for turn in range(1, self.max_turns + 1):
                turns = turn
                await emit(AgentEvent("turn_start", {"turn": turn, "max_turns": self.max_turns}))
                try:
                    with flyte.group(f"{self.name}-turn-{turn}"):
                        reply = await self.call_llm(self.model, self._system_prompt, list(messages), tools_schema)
                except Exception as exc:
                    error = f"LLM call failed on turn {turn}: {exc}"
                    break
                answer = await step(reply, messages, turn)
                if answer is not None:
                    final_text = answer
                    break
            else:
                error = f"Reached max_turns={self.max_turns} without producing a final answer."
            if store is not None:
                store.extend(messages[len(prior) :])
            elapsed = int((time.monotonic() - started) * 1000)
            await emit(
                AgentEvent(
                    "agent_end", {"turns": turns, "elapsed_ms": elapsed, "error": error, "summary_len": len(final_text)}
                )
            )
            return _Outcome(turns=turns, final_text=final_text, error=error, memory=store)
        finally:
            flyte.report.flush()
            agent_progress_cb.reset(callback)
            current_run.reset(identity)
