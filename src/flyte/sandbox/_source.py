"""The Python source a sandboxed orchestrator runs."""

from __future__ import annotations

import inspect
import textwrap
from typing import Any, Callable


def function_source(func: Callable[..., Any], task_name: str) -> tuple[str, list[str]]:
    """The definition of ``func`` without decorators, followed by a call of it with its inputs.

    Monty evaluates to the value of the last expression, so the trailing call makes the
    snippet's result the function's result. Returns the snippet and the input names.

    Raises:
        TypeError: ``func`` is a generator, or its source cannot be read.
    """
    if inspect.isgeneratorfunction(func) or inspect.isasyncgenfunction(func):
        raise TypeError(f"Sandboxed task '{task_name}' is a generator; orchestrators must return their result")
    try:
        source = textwrap.dedent(inspect.getsource(func))
    except (OSError, TypeError) as e:
        raise TypeError(f"Sandboxed task '{task_name}': cannot read the source of its function ({e})") from None
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith(("def ", "async def ")))
    names = [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    call = f"{func.__name__}({', '.join(f'{n}={n}' for n in names)})"
    if inspect.iscoroutinefunction(func):
        call = f"await {call}"
    return "\n".join(lines[start:]).rstrip() + "\n" + call, names


def code_source(code: str) -> str:
    """A code string ready for the sandbox: dedented, with ``None`` standing in for no code."""
    cleaned = textwrap.dedent(code).strip()
    return cleaned or "None"
