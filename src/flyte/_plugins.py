"""Plugins: task classes chosen by an environment's ``plugin_config``, and installed extensions
found through entry points.

A task plugin pairs a configuration type with a task class (usually a subclass of
:class:`~flyte.extend.AsyncFunctionTaskTemplate` overriding ``pre``, ``execute``, ``post`` or
``custom_config``)::

    TaskPluginRegistry.register(MyConfig, MyTask)
    env = flyte.TaskEnvironment("e", plugin_config=MyConfig(...))  # @env.task makes MyTask objects

Installed distributions extend flyte through entry points: ``flyte.plugins.types`` (modules or
callables registering type transformers) and ``flyte.plugins.image_builders`` (image builders by
name). Each group is read at most once per process.
"""

from __future__ import annotations

import importlib.metadata
import logging
import threading
from typing import Any, Optional

logger = logging.getLogger("flyte")

#: Entry-point group of type-transformer plugins: each entry is imported, and called if callable.
TYPE_PLUGINS_GROUP = "flyte.plugins.types"
#: Entry-point group of image builders: the entry's name is the builder's name.
IMAGE_BUILDERS_GROUP = "flyte.plugins.image_builders"


class _TaskPlugins:
    """The registry of task plugins: task class by configuration type."""

    def __init__(self) -> None:
        self._plugins: dict[type, type] = {}

    def register(self, config_type: type, plugin: type) -> None:
        """Makes ``@env.task`` build ``plugin`` tasks in environments whose ``plugin_config`` is a
        ``config_type``. Registering a type again replaces its plugin."""
        from flyte._task import TaskTemplate

        if not isinstance(config_type, type):
            raise TypeError(f"TaskPluginRegistry.register: config_type must be a class, got {config_type!r}")
        if not (isinstance(plugin, type) and issubclass(plugin, TaskTemplate)):
            raise TypeError(f"TaskPluginRegistry.register: plugin must be a TaskTemplate subclass, got {plugin!r}")
        self._plugins[config_type] = plugin

    def find(self, config_type: type) -> Optional[type]:
        """The task class registered for ``config_type`` (or for its nearest base), or None."""
        for candidate in getattr(config_type, "__mro__", (config_type,)):
            plugin = self._plugins.get(candidate)
            if plugin is not None:
                return plugin
        return None

    def list_plugins(self) -> list[str]:
        """The names of the registered configuration types."""
        return [config.__name__ for config in self._plugins]

    def __repr__(self) -> str:
        pairs = ", ".join(f"{c.__name__}: {p.__name__}" for c, p in self._plugins.items())
        return f"TaskPluginRegistry({pairs})"


#: The process's task plugins.
TaskPluginRegistry = _TaskPlugins()

_loaded_groups: set[str] = set()
_load_lock = threading.Lock()


def entry_points(group: str) -> list[importlib.metadata.EntryPoint]:
    """The installed entry points of ``group``."""
    return list(importlib.metadata.entry_points(group=group))


def load_type_plugins() -> None:
    """Imports the type-transformer plugins of the installed distributions, once per process.

    A plugin that fails to load is reported as a warning and skipped: one broken package must
    not stop every run.
    """
    with _load_lock:
        if TYPE_PLUGINS_GROUP in _loaded_groups:
            return
        _loaded_groups.add(TYPE_PLUGINS_GROUP)
    for entry in entry_points(TYPE_PLUGINS_GROUP):
        try:
            loaded: Any = entry.load()
            if callable(loaded):
                loaded()
        except Exception as exc:
            logger.warning("Type plugin '%s' (%s) failed to load: %s", entry.name, entry.value, exc)
