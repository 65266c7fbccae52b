"""Sandboxed orchestrators: tasks whose body runs in the Monty interpreter."""

from __future__ import annotations

import inspect
import types
from dataclasses import dataclass, field
from typing import Any, Callable, Coroutine, Dict, List, Optional

from flyte._context import current_action, task_data
from flyte._task import AsyncFunctionTaskTemplate, TaskTemplate

from ._config import SandboxedConfig
from ._runtime import execute
from ._source import function_source
from ._types import check_interface


def _referenced_names(code: types.CodeType) -> set[str]:
    """Global names used by ``code`` and the code nested in it (comprehensions, inner functions),
    plus identifier strings, which is how ``flyte_map("task", ...)`` names a task."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _referenced_names(const)
        elif isinstance(const, str) and const.isidentifier():
            names.add(const)
    return names


def is_external(obj: Any) -> bool:
    """Whether the sandbox may call ``obj`` on the host: a task, or a flyte trace."""
    if isinstance(obj, TaskTemplate):
        return True
    return callable(obj) and hasattr(obj, "__wrapped__") and hasattr(obj, "aio")


def discover_externals(func: Callable[..., Any]) -> Dict[str, Any]:
    """The tasks and traces ``func`` refers to by name (globals and closure cells)."""
    found: Dict[str, Any] = {}
    code = getattr(func, "__code__", None)
    if code is None:
        return found
    scope = dict(getattr(func, "__globals__", {}))
    for name, cell in zip(code.co_freevars, getattr(func, "__closure__", None) or (), strict=False):
        try:
            scope[name] = cell.cell_contents
        except ValueError:
            continue
    for name in _referenced_names(code) | set(code.co_freevars):
        obj = scope.get(name)
        if obj is not None and is_external(obj):
            found[name] = obj
    return found


@dataclass(kw_only=True)
class SandboxedTaskTemplate(AsyncFunctionTaskTemplate[Any, Any, Any]):
    """A task whose function body runs in the Monty sandbox: pure Python control flow that calls
    other tasks, which run as ordinary actions of the run.

    ``forward`` calls the Python function directly, outside the sandbox (for debugging).
    """

    task_type: str = "sandboxed-python"
    plugin_config: Optional[SandboxedConfig] = None

    _source_code: str = field(default="", init=False, repr=False)
    _input_names: List[str] = field(default_factory=list, init=False, repr=False)
    _externals: Dict[str, Any] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.plugin_config is None:
            self.plugin_config = SandboxedConfig()
        # The body awaits its child tasks on the run's event loop, whatever the function's kind.
        self.is_async = True
        self._prepare()

    def _prepare(self) -> None:
        assert self.plugin_config is not None
        if self.plugin_config.type_check:
            check_interface(self.name, self.interface.inputs, self.interface.output_type)
        self._source_code, self._input_names = function_source(self.func, self.name)
        self._externals = discover_externals(self.func)

    @property
    def externals(self) -> Dict[str, Any]:
        """The host functions (tasks, traces) the sandboxed code may call, by name."""
        return dict(self._externals)

    @property
    def _has_external_refs(self) -> bool:
        # Read by flyte-sdk examples to show whether an orchestrator calls out to the host.
        return bool(self._externals)

    def aio(self, *args: Any, **kwargs: Any) -> Coroutine[Any, Any, Any]:
        """Calls the task from async code; always returns an awaitable (outside a run, of the
        function called directly, as for other tasks)."""
        if current_action.get() is None:
            return _settled(self.func(*args, **kwargs))
        return super().aio(*args, **kwargs)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        """Runs the body in the sandbox (between :meth:`pre` and :meth:`post`) and returns its value."""
        data = await self.pre(*args, **kwargs)
        token = task_data.set(data)
        try:
            assert self.plugin_config is not None
            value = await execute(
                self.name, self._source_code, self._bind(args, kwargs), self._externals, self.plugin_config
            )
            await self.post(value)
        finally:
            task_data.reset(token)
        return value

    def _bind(self, args: tuple[Any, ...], kwargs: Dict[str, Any]) -> Dict[str, Any]:
        bound = dict(zip(self._input_names, args, strict=False))
        for name in self._input_names:
            if name in kwargs:
                bound[name] = kwargs[name]
            elif name not in bound:
                default = self.interface.inputs[name][1]
                if default is not inspect.Parameter.empty:
                    bound[name] = default
        return bound


async def _settled(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value
