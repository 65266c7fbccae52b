"""The task class of clustered environments, chosen through the task plugin registry."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Coroutine, Dict, Optional

from flyte._context import current_action
from flyte._plugins import TaskPluginRegistry
from flyte._task import AsyncFunctionTaskTemplate
from flyte.errors import RuntimeUserError

if TYPE_CHECKING:
    from flyte.clustered._environment import ClusteredSettings
    from flyte.models import SerializationContext

#: Set in every process of a gang: the task body runs there instead of starting another gang.
CLUSTERED_WORKER_ENV = "FLYTE_CLUSTERED_WORKER"


def is_clustered_worker() -> bool:
    """Whether this process is one process of a clustered gang (under our launcher or torchrun)."""
    return bool(os.environ.get(CLUSTERED_WORKER_ENV) or os.environ.get("TORCHELASTIC_RUN_ID"))


@dataclass(frozen=True)
class _ClusteredPlugin:
    """The ``plugin_config`` of clustered environments: routes their tasks to
    :class:`ClusteredTaskTemplate` and carries the environment's settings."""

    settings: Optional[ClusteredSettings] = None


@dataclass(kw_only=True)
class ClusteredTaskTemplate(AsyncFunctionTaskTemplate):  # type: ignore[type-arg]
    """A task of a :class:`~flyte.clustered.ClusteredTaskEnvironment`.

    Calling it starts the gang (``replicas * nproc_per_node`` processes, each running the function
    with its own rank) and returns rank 0's result; inside a process of a gang it runs the
    function itself.
    """

    plugin_config: _ClusteredPlugin
    task_type: str = "clustered-task"
    task_type_version: int = 1

    def __post_init__(self) -> None:
        super().__post_init__()
        self.body_is_async = self.is_async
        # The gang is awaited on the run's event loop whatever the function's kind, so that a timeout
        # or a cancellation reaches it (a sync body's thread could only be abandoned, gang and all).
        self.is_async = True

    def settings(self) -> ClusteredSettings:
        """The clustered settings this task runs with.

        Raises:
            RuntimeUserError: the task was built from a bare plugin config rather than from a
                ``ClusteredTaskEnvironment``.
        """
        settings = self.plugin_config.settings
        if settings is None:
            raise RuntimeUserError(
                "BadConfig",
                f"Task '{self.name}' has no clustered settings: build it with @env.task on a ClusteredTaskEnvironment",
            )
        return settings

    def custom_config(self, sctx: SerializationContext) -> Dict[str, Any]:
        """The clustered task spec a backend reads (replicas, processes per node, runtime, policy)."""
        return self.settings().to_custom_dict()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        """Runs the gang and returns rank 0's result; in a process of a gang, runs the body."""
        if is_clustered_worker():
            return await self._run_body(*args, **kwargs)
        from flyte.clustered._launcher import run_gang

        values = self.interface.bind(args, kwargs)
        return await run_gang(self, self.settings(), values)

    async def _run_body(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call_with_hooks(self.body_is_async, *args, **kwargs)

    def aio(self, *args: Any, **kwargs: Any) -> Coroutine[Any, Any, Any]:
        """Calls the task from async code; always returns an awaitable."""
        if current_action.get() is None and not self.body_is_async:
            return _direct(self.func, args, kwargs)
        return super().aio(*args, **kwargs)


async def _direct(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    return func(*args, **kwargs)


TaskPluginRegistry.register(_ClusteredPlugin, ClusteredTaskTemplate)
