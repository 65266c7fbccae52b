"""The context a task runs in: which run and action, which group, which custom context.

The current :class:`ActionContext` lives in a ContextVar and is never mutated: nested tasks,
groups and traces each enter a copy made with :func:`dataclasses.replace`, so concurrent children
never see each other's state.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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

    @classmethod
    def create_random(cls) -> ActionID:
        """An action with a new random name, in no run."""
        import uuid

        return cls(name=str(uuid.uuid4()))

    def new_sub_action(self, name: str | None = None) -> ActionID:
        """An action of the same run named ``name`` (a new random name when None)."""
        import uuid

        return dataclasses.replace(self, name=name or str(uuid.uuid4()))

    def new_sub_action_from(self, task_call_seq: int, task_hash: str, input_hash: str, group: str | None) -> ActionID:
        """The child this action makes with its ``task_call_seq``-th call: named from this
        action, the task, the inputs and the group, so the same call gets the same name again."""
        from flyte._internal.model.naming import action_name

        return dataclasses.replace(self, name=action_name(self.name, input_hash, task_hash, task_call_seq, group))

    def unique_id_str(self, salt: str | None = None) -> str:
        """``project-domain-run-action`` (and ``-salt`` when given): unique across runs."""
        text = f"{self.project}-{self.domain}-{self.run_name}-{self.name}"
        return f"{text}-{salt}" if salt is not None else text


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
    #: Whether the run looks nothing up in, and stores nothing to, the cache.
    disable_run_cache: bool = False
    #: Where this attempt saves its checkpoint and the previous attempt's is (a ``CheckpointPaths``).
    checkpoint_paths: Any = None
    #: The report of this action (``flyte.report``), when the task has one.
    report: Any = None
    #: The code version the task runs with, when it was deployed with one.
    version: str | None = None
    #: Where the action's inputs and outputs are stored, when they are stored apart from its record.
    input_path: str | None = None
    output_path: str | None = None
    #: The code bundle the task was loaded from, and the images built for its environments.
    code_bundle: Any = None
    compiled_image_cache: Any = None
    #: True while flyte converts the inputs of a run being started, outside any task body.
    in_driver_literal_conversion: bool = False
    #: The identity of the action as the server knows it, for a task running on a server.
    task_action: Any = None

    @property
    def group_data(self) -> str | None:
        """The name of the innermost :func:`flyte.group` around this point, if any."""
        return self.group

    def is_in_cluster(self) -> bool:
        """Whether the task runs on a server rather than in a local run."""
        return self.mode == "remote"

    def replace(self, **changes: Any) -> TaskContext:
        """A copy of this context with some fields replaced."""
        return dataclasses.replace(self, **changes)

    @property
    def checkpoint(self) -> Any:
        """A :class:`flyte.Checkpoint` saving to this attempt's checkpoint path and restoring the
        previous attempt's, or None when the action has no checkpoint path."""
        paths = self.checkpoint_paths
        if paths is None or not paths.checkpoint_path:
            return None
        from flyte._checkpoint import Checkpoint

        return Checkpoint(paths.checkpoint_path, paths.prev_checkpoint_path)

    # The distributed-training variables a launcher (torchrun and the like) gives each process.

    @property
    def rank(self) -> int | None:
        """This process's rank among all the processes of a distributed job (``RANK``)."""
        return _env_int("RANK")

    @property
    def world_size(self) -> int | None:
        """How many processes the distributed job has (``WORLD_SIZE``)."""
        return _env_int("WORLD_SIZE")

    @property
    def local_rank(self) -> int | None:
        """This process's rank on its machine (``LOCAL_RANK``)."""
        return _env_int("LOCAL_RANK")

    @property
    def local_world_size(self) -> int | None:
        """How many processes of the job run on this machine (``LOCAL_WORLD_SIZE``)."""
        return _env_int("LOCAL_WORLD_SIZE")

    @property
    def master_addr(self) -> str | None:
        """The address of the job's rank-0 process (``MASTER_ADDR``)."""
        return os.environ.get("MASTER_ADDR")

    @property
    def master_port(self) -> int | None:
        """The port of the job's rank-0 process (``MASTER_PORT``)."""
        return _env_int("MASTER_PORT")

    @property
    def nnodes(self) -> int | None:
        """How many machines the job spans (``NNODES``)."""
        return _env_int("NNODES")

    @property
    def node_rank(self) -> int | None:
        """This machine's rank among the job's machines (``NODE_RANK``)."""
        return _env_int("NODE_RANK")

    @property
    def restart_attempt(self) -> int | None:
        """How many times a clustered task's whole set of processes was restarted
        (``JOBSET_RESTART_ATTEMPT``), else its launcher's restarts (``TORCHELASTIC_RESTART_COUNT``)."""
        restarts = _env_int("JOBSET_RESTART_ATTEMPT")
        return restarts if restarts is not None else _env_int("TORCHELASTIC_RESTART_COUNT")


def _env_int(name: str) -> int | None:
    value = os.environ.get(name)
    return int(value) if value is not None and value.strip() else None


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
        version=run.options.version,
        disable_run_cache=run.options.disable_run_cache,
        checkpoint_paths=_checkpoint_paths(run.base_dir, current.action_name, current.attempt),
        report=current.report,
    )


def _checkpoint_paths(base_dir: Path, action_name: str, attempt: int) -> Any:
    """Each attempt of an action checkpoints to a file of its own; the previous attempt's is
    offered back when that attempt saved one."""
    from flyte.models import CheckpointPaths

    folder = base_dir / "checkpoints" / action_name
    previous = folder / str(attempt - 1)
    return CheckpointPaths(
        prev_checkpoint_path=str(previous) if attempt > 1 and previous.exists() else None,
        checkpoint_path=str(folder / str(attempt)),
    )
