"""Tools of an agent: :class:`AgentTool` (what the LLM sees and how a call runs), the
:func:`tool` decorator, and :class:`ToolFn`, the tool as a ``call_handler`` receives it."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, overload

from flyte.ai.agents._llm import LLMCallable, default_call_llm

#: How a tool call runs: ``await execute(arguments)`` with the LLM's arguments by name.
ToolExecutor = Callable[[dict[str, Any]], Awaitable[Any]]

#: ``await handler(call_llm, tool_fn, **arguments)`` runs in place of a tool's default behaviour;
#: ``await tool_fn(**arguments)`` runs that default, ``tool_fn.target`` is the wrapped task or
#: function. What the handler returns is the tool's result.
ToolCallHandler = Callable[..., Awaitable[Any]]

ToolSource = Literal["function", "task", "trace", "remote_task", "mcp", "custom"]

_DEFAULT_MODEL = "claude-haiku-4-5"


@dataclass
class AgentTool:
    """A tool as the agent knows it: the name, description and JSON schema shown to the LLM, and
    ``execute`` that runs a call.

    Agents build these from tasks and functions; build one yourself (or use :func:`tool`) to
    rename a tool, change its description, give it a schema of your own, put it behind human
    approval (``requires_approval``) or change how it runs (``call_handler``).
    """

    name: str
    description: str
    parameters: dict[str, Any]
    execute: ToolExecutor
    requires_approval: bool = False
    source: ToolSource = "function"
    target: Any = None
    call_handler: ToolCallHandler | None = None
    call_llm: LLMCallable | None = None
    model: str | None = None

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"AgentTool needs a non-empty name, got {self.name!r}")
        if not callable(self.execute):
            raise TypeError(f"AgentTool {self.name!r}: execute must be an async callable, got {self.execute!r}")

    async def aio(self, *args: Any, **kwargs: Any) -> Any:
        """Calls the tool like its target: a task runs as a child action, a ``call_handler``
        runs with the owning agent's LLM callback."""
        from flyte._task import TaskTemplate

        if self.call_handler is None and isinstance(self.target, TaskTemplate):
            return await self.target.aio(*args, **kwargs)
        return await invoke_agent_tool(self, bind_call(self, args, kwargs))

    def __call__(self, *args: Any, **kwargs: Any) -> Awaitable[Any]:
        """Same as :meth:`aio`: returns an awaitable."""
        return self.aio(*args, **kwargs)

    def to_openai_format(self) -> dict[str, Any]:
        """The tool in the OpenAI / litellm ``tools`` format."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    @property
    def __wrapped_task__(self) -> Any:
        """The task this tool wraps, or None: ``@tool`` over ``@env.task`` hides the task behind
        the tool in its module, and this is how a loader finds it again."""
        from flyte._task import TaskTemplate

        return self.target if isinstance(self.target, TaskTemplate) else None


@dataclass
class ToolFn:
    """The tool being called, as a ``call_handler`` gets it.

    ``await tool_fn(**arguments)`` runs the tool's default behaviour; ``target`` is the wrapped
    task (``tool_fn.target.override(resources=...).aio(**arguments)``), function or None;
    ``model`` is the agent's model, for handlers that consult ``call_llm``.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    model: str
    target: Any
    source: str
    _execute: ToolExecutor

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Runs the tool's default behaviour with keyword arguments."""
        if args:
            raise TypeError(f"tool {self.name!r} takes keyword arguments only, got positional arguments {args!r}")
        return await self._execute(kwargs)


def bind_call(tool: AgentTool, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """A Python-style call of ``tool`` (from code, or code mode) as arguments by name."""
    from flyte._task import TaskTemplate

    fn = (
        getattr(tool.target, "func", None)
        if isinstance(tool.target, TaskTemplate)
        else getattr(tool.target, "__wrapped__", tool.target)
    )
    if not callable(fn):
        if args:
            raise TypeError(f"tool {tool.name!r} takes keyword arguments only, got positional arguments {args!r}")
        return dict(kwargs)
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"tool {tool.name!r}: {exc}") from exc
    bound.apply_defaults()
    return dict(bound.arguments)


async def invoke_agent_tool(
    tool: AgentTool,
    arguments: dict[str, Any],
    *,
    call_llm: LLMCallable | None = None,
    model: str | None = None,
) -> Any:
    """Runs one call of ``tool``: through its ``call_handler`` when it has one."""
    if tool.call_handler is None:
        return await tool.execute(arguments)
    from flyte.ai.agents._values import coerce_arguments

    tool_fn = ToolFn(
        name=tool.name,
        description=tool.description,
        parameters=tool.parameters,
        model=model or tool.model or _DEFAULT_MODEL,
        target=tool.target,
        source=tool.source,
        _execute=tool.execute,
    )
    llm = call_llm or tool.call_llm or default_call_llm
    return await tool.call_handler(llm, tool_fn, **coerce_arguments(tool.target, arguments))


def bind_agent(tool: AgentTool, *, call_llm: LLMCallable, model: str) -> AgentTool:
    """``tool`` with the agent's LLM callback and model, for its ``call_handler``."""
    if tool.call_handler is None:
        return tool
    return replace(tool, call_llm=call_llm, model=model)


@overload
def tool(
    obj: Any,
    /,
    *,
    name: str | None = ...,
    description: str | None = ...,
    requires_approval: bool = ...,
    call_handler: ToolCallHandler | None = ...,
) -> AgentTool: ...


@overload
def tool(
    *,
    name: str | None = ...,
    description: str | None = ...,
    requires_approval: bool = ...,
    call_handler: ToolCallHandler | None = ...,
) -> Callable[[Any], AgentTool]: ...


def tool(
    obj: Any = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    requires_approval: bool = False,
    call_handler: ToolCallHandler | None = None,
) -> AgentTool | Callable[[Any], AgentTool]:
    """Makes a task, ``@flyte.trace`` function, plain function or remote task an :class:`AgentTool`.

    Use it bare (``@tool``), with options (``@tool(requires_approval=True)`` above
    ``@env.task``) or as a call (``tool(issue_refund, requires_approval=True)``).

    Args:
        obj: what to wrap; omitted when ``tool`` is used with options.
        name: the name the LLM sees (default: the function's name).
        description: what the LLM is told the tool does (default: the docstring's first paragraph).
        requires_approval: a person approves every call first (see ``Agent.approval_callback``).
        call_handler: ``async (call_llm, tool_fn, **arguments)`` run instead of the tool; see
            :data:`ToolCallHandler`.
    """
    if call_handler is not None and not callable(call_handler):
        raise TypeError(f"tool(): call_handler must be an async callable, got {call_handler!r}")

    def wrap(target: Any) -> AgentTool:
        from flyte.ai.agents._resolve import to_agent_tool

        base = to_agent_tool(target, name=name)
        return replace(
            base,
            description=base.description if description is None else description,
            requires_approval=requires_approval,
            call_handler=base.call_handler if call_handler is None else call_handler,
        )

    return wrap if obj is None else wrap(obj)
