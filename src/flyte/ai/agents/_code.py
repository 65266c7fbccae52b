"""Code mode: the LLM writes Python that calls the tools, run in the ``flyte.sandbox`` (Monty)."""

from __future__ import annotations

import inspect
import re
import textwrap
from typing import Any

from flyte.ai.agents._llm import LLMCallable
from flyte.ai.agents._resolve import signature_of
from flyte.ai.agents._tools import AgentTool, bind_call, invoke_agent_tool

_FENCE = re.compile(r"```(?:python|py)?[ \t]*\n?(.*?)```", re.DOTALL)

_BASIC_RULES = (
    "Sandbox rules: no imports, no class definitions, no file or network access; call only the "
    "functions listed above and Python builtins."
)


def extract_python_code(text: str | None) -> str | None:
    """The first fenced Python block of ``text``; None when there is none (the final answer)."""
    match = _FENCE.search(text or "")
    if match is None:
        return None
    return match.group(1).strip() or None


def _function_of(tool: AgentTool) -> Any:
    from flyte._task import TaskTemplate

    if isinstance(tool.target, TaskTemplate):
        return getattr(tool.target, "func", None)
    return getattr(tool.target, "__wrapped__", tool.target) if callable(tool.target) else None


def sandbox_name(tool: AgentTool) -> str:
    """The name the generated code calls ``tool`` by: its function's name, like the sandbox does."""
    fn = _function_of(tool)
    return getattr(fn, "__name__", None) or tool.name


def build_sandbox_tools(tools: dict[str, AgentTool], *, call_llm: LLMCallable, model: str) -> list[Any]:
    """The agent's tools as the sandbox takes them: tasks stay tasks (they run as child actions),
    functions stay functions, and tools with a ``call_handler`` (or no function) get a wrapper.

    Raises:
        ValueError: two tools would have the same name in the sandbox.
    """
    from flyte._task import TaskTemplate

    out: list[Any] = []
    seen: dict[str, str] = {}
    for tool in tools.values():
        name = sandbox_name(tool)
        if name in seen:
            raise ValueError(
                f"code mode: tools {seen[name]!r} and {tool.name!r} are both called {name!r} in the sandbox; "
                "rename the function of one of them"
            )
        seen[name] = tool.name
        plain = tool.call_handler is None and (
            isinstance(tool.target, TaskTemplate) or (callable(tool.target) and hasattr(tool.target, "__name__"))
        )
        out.append(tool.target if plain else _wrapper(tool, name, call_llm=call_llm, model=model))
    return out


def _wrapper(tool: AgentTool, name: str, *, call_llm: LLMCallable, model: str) -> Any:
    async def call(*args: Any, **kwargs: Any) -> Any:
        return await invoke_agent_tool(tool, bind_call(tool, args, kwargs), call_llm=call_llm, model=model)

    call.__name__ = name
    call.__doc__ = inspect.getdoc(_function_of(tool)) or tool.description
    return call


def _signature(fn: Any) -> str:
    # Evaluated annotations read ``x: int`` rather than ``x: 'int'`` under postponed annotations.
    for evaluate in (True, False):
        try:
            return str(inspect.signature(fn, eval_str=evaluate))
        except (NameError, TypeError, ValueError, SyntaxError):
            continue
    return "(...)"


def _describe(tool: AgentTool) -> str:
    fn = _function_of(tool)
    header = signature_of(tool)
    doc = tool.description
    if fn is not None:
        header = f"{sandbox_name(tool)}{_signature(fn)}"
        doc = inspect.getdoc(fn) or tool.description
    return f"    - {header}\n{textwrap.indent(doc, '        ')}" if doc else f"    - {header}"


def sandbox_rules() -> str:
    """The syntax rules of the sandbox, from ``flyte.sandbox`` when it is installed."""
    try:
        import flyte.sandbox as sandbox
    except ImportError:
        return _BASIC_RULES
    return str(getattr(sandbox, "ORCHESTRATOR_SYNTAX_PROMPT", _BASIC_RULES))


def code_system_prompt(instructions: str, tools: dict[str, AgentTool], skills_block: str) -> str:
    """The system prompt of a code-mode agent."""
    listing = "\n\n".join(_describe(t) for t in tools.values()) or "    (no functions available)"
    return (
        f"{instructions}\n\n"
        "You work in CODE MODE: you act by writing short Python programs, run in a sandbox where "
        "the tools below are ordinary functions.\n\n"
        "Each turn, do exactly one of these:\n"
        "1. Reply with ONE fenced block (```python ... ```) that takes the next step. The value of "
        "its LAST expression comes back to you as the observation.\n"
        "2. Once you know the answer, reply in plain text with NO code block: that is your final "
        "answer.\n\n"
        f"Functions you can call:\n{listing}\n\n"
        f"{sandbox_rules()}\n\n"
        "Take one step at a time and look at each observation; end every program with the value you "
        "want to see; keep data as plain dicts, lists and numbers."
        f"{skills_block}"
    )


async def run_in_sandbox(code: str, tools: list[Any]) -> Any:
    """Runs ``code`` in the sandbox with ``tools`` and returns its last expression's value.

    Raises:
        ImportError: ``flyte.sandbox`` (and its Monty interpreter) is not installed.
    """
    try:
        import flyte.sandbox as sandbox

        orchestrate = sandbox.orchestrate_local
    except (ImportError, AttributeError) as exc:
        raise ImportError(
            "code mode runs the LLM's programs in flyte.sandbox, which needs the Monty interpreter: "
            "install it with `pip install 'flyte[sandbox]'` (pydantic-monty)"
        ) from exc
    return await orchestrate(code, inputs={"_unused": 0}, tasks=tools)
