"""The task context of one process of a clustered gang.

A gang's process runs the task's body with ``flyte.ctx()`` describing the action that started the
gang (run, action, attempt, raw-data path). Like the ranks of a JobSet it has no controller: a
clustered task's processes compute, they do not start other tasks.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flyte._context import ActionContext
from flyte.errors import RuntimeUserError

if TYPE_CHECKING:
    from flyte._condition import _Condition
    from flyte._task import AsyncFunctionTaskTemplate


@dataclass(frozen=True)
class ActionInfo:
    """What a gang's processes need to know of the action that started them."""

    run_name: str
    project: str
    domain: str
    org: str | None
    mode: str
    action_name: str
    task_name: str
    attempt: int
    base_dir: str
    raw_data_path: str
    started_at: str
    custom_context: dict[str, str]

    @classmethod
    def from_action(cls, action: ActionContext | None, task_name: str, fallback_dir: str) -> ActionInfo:
        """The description of ``action`` (or of a bare call of ``task_name`` when None)."""
        if action is None:
            return cls("local", "", "", None, "local", "a0", task_name, 1, fallback_dir, fallback_dir, "", {})
        run = action.run
        return cls(
            run_name=run.name,
            project=run.project,
            domain=run.domain,
            org=run.org,
            mode=run.mode,
            action_name=action.action_name,
            task_name=task_name,
            attempt=action.attempt,
            base_dir=str(run.base_dir),
            raw_data_path=str(run.raw_data_path),
            started_at=run.started_at.isoformat(),
            custom_context=dict(action.custom_context),
        )


class _NoRecorder:
    """A rank records nothing: its action's records are the launching process's business."""

    def record_action(self, row: tuple[Any, ...]) -> None:
        """Drops the record."""

    def record_report(self, run_name: str, action_name: str, report_html: str) -> None:
        """Drops the report."""

    def cache_get(self, key: str) -> bytes | None:
        """Nothing is cached for a rank."""
        return None

    def cache_put(self, key: str, task_name: str, outputs: bytes) -> None:
        """Drops the outputs."""


class _NoController:
    """Refuses child calls: the processes of a clustered gang cannot start tasks."""

    def __init__(self, task_name: str) -> None:
        self._task_name = task_name

    def _refuse(self, what: str) -> RuntimeUserError:
        return RuntimeUserError(
            "ClusteredTaskCannotCallTasks",
            f"Clustered task '{self._task_name}' called {what}: the processes of a clustered task cannot start "
            "other tasks; call it from the task that calls the clustered task instead",
        )

    def submit(
        self,
        task: AsyncFunctionTaskTemplate[Any, Any, Any],
        parent: ActionContext,
        seq: int,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """Raises: ranks cannot call tasks."""
        raise self._refuse(f"task '{task.name}'")

    def call_from_thread(
        self,
        task: AsyncFunctionTaskTemplate[Any, Any, Any],
        parent: ActionContext,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """Raises: ranks cannot call tasks."""
        raise self._refuse(f"task '{task.name}'")

    def register_condition(self, condition: _Condition[Any], parent: ActionContext) -> Any:
        """Raises: ranks cannot wait for conditions."""
        raise self._refuse("a condition")

    def wait_for_condition(self, condition: _Condition[Any], parent: ActionContext) -> Any:
        """Raises: ranks cannot wait for conditions."""
        raise self._refuse("a condition")


def rank_action(info: ActionInfo, loop: asyncio.AbstractEventLoop, pool: ThreadPoolExecutor) -> ActionContext:
    """The action context a rank runs its body in, on ``loop`` (the rank's running loop)."""
    from flyte._internal.engine.run_state import RunOptions, RunState
    from flyte._internal.model.progress import RunProgress

    started = datetime.fromisoformat(info.started_at) if info.started_at else datetime.now().astimezone()
    run = RunState(
        name=info.run_name,
        project=info.project,
        domain=info.domain,
        org=info.org,
        mode=info.mode,
        store=_NoRecorder(),
        loop=loop,
        loop_thread=threading.get_ident(),
        sync_pool=pool,
        progress=RunProgress(info.run_name),
        base_dir=Path(info.base_dir),
        raw_data_path=info.raw_data_path,
        options=RunOptions(custom_context=info.custom_context),
        started_at=started,
        controller=_NoController(info.task_name),
    )
    return ActionContext(run, info.action_name, info.task_name, info.attempt, custom_context=info.custom_context)
