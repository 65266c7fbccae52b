"""Running a connector task locally: start the job through its connector, watch it until it
ends, cancel it when the call is cancelled or times out, and hand back its outputs."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import time
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Dict, Optional, cast

from flyte._context import current_action
from flyte._internal.model.phases import ActionPhase
from flyte.connectors._connector import AsyncConnector, ConnectorRegistry, FlyteConnectorNotFound
from flyte.connectors._resource import Resource
from flyte.errors import RuntimeUserError, TaskTimeoutError

if TYPE_CHECKING:
    from flyte._task import TaskTemplate
    from flyte.models import SerializationContext

logger = logging.getLogger("flyte")


class AsyncConnectorExecutorMixin:
    """Mix into a task class (before :class:`~flyte.extend.TaskTemplate` or
    :class:`~flyte.extend.AsyncFunctionTaskTemplate`) to run its calls through the connector
    registered for its ``task_type`` and ``task_type_version``.

    A call starts a job with the connector's ``create``, then polls ``get`` (waiting longer
    between polls, up to a few seconds) until the job reaches a final phase, and returns its
    outputs. A call that is cancelled, or outlives the task's ``timeout``, deletes the job.
    Secrets named in ``custom_config(sctx)["secrets"]`` (key -> environment variable) are read
    from the environment and given to the connector as keyword arguments.
    """

    #: Seconds before the first poll of ``get`` after the job started, doubled after each poll.
    _poll_initial_s: ClassVar[float] = 0.1
    #: The longest wait between two polls.
    _poll_max_s: ClassVar[float] = 3.0

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        """Runs one call through the task type's connector and returns the job's outputs.

        Raises:
            FlyteConnectorNotFound: no connector serves the task's type.
            ValueError: a secret the task names is not set.
            TaskTimeoutError: the job outlived the task's timeout (it was deleted).
            RuntimeUserError: the job ended in another phase than SUCCEEDED.
        """
        task = cast("TaskTemplate[Any, Any, Any]", self)
        try:
            connector = ConnectorRegistry.get_connector(task.task_type, task.task_type_version)
        except FlyteConnectorNotFound as e:
            raise FlyteConnectorNotFound(f"Task '{task.name}': {e}") from None
        inputs = task.interface.bind(args, kwargs)
        sctx = _serialization_context()
        secrets = _connector_secrets(task, task.custom_config(sctx))
        deadline = None if task.timeout_seconds is None else time.monotonic() + task.timeout_seconds
        meta = await connector.create(task_template=task, output_prefix=_output_prefix(task), inputs=inputs, **secrets)
        try:
            resource = await self._await_connector_job(task, connector, meta, secrets, deadline)
        except BaseException:
            await _delete(task, connector, meta, secrets)
            raise
        if resource.phase is not ActionPhase.SUCCEEDED:
            detail = f": {resource.message}" if resource.message else ""
            raise RuntimeUserError(
                "ConnectorJobFailed",
                f"Task '{task.name}': the {connector.name} job ended {resource.phase}{detail}",
            )
        return _outputs(task, resource)

    async def _await_connector_job(
        self,
        task: TaskTemplate[Any, Any, Any],
        connector: AsyncConnector[Any],
        meta: Any,
        secrets: Dict[str, str],
        deadline: Optional[float],
    ) -> Resource:
        """Polls the job until it is in a final phase; raises TaskTimeoutError past ``deadline``."""
        delay = self._poll_initial_s
        shown: set[tuple[str, str]] = set()
        phase: Any = "starting"
        while True:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise _timed_out(task, connector, phase)
            try:
                # A get that hangs must not outlive the task's timeout either.
                resource = await asyncio.wait_for(connector.get(resource_meta=meta, **secrets), remaining)
            except asyncio.TimeoutError:
                raise _timed_out(task, connector, phase) from None
            if not isinstance(resource, Resource):
                raise TypeError(
                    f"Task '{task.name}': connector '{connector.name}' get() returned {type(resource).__name__}, "
                    "not a Resource"
                )
            _show_links(task, resource, shown)
            phase = resource.phase
            assert isinstance(phase, ActionPhase)  # Resource normalises the phase
            if phase.is_terminal:
                return resource
            wait = delay if deadline is None else min(delay, max(deadline - time.monotonic(), 0.0))
            await asyncio.sleep(wait)
            delay = min(delay * 2, self._poll_max_s)


def _timed_out(task: TaskTemplate[Any, Any, Any], connector: AsyncConnector[Any], phase: Any) -> TaskTimeoutError:
    return TaskTimeoutError(
        f"Task '{task.name}' exceeded its timeout of {task.timeout_seconds:g}s while its {connector.name} job "
        f"was {phase}; the job was deleted"
    )


async def _delete(
    task: TaskTemplate[Any, Any, Any], connector: AsyncConnector[Any], meta: Any, secrets: Dict[str, str]
) -> None:
    # Shielded so a second cancellation cannot leave the external job running.
    try:
        await asyncio.shield(connector.delete(resource_meta=meta, **secrets))
    except Exception as e:
        logger.warning("Task '%s': deleting its %s job failed: %s", task.name, connector.name, e)


def _serialization_context() -> SerializationContext:
    from flyte.models import SerializationContext

    action = current_action.get()
    if action is None:
        return SerializationContext(version="local")
    run = action.run
    return SerializationContext(version=run.name, project=run.project, domain=run.domain, org=run.org)


def _output_prefix(task: TaskTemplate[Any, Any, Any]) -> str:
    """Where the job may write data: under the run's raw data path, one folder per call."""
    action = current_action.get()
    base = action.run.raw_data_path if action is not None else os.path.join(tempfile.gettempdir(), "flyte-connectors")
    call = action.action_name if action is not None else uuid.uuid4().hex
    return f"{base.rstrip('/')}/{task.short_name}-{call}-{uuid.uuid4().hex[:8]}"


def _connector_secrets(task: TaskTemplate[Any, Any, Any], custom: Dict[str, Any]) -> Dict[str, str]:
    named = custom.get("secrets") or {}
    if not isinstance(named, dict):
        raise TypeError(f"Task '{task.name}': custom_config()['secrets'] must map secret keys to variable names")
    values = {}
    for key, variable in named.items():
        value = os.environ.get(variable)
        if value is None:
            raise ValueError(f"Task '{task.name}': secret '{key}' is not set (environment variable '{variable}')")
        values[key] = value
    return values


def _show_links(task: TaskTemplate[Any, Any, Any], resource: Resource, shown: set[tuple[str, str]]) -> None:
    for link in resource.log_links or ():
        pair = (str(getattr(link, "name", "")), str(getattr(link, "uri", link)))
        if pair not in shown:
            shown.add(pair)
            logger.info("Task '%s' %s: %s", task.name, pair[0] or "log", pair[1])


def _outputs(task: TaskTemplate[Any, Any, Any], resource: Resource) -> Any:
    """The job's outputs in the shape the task returns: None, one value, or a tuple."""
    declared = list(task.interface.outputs)
    got = resource.outputs or {}
    if not declared:
        return None
    if len(got) != len(declared):
        raise RuntimeUserError(
            "ConnectorOutputsMismatch",
            f"Task '{task.name}' declares {len(declared)} output(s) {declared} but its job returned "
            f"{len(got)}: {sorted(got)}",
        )
    values = [got[name] for name in declared] if set(got) == set(declared) else list(got.values())
    return values[0] if len(values) == 1 else tuple(values)
