"""Entry points for orchestrators written as code strings."""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Optional

from flyte._cache import CacheRequest

from ._code_task import CodeTaskTemplate, default_image, functions_by_name, make_code_task
from ._config import SandboxedConfig
from ._runtime import execute
from ._source import code_source


def orchestrator_from_str(
    source: str,
    *,
    inputs: Dict[str, type],
    output: type = type(None),
    tasks: Optional[List[Any]] = None,
    name: str = "sandboxed-code",
    timeout_ms: int = 30_000,
    cache: CacheRequest = "disable",
    retries: int = 0,
    image: Optional[Any] = None,
) -> CodeTaskTemplate:
    """A sandboxed task from a code string, runnable with ``flyte.run`` like any task.

    The code sees each of ``inputs`` as a variable and may call the functions in ``tasks``
    (tasks become actions of the run) by their function name; the value of its last expression
    is the task's output, of type ``output``::

        pipeline = flyte.sandbox.orchestrator_from_str(
            "add(x, y) * 2", inputs={"x": int, "y": int}, output=int, tasks=[add]
        )
        flyte.run(pipeline, x=1, y=2)  # 6

    ``image`` defaults to Debian with flyte and the Monty interpreter.
    """
    return make_code_task(
        source,
        inputs=inputs,
        output=output,
        tasks=tasks,
        name=name,
        config=SandboxedConfig(timeout_ms=timeout_ms),
        cache=cache,
        retries=retries,
        image=image if image is not None else default_image(),
        module=sys._getframe(1).f_globals.get("__name__", "__main__"),
    )


async def orchestrate_local(
    source: str,
    *,
    inputs: Dict[str, Any],
    tasks: Optional[List[Any]] = None,
    timeout_ms: int = 30_000,
) -> Any:
    """Runs a code string once in the sandbox and returns the value of its last expression.

    No task is made: ``inputs`` are values, and the functions in ``tasks`` are called on the
    host (inside a task, called tasks become actions of its run; outside, they run directly).
    """
    owner = "orchestrate_local"
    if not isinstance(inputs, dict):
        raise TypeError(f"{owner}: inputs must map names to values, got {inputs!r}")
    functions = functions_by_name(tasks, owner)
    return await execute(owner, code_source(source), inputs, functions, SandboxedConfig(timeout_ms=timeout_ms))
