"""Helpers of the ``flyte run`` unit tests: writing workflow files and faking the run API.

The fake stands in for ``flyte.with_runcontext(...).run(task, **inputs)``, the one call through
which the command starts a run, so that parsing and printing are tested without the engine.
"""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from flyte.cli.main import main


def write(path: Path, source: str) -> Path:
    """Writes dedented ``source`` to ``path`` (folders created) and returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    return path


def flyte(*args: str) -> Result:
    """Invokes the ``flyte`` command in this process."""
    return CliRunner().invoke(main, list(args))


@dataclass
class FakeOutputs:
    """What ``Run.outputs()`` returns, as far as the command uses it."""

    named_outputs: dict[str, Any]


@dataclass
class FakeRun:
    """A finished run handle."""

    name: str
    values: tuple[Any, ...]
    url: str = "memory://records"
    phase: str = "SUCCEEDED"

    def outputs(self) -> FakeOutputs:
        return FakeOutputs({f"o{i}": v for i, v in enumerate(self.values)})


@dataclass
class FakeRunAPI:
    """Records the settings and inputs of each run; returns ``values`` or raises ``error``."""

    values: tuple[Any, ...] = ("done",)
    error: BaseException | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    task: Any = None
    inputs: dict[str, Any] | None = None

    def with_runcontext(self, **settings: Any) -> FakeRunAPI:
        self.settings = settings
        return self

    def run(self, task: Any, **inputs: Any) -> FakeRun:
        self.task, self.inputs = task, inputs
        if self.error is not None:
            raise self.error
        return FakeRun(self.settings["name"], self.values)


def forget_modules(before_path: list[str], before_modules: set[str]) -> None:
    """Undoes what loading workflow files did to ``sys.path`` and ``sys.modules``."""
    sys.path[:] = before_path
    for name in set(sys.modules) - before_modules:
        if not name.startswith(("flyte", "click", "pydantic", "rich")):
            del sys.modules[name]
