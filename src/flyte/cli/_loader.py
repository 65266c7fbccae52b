"""Loading a workflow file given on the command line and finding the tasks it defines.

A file is imported the way ``python -m`` would import it, so that its imports behave as the
author expects:

- a file in a plain folder becomes the module named after the file (``hello.py`` -> ``hello``),
  with its folder first on ``sys.path``: ``import sibling`` finds the modules next to it;
- a file inside a package (folders with ``__init__.py``) becomes ``pkg.sub.mod``, with the folder
  above the outermost package on ``sys.path``: ``from . import sibling`` works too.

A file whose module name is already imported (``json.py``, ``click.py``) is refused rather than
allowed to replace that module for the whole process.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from flyte._task import AsyncFunctionTaskTemplate

__all__ = ["TaskIndex", "load_file", "module_name_for", "summary"]


def module_name_for(path: Path) -> tuple[str, Path]:
    """The dotted module name of the Python file ``path`` and the folder to put on ``sys.path``."""
    parts = [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file() and folder.parent != folder:
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts), folder


def load_file(file: str) -> ModuleType:
    """Imports the workflow file ``file``.

    Raises:
        click.ClickException: the file does not exist, is not a Python file, or fails to import;
            the one-line message names the file and the cause.
    """
    path = Path(file).expanduser().resolve()
    if not path.is_file():
        raise click.ClickException(f"cannot load {file}: no such file")
    if path.suffix != ".py":
        raise click.ClickException(f"cannot load {file}: not a Python file (expected a .py file)")
    name, root = module_name_for(path)
    taken = sys.modules.get(name)
    if taken is not None and getattr(taken, "__file__", None) != str(path):
        # Replacing a module that is already imported (json.py, a library's name) would break
        # every user of that module in this process, flyte included.
        where = getattr(taken, "__file__", None) or "built in"
        raise click.ClickException(
            f"cannot load {file}: its module name {name!r} is already taken ({where}); rename the file"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        parent = name.rpartition(".")[0]
        if parent:
            importlib.import_module(parent)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None  # a .py path always has a source loader
        module = importlib.util.module_from_spec(spec)
        # Registered before running so that the module's dataclasses and pickled values can be
        # found again by name, as for any imported module.
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    except (Exception, SystemExit) as e:
        cause = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
        if isinstance(e, SyntaxError) and e.lineno is not None:
            cause = f"{type(e).__name__} at line {e.lineno}: {e.msg}"
        raise click.ClickException(f"cannot load {file}: {cause}") from e
    return module


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
