"""An example task plugin, written as a plugin package would be: ``Scratch`` gives every call of
a task a scratch folder of its own, which the task finds in ``flyte.ctx().data["scratch"]`` and
which is removed once the task has returned."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flyte.extend import AsyncFunctionTaskTemplate, TaskPluginRegistry
from flyte.models import SerializationContext


@dataclass
class Scratch:
    """The plugin's configuration: the prefix of the scratch folders' names."""

    prefix: str = "scratch-"


@dataclass(kw_only=True)
class ScratchTask(AsyncFunctionTaskTemplate):  # type: ignore[type-arg]
    """A task whose calls each get a scratch folder, removed after the call returns."""

    plugin_config: Scratch
    task_type: str = "scratch"

    async def pre(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Makes the call's scratch folder."""
        return {"scratch": tempfile.mkdtemp(prefix=self.plugin_config.prefix)}

    async def post(self, return_vals: Any) -> Any:
        """Removes the scratch folder once the body has returned."""
        import flyte

        context = flyte.ctx()
        assert context is not None
        shutil.rmtree(Path(context.data["scratch"]), ignore_errors=True)
        return return_vals

    def custom_config(self, sctx: SerializationContext) -> dict[str, Any]:
        """What a backend would be told about the plugin's settings."""
        return {"prefix": self.plugin_config.prefix}


TaskPluginRegistry.register(Scratch, ScratchTask)
