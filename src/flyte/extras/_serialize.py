"""Turning tasks into the specs a flyte server schedules, ahead of time and without a server:
no code bundle is built or uploaded, so the spec assumes the task's module will be found where
the task runs (in the image or the run's bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, List, Optional

if TYPE_CHECKING:
    from flyte._environment import TaskEnvironment
    from flyte._internal.wire import TaskSpec
    from flyte._task import TaskTemplate
    from flyte.models import SerializationContext


def serialize(task: TaskTemplate[Any, Any, Any], ctx: Optional[SerializationContext] = None) -> TaskSpec:
    """The spec of ``task``: its module (relative to ``ctx.root_dir``, default the current
    folder), resources, retries, timeout, secrets, cache and image settings.

    Raises:
        TypeError: ``task`` is not a task made from a Python function.
        CodeBundleError: the task's module cannot be found again (defined in a notebook cell).
        ImageBuildError: the task's image cannot be described (a Dockerfile image).
    """
    from flyte._internal.remote_run import task_spec
    from flyte._task import AsyncFunctionTaskTemplate

    if not isinstance(task, AsyncFunctionTaskTemplate):
        name = getattr(task, "name", None)
        label = f"task '{name}'" if name else repr(task)
        raise TypeError(f"serialize: {label} is not a function task (made with @env.task)")
    root = ctx.root_dir if ctx is not None and ctx.root_dir is not None else Path.cwd()
    return task_spec(task, Path(root))


def serialize_env(env: TaskEnvironment, ctx: Optional[SerializationContext] = None) -> List[TaskSpec]:
    """The spec of every task of ``env``, as :func:`serialize` makes them."""
    return [serialize(task, ctx) for task in env.tasks.values()]
