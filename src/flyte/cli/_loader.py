"""Loading a workflow file given on the command line and finding the tasks it defines.

Files are imported by :mod:`flyte._internal.module_loader` (the way ``python -m`` would), whose
errors become one-line CLI errors here.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

from flyte._internal import module_loader
from flyte._internal.module_loader import module_name_for
from flyte.errors import ModuleLoadError

if TYPE_CHECKING:
    from flyte._task import AsyncFunctionTaskTemplate

__all__ = ["TaskIndex", "load_file", "module_name_for", "summary"]


def load_file(file: str) -> ModuleType:
    """Imports the workflow file ``file``.

    Raises:
        click.ClickException: the file does not exist, is not a Python file, or fails to import;
            the one-line message names the file and the cause.
    """
    try:
        return module_loader.load_file(file)
    except ModuleLoadError as e:
        raise click.ClickException(e.message) from e


@dataclass(frozen=True)
class TaskIndex:
    """The tasks reachable from a module's top level, by short name and by full name.

    A short name shared by two tasks (imported from two environments) is ambiguous: those tasks
    are listed and found by their full name only.
    """

    by_name: dict[str, AsyncFunctionTaskTemplate[Any, Any, Any]]

    @classmethod
    def of(cls, module: ModuleType) -> TaskIndex:
        """Indexes the tasks among ``module``'s global names, in definition order."""
        from flyte._task import AsyncFunctionTaskTemplate

        tasks: list[AsyncFunctionTaskTemplate[Any, Any, Any]] = []
        for value in vars(module).values():
            if isinstance(value, AsyncFunctionTaskTemplate) and all(value is not t for t in tasks):
                tasks.append(value)
        short_counts: dict[str, int] = {}
        for task in tasks:
            short_counts[task.short_name] = short_counts.get(task.short_name, 0) + 1
        by_name: dict[str, AsyncFunctionTaskTemplate[Any, Any, Any]] = {}
        for task in tasks:
            unique = short_counts[task.short_name] == 1
            by_name[task.short_name if unique else task.name] = task
        return cls(by_name)

    def names(self) -> list[str]:
        """The names tasks are listed under: the short name unless it is ambiguous."""
        return list(self.by_name)

    def find(self, name: str) -> AsyncFunctionTaskTemplate[Any, Any, Any] | None:
        """The task called ``name`` (listed name or full ``env.func`` name), or ``None``."""
        task = self.by_name.get(name)
        if task is not None:
            return task
        return next((t for t in self.by_name.values() if t.name == name), None)


def summary(task: AsyncFunctionTaskTemplate[Any, Any, Any]) -> str:
    """The first line of the task function's docstring, or an empty string."""
    doc = inspect.getdoc(task.func) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""
