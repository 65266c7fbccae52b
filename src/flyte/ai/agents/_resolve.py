"""Turning what a user passes as ``tools`` (tasks, functions, :class:`AgentTool`) into tools."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from flyte.ai.agents._tools import AgentTool
from flyte.ai.agents._values import coerce_arguments

_OPEN_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": True}


def short_doc(fn: Any) -> str:
    """The first paragraph of ``fn``'s docstring, on one line."""
    doc = inspect.getdoc(fn) or ""
    return doc.split("\n\n")[0].replace("\n", " ").strip()


def _callable_schema(fn: Callable[..., Any]) -> dict[str, Any]:
    from flyte.models import NativeInterface

    try:
        return NativeInterface.from_callable(fn).json_schema
    except Exception:
        # A callable without readable hints still works as a tool: the LLM gets an open schema.
        return dict(_OPEN_SCHEMA)


def _task_tool(task: Any, name: str | None) -> AgentTool:
    func = task.func
    tool_name = name or func.__name__

    async def execute(arguments: dict[str, Any]) -> Any:
        # ``aio`` inside a running task makes the call a child action of it.
        return await task.aio(**coerce_arguments(task, arguments))

    return AgentTool(
        name=tool_name,
        description=short_doc(func) or f"Run the Flyte task `{task.name}`",
        parameters=task.json_schema,
        execute=execute,
        source="task",
        target=task,
    )


def _function_tool(fn: Callable[..., Any], name: str | None) -> AgentTool:
    inner = getattr(fn, "__wrapped__", fn)
    tool_name = name or getattr(fn, "__name__", None) or type(fn).__name__
    is_async = inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(inner)

    async def execute(arguments: dict[str, Any]) -> Any:
        typed = coerce_arguments(fn, arguments)
        if is_async:
            return await fn(**typed)
        # A blocking function must not stall the loop (other tool calls may run concurrently).
        return await asyncio.to_thread(fn, **typed)

    return AgentTool(
        name=tool_name,
        description=short_doc(inner) or f"Run {tool_name}",
        parameters=_callable_schema(inner),
        execute=execute,
        source="trace" if inner is not fn else "function",
        target=fn,
    )


def to_agent_tool(obj: Any, *, name: str | None = None) -> AgentTool:
    """``obj`` (an :class:`AgentTool`, a task, a ``@flyte.trace`` or plain function) as a tool.

    Raises:
        TypeError: ``obj`` is none of these.
    """
    from flyte._task import TaskTemplate

    if isinstance(obj, AgentTool):
        return obj if not name or name == obj.name else replace(obj, name=name)
    if isinstance(obj, TaskTemplate):
        if not callable(getattr(obj, "func", None)):
            raise TypeError(f"task {obj.name!r} has no Python function to call, so it cannot be an agent tool")
        return _task_tool(obj, name)
    if callable(obj):
        return _function_tool(obj, name)
    raise TypeError(
        f"cannot make a tool of {obj!r} ({type(obj).__name__}): give an AgentTool, an @env.task task, "
        "a @flyte.trace function, a plain function, or a {name: tool} mapping of those"
    )


def resolve_tools(tools: Sequence[Any] | Mapping[str, Any]) -> dict[str, AgentTool]:
    """``tools`` (a sequence, or a mapping of name to tool) as ``name -> AgentTool``.

    Raises:
        ValueError: two tools have the same name.
    """
    if isinstance(tools, (str, bytes)):
        raise TypeError(f"tools must be a list or a {{name: tool}} mapping, got the string {tools!r}")
    pairs: list[tuple[str | None, Any]]
    pairs = [(str(k), v) for k, v in tools.items()] if isinstance(tools, Mapping) else [(None, v) for v in tools]
    resolved: dict[str, AgentTool] = {}
    for name, obj in pairs:
        made = to_agent_tool(obj, name=name)
        if made.name in resolved:
            raise ValueError(f"two tools are named {made.name!r}; rename one (tool(..., name=...) or a mapping)")
        resolved[made.name] = made
    return resolved


def signature_of(tool: AgentTool) -> str:
    """A short signature of ``tool`` from its schema: ``name(a: string, b?: integer)``."""
    schema = tool.parameters if isinstance(tool.parameters, dict) else {}
    required = set(schema.get("required") or [])
    parts = []
    for pname, prop in (schema.get("properties") or {}).items():
        kind = prop.get("type", "any") if isinstance(prop, dict) else "any"
        parts.append(f"{pname}: {kind}" if pname in required else f"{pname}?: {kind}")
    return f"{tool.name}({', '.join(parts)})"


def uses_flyte_io(tools: Mapping[str, AgentTool]) -> bool:
    """Whether any tool takes a :mod:`flyte.io` file, folder or dataframe."""
    import typing

    from flyte.ai.agents._values import input_types
    from flyte.io import DataFrame, Dir, File

    io_types = (File, Dir, DataFrame)

    def mentions_io(tp: Any) -> bool:
        if isinstance(tp, type) and issubclass(tp, io_types):
            return True
        return any(mentions_io(arg) for arg in typing.get_args(tp))

    return any(mentions_io(tp) for t in tools.values() for tp in input_types(t.target).values())
