"""The context a task runs in: which run and action, which group, which custom context.

The current :class:`ActionContext` lives in a ContextVar and is never mutated: nested tasks,
groups and traces each enter a copy made with :func:`dataclasses.replace`, so concurrent children
never see each other's state.
"""

from __future__ import annotations

import itertools
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from flyte._internal.engine.run_state import RunState

_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class ActionContext:
    """Internal: the action being executed by the current coroutine or thread."""

    run: RunState
    action_name: str
    task_name: str
    attempt: int = 1
    group: str | None = None
    # One counter per executing action: children are numbered in call order, which is what keeps
    # their names the same when the parent runs again.
    counter: itertools.count[int] = field(default_factory=itertools.count)
    in_trace: bool = False
    custom_context: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    report: Any = None


current_action: ContextVar[ActionContext | None] = ContextVar("flyte_action", default=None)

#: What a task plugin's ``pre`` hook returned for the body running here (``flyte.ctx().data``).
task_data: ContextVar[Mapping[str, Any] | None] = ContextVar("flyte_task_data", default=None)


@dataclass(frozen=True)
class ActionID:
    """Identifies an action: its name within its run, and the run's project and domain."""

    name: str
    run_name: str | None = None
    project: str | None = None
    domain: str | None = None
    org: str | None = None


@dataclass(frozen=True)
class TaskContext:
    """What a running task may know about itself; returned by :func:`flyte.ctx`."""

    action: ActionID
    task_name: str
    attempt_number: int
    mode: str
    group: str | None
    custom_context: Mapping[str, str]
    run_base_dir: str
    raw_data_path: str
    run_start_time: datetime | None = None
    #: What the task plugin's ``pre`` hook handed to this body; empty for plain tasks.
    data: Mapping[str, Any] = field(default_factory=dict)
    #: Whether the run was started from a notebook or an interactive session.
    interactive_mode: bool = False

    @property
    def group_data(self) -> str | None:
        """The name of the innermost :func:`flyte.group` around this point, if any."""
        return self.group

    def is_in_cluster(self) -> bool:
        """Whether the task runs on a server rather than in a local run."""
        return self.mode == "remote"


def ctx() -> TaskContext | None:
    """The context of the task running here, or None outside any task."""
    current = current_action.get()
    if current is None:
        return None
    run = current.run
    return TaskContext(
        action=ActionID(
            name=current.action_name, run_name=run.name, project=run.project, domain=run.domain, org=run.org
        ),
        task_name=current.task_name,
        attempt_number=current.attempt - 1,
        mode=run.mode,
        group=current.group,
        custom_context=current.custom_context,
        run_base_dir=str(run.base_dir),
        raw_data_path=str(run.raw_data_path),
        run_start_time=run.started_at,
        data=dict(task_data.get() or {}),
        interactive_mode=run.options.interactive_mode,
    )
