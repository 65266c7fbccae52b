"""``env.sandbox``: making sandboxed orchestrators that belong to a TaskEnvironment."""

from __future__ import annotations

import sys
import weakref
from typing import TYPE_CHECKING, Any, Callable, Optional, overload

from flyte._cache import CacheRequest

from ._code_task import CodeTaskTemplate, make_code_task
from ._config import SandboxedConfig
from ._task import SandboxedTaskTemplate

if TYPE_CHECKING:
    from flyte._environment import TaskEnvironment

_DEFAULT_MEMORY = 50 * 1024 * 1024


class SandboxNamespace:
    """The sandbox operations of one environment (``env.sandbox``)."""

    def __init__(self, env: TaskEnvironment) -> None:
        self._env = env

    @overload
    def orchestrator(self, _func_or_source: Callable[..., Any], /) -> SandboxedTaskTemplate: ...

    @overload
    def orchestrator(
        self,
        _func_or_source: str,
        /,
        *,
        tasks: list[Any] | None = None,
        inputs: dict[str, type] | None = None,
        output: type = type(None),
        name: str | None = None,
        timeout_ms: int = 30_000,
        cache: CacheRequest | None = None,
        retries: int = 0,
    ) -> CodeTaskTemplate: ...

    @overload
    def orchestrator(
        self,
        /,
        *,
        timeout_ms: int = 30_000,
        max_memory: int = _DEFAULT_MEMORY,
        max_stack_depth: int = 256,
        type_check: bool = True,
        name: str | None = None,
        cache: CacheRequest | None = None,
        retries: int = 0,
    ) -> Callable[[Callable[..., Any]], SandboxedTaskTemplate]: ...

    def orchestrator(
        self,
        _func_or_source: Any = None,
        /,
        *,
        tasks: list[Any] | None = None,
        inputs: dict[str, type] | None = None,
        output: type = type(None),
        timeout_ms: int = 30_000,
        max_memory: int = _DEFAULT_MEMORY,
        max_stack_depth: int = 256,
        type_check: bool = True,
        name: str | None = None,
        cache: CacheRequest | None = None,
        retries: int = 0,
    ) -> Any:
        """Makes a sandboxed orchestrator of this environment.

        - ``@env.sandbox.orchestrator`` on a function: its body runs in the sandbox and may call
          the tasks it names.
        - ``@env.sandbox.orchestrator(timeout_ms=..., ...)``: the same, with limits.
        - ``env.sandbox.orchestrator("code", inputs=..., output=..., tasks=[...])``: a task from
          a code string, as :func:`flyte.sandbox.orchestrator_from_str`.
        """
        config = SandboxedConfig(
            max_memory=max_memory, max_stack_depth=max_stack_depth, timeout_ms=timeout_ms, type_check=type_check
        )
        env = self._env
        if isinstance(_func_or_source, str):
            task_name = name or "sandboxed-code"
            return make_code_task(
                _func_or_source,
                inputs=inputs or {},
                output=output,
                tasks=tasks,
                name=task_name,
                config=config,
                cache=cache if cache is not None else env.cache,
                retries=retries,
                image=env.image,
                module=sys._getframe(1).f_globals.get("__name__", "__main__"),
            )

        def decorate(func: Callable[..., Any]) -> SandboxedTaskTemplate:
            return self._make(func, config, name, cache, retries)

        if _func_or_source is None:
            return decorate
        if callable(_func_or_source):
            return decorate(_func_or_source)
        raise TypeError(
            f"Environment '{env.name}': sandbox.orchestrator() takes a function, a code string or keyword "
            f"settings, got {type(_func_or_source).__name__}"
        )

    def _make(
        self,
        func: Callable[..., Any],
        config: SandboxedConfig,
        name: Optional[str],
        cache: CacheRequest | None,
        retries: int,
    ) -> SandboxedTaskTemplate:
        from flyte._internal.serde import NativeInterface

        env = self._env
        task_name = name or f"{env.name}.{func.__name__}"
        task = SandboxedTaskTemplate(
            func=func,
            name=task_name,
            interface=NativeInterface.from_function(func, task_name),
            plugin_config=config,
            image=env.image,
            cache=cache if cache is not None else env.cache,
            retries=retries,
            parent_env=weakref.ref(env),
            parent_env_name=env.name,
        )
        env._tasks[task_name] = task
        return task
