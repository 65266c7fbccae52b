"""Runs orchestrator code in Monty, answering its calls to tasks on the host.

Each execution gets its own Monty worker pool and session: starting one costs a few
milliseconds, and owning it means the worker process is gone when the execution ends (nothing
process-wide to leak or to share across event loops). The sandbox suspends at every call to an
external function; the host awaits the real task (an ordinary action of the current run) and
resumes the sandbox with its value. OS access (files, environment, clock) is declined, so it
raises inside the sandbox at the offending line.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any, Callable, Mapping

from flyte.errors import RuntimeUserError

from ._config import SandboxedConfig
from ._values import from_sandbox, to_sandbox

if TYPE_CHECKING:
    from types import ModuleType

INSTALL_HINT = "pip install 'openflyte[sandbox]'"

#: The built-in that maps a task over iterables, like flyte.map.
MAP_BUILTIN = "flyte_map"

# No clock and no entropy inside the sandbox: the same inputs always take the same path, which
# is what makes an orchestrator safe to re-run. Routed to the host, which declines them.
_OS_POLICY: dict[str, Any] = {"datetime": "call_host", "random_start": "call_host"}


def load_monty(task_name: str) -> ModuleType:
    """The ``pydantic_monty`` module.

    Raises:
        ImportError: one line naming the task and how to install the sandbox extra.
    """
    try:
        import pydantic_monty
    except ImportError:
        raise ImportError(
            f"Sandboxed task '{task_name}' needs the Monty interpreter (pydantic-monty): {INSTALL_HINT}"
        ) from None
    return pydantic_monty


def _limits(config: SandboxedConfig) -> dict[str, Any]:
    seconds = config.timeout_ms / 1000
    return {
        "max_feed_duration_secs": seconds,
        "max_total_sleep_secs": seconds,
        "max_memory": config.max_memory,
        "max_recursion_depth": config.max_stack_depth,
    }


async def call_external(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    """Calls a host function for the sandbox and returns its value.

    A task is called through ``aio`` so that it becomes an action of the current run; a sync
    function runs in a thread (contextvars, hence the task context, go with it) so that it can
    block without stalling the event loop.
    """
    from flyte._task import TaskTemplate

    if isinstance(fn, TaskTemplate):
        result = fn.aio(*args, **kwargs)
    elif inspect.iscoroutinefunction(fn):
        result = fn(*args, **kwargs)
    else:
        result = await asyncio.to_thread(fn, *args, **kwargs)
    while inspect.isawaitable(result):
        result = await result
    return result


async def _map(externals: Mapping[str, Any], args: list[Any], kwargs: dict[str, Any]) -> list[Any]:
    """``flyte_map("task", xs, ...)``: the named external over the iterables, as flyte.map does."""
    from flyte._map import map as flyte_map

    if len(args) < 2 or not isinstance(args[0], str):
        raise TypeError(f"{MAP_BUILTIN}(task_name, iterable, ...) takes a task name string and at least one iterable")
    fn = externals.get(args[0])
    if fn is None:
        known = ", ".join(sorted(externals)) or "none"
        raise NameError(f"{MAP_BUILTIN}: no task named '{args[0]}' is available (available: {known})")
    options = {k: kwargs[k] for k in ("group_name", "concurrency", "return_exceptions") if k in kwargs}
    unknown = sorted(set(kwargs) - set(options))
    if unknown:
        raise TypeError(f"{MAP_BUILTIN}: unknown keyword argument(s) {', '.join(unknown)}")
    return [r async for r in flyte_map.aio(fn, *args[1:], **options)]


async def execute(
    task_name: str,
    code: str,
    inputs: Mapping[str, Any],
    externals: Mapping[str, Any],
    config: SandboxedConfig,
) -> Any:
    """Runs ``code`` with ``inputs`` bound, calling ``externals`` on the host; returns its last value.

    Raises:
        ImportError: pydantic-monty is not installed.
        flyte.errors.RuntimeUserError: the code failed in the sandbox (syntax error, a forbidden
            import or file access, an exception it raised); the code is the sandbox exception's
            class and the message names the task and the line.
    """
    monty = load_monty(task_name)
    try:
        async with monty.AsyncMonty(min_processes=0) as pool:
            session = pool.checkout(script_name=f"{task_name}.py", limits=_limits(config), os_policy=_OS_POLICY)
            async with session:
                return await _drive(monty, session, code, inputs, externals)
    except monty.MontyError as e:
        raise _user_error(monty, task_name, e) from None


async def _drive(monty: Any, session: Any, code: str, inputs: Mapping[str, Any], externals: Mapping[str, Any]) -> Any:
    progress = await session.feed_start(code, inputs={k: to_sandbox(v) for k, v in inputs.items()})
    while True:
        if isinstance(progress, monty.MontyComplete):
            return from_sandbox(progress.output)
        if isinstance(progress, monty.AsyncNameLookupSnapshot):
            # A bare reference to an unknown name: leaving it unbound raises NameError in the sandbox.
            progress = await progress.resume()
            continue
        if not isinstance(progress, monty.AsyncFunctionSnapshot):
            raise RuntimeError(f"Monty stopped in an unexpected state: {progress!r}")
        if progress.is_os_function:
            progress = await progress.resume_not_handled()
            continue
        name = str(progress.function_name)
        args = [from_sandbox(a) for a in progress.args]
        kwargs = {k: from_sandbox(v) for k, v in progress.kwargs.items()}
        if name == MAP_BUILTIN:
            try:
                value: Any = await _map(externals, args, kwargs)
            except (TypeError, NameError) as e:
                progress = await progress.resume({"exception": e})
                continue
        elif name in externals:
            value = await call_external(externals[name], args, kwargs)
        else:
            progress = await progress.resume({"exception": NameError(f"name '{name}' is not defined")})
            continue
        progress = await progress.resume({"return_value": to_sandbox(value)})


def _user_error(monty: Any, task_name: str, err: Any) -> RuntimeUserError:
    if isinstance(err, (monty.MontyRuntimeError, monty.MontySyntaxError)):
        exc = err.exception()
        code = type(exc).__name__
        frames = err.traceback()
        where = f" (line {frames[-1].line})" if frames else ""
        detail = err.display("type-msg")
    else:
        code = type(err).__name__
        where = ""
        detail = str(err)
    return RuntimeUserError(code, f"Sandboxed task '{task_name}' failed{where}: {detail}")
