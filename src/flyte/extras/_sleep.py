"""The sleep plugin: a task that waits for the ``timedelta`` it is given, then runs its body."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flyte._plugins import TaskPluginRegistry
from flyte._task import AsyncFunctionTaskTemplate


@dataclass
class Sleep:
    """The configuration of sleep environments: ``TaskEnvironment(..., plugin_config=Sleep())``."""


@dataclass(kw_only=True)
class SleepTask(AsyncFunctionTaskTemplate):  # type: ignore[type-arg]
    """A task that first sleeps for its ``duration`` input (the first ``timedelta`` input when
    none is called so), asynchronously, then runs its body."""

    plugin_config: Sleep
    task_type: str = "core-sleep"

    def __post_init__(self) -> None:
        super().__post_init__()
        durations = [name for name, (tp, _) in self.interface.inputs.items() if tp is timedelta]
        if not durations:
            raise TypeError(f"Sleep task '{self.name}' needs a timedelta input (e.g. duration: timedelta)")
        self._duration_input = "duration" if "duration" in durations else durations[0]

    async def pre(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Sleeps for the call's duration before the body runs."""
        values = self.interface.bind(args, kwargs)
        duration: timedelta = values[self._duration_input]
        await asyncio.sleep(max(duration.total_seconds(), 0.0))
        return {"slept": duration.total_seconds()}


TaskPluginRegistry.register(Sleep, SleepTask)
