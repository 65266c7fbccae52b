"""Triggers of deployed tasks, from Python: find, list, activate or deactivate, and delete them.

A trigger is named by its task and its own name, in the project and domain ``flyte.init``
chose; every function has an ``.aio`` form for async code::

    for trigger in flyte.remote.Trigger.listall(task_name="my_env.report"):
        print(trigger.name, trigger.is_active)
    flyte.remote.Trigger.update("hourly", "my_env.report", active=False)
    flyte.remote.Trigger.delete("hourly", "my_env.report")
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from flyte._syncify import syncify
from flyte.remote._action import api
from flyte.remote._details import ListAll
from flyte.remote._record import ServerRecord

if TYPE_CHECKING:
    import flyte
    from flyte._internal import wire

__all__ = ["Trigger"]


def _scope(project: str | None, domain: str | None) -> tuple[str, str]:
    from flyte._initialize import get_init_state

    state = get_init_state()
    return project or state.project, domain or state.domain


async def _get(name: str, task_name: str, project: str | None = None, domain: str | None = None) -> Trigger:
    """The trigger ``name`` of the task ``task_name``.

    Raises:
        RuntimeUserError: ``TriggerNotFound``, there is no such trigger.
    """
    chosen_project, chosen_domain = _scope(project, domain)
    info = await asyncio.to_thread(api().get_trigger, task_name, name, project=chosen_project, domain=chosen_domain)
    return Trigger(info)


async def _create(
    trigger: flyte.Trigger,
    task_name: str,
    task_version: str | None = None,
    project: str | None = None,
    domain: str | None = None,
) -> Trigger:
    """Adds ``trigger`` to the deployed task ``task_name``, running ``task_version`` (default: the
    newest version at each firing). Its inputs are checked against the deployed interface. The
    trigger stays when the task is deployed again.

    Raises:
        ConfigError: the trigger has no schedule or names inputs the task does not have.
        RuntimeUserError: ``TaskNotFound``, the task (version) is not deployed; ``Conflict``, the
            task has a trigger of that name already.
    """
    from flyte._deploy import trigger_spec
    from flyte._internal import wire
    from flyte.remote._task import _get as get_task

    task = await get_task(task_name, project, domain, version=task_version, auto_version="latest")
    request = wire.CreateTriggerRequest(
        project=task.project,
        domain=task.domain,
        task_name=task.name,
        task_version=task_version or "latest",
        trigger=trigger_spec(trigger, task),
    )
    return Trigger(await asyncio.to_thread(api().create_trigger, request))


async def _update(
    name: str, task_name: str, active: bool, project: str | None = None, domain: str | None = None
) -> Trigger:
    """Activates (``active=True``) or deactivates a trigger; activated, it fires the slots from now on.

    Raises:
        RuntimeUserError: ``TriggerNotFound``, there is no such trigger.
    """
    chosen_project, chosen_domain = _scope(project, domain)
    client = api()
    info = await asyncio.to_thread(
        client.update_trigger, task_name, name, active=active, project=chosen_project, domain=chosen_domain
    )
    return Trigger(info)


async def _delete(name: str, task_name: str, project: str | None = None, domain: str | None = None) -> None:
    """Removes a trigger; the runs it started stay.

    Raises:
        RuntimeUserError: ``TriggerNotFound``, there is no such trigger.
    """
    chosen_project, chosen_domain = _scope(project, domain)
    await asyncio.to_thread(api().delete_trigger, task_name, name, project=chosen_project, domain=chosen_domain)


async def _list(
    task_name: str | None = None,
    task_version: str | None = None,
    limit: int = 100,
    *,
    project: str | None = None,
    domain: str | None = None,
) -> list[Trigger]:
    """Triggers (of one task, and one of its versions, when given), by task and name."""
    chosen_project, chosen_domain = _scope(project, domain)
    infos = await asyncio.to_thread(
        api().list_triggers, project=chosen_project, domain=chosen_domain, task=task_name, limit=limit
    )
    return [Trigger(info) for info in infos if task_version is None or info.task_version == task_version]


def _when(timestamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc) if timestamp is not None else None


class Trigger(ServerRecord["wire.TriggerInfo"]):
    """A trigger of a deployed task as the server keeps it."""

    create = syncify(_create)
    get = syncify(_get)
    update = syncify(_update)
    delete = syncify(_delete)
    listall = ListAll(_list)

    def __init__(self, info: wire.TriggerInfo) -> None:
        self._info = info

    @property
    def info(self) -> wire.TriggerInfo:
        """The trigger as the server described it."""
        return self._info

    @property
    def name(self) -> str:
        """The trigger's name (unique for its task)."""
        return self._info.name

    @property
    def task_name(self) -> str:
        """The full name of the task it runs."""
        return self._info.task_name

    @property
    def task_version(self) -> str:
        """The version of the task it runs (``latest``: the newest deployed)."""
        return self._info.task_version

    @property
    def is_active(self) -> bool:
        """Whether it fires."""
        return self._info.active

    @property
    def automation_spec(self) -> str:
        """The schedule, readable: ``cron */5 * * * * (UTC)`` or ``every 30s from <start>``."""
        info = self._info
        if info.kind == "cron":
            return f"cron {info.cron} ({info.timezone})"
        start = _when(info.start_time)
        return f"every {info.interval_s:g}s from {start.isoformat() if start else 'activation'}"

    @property
    def last_fired(self) -> datetime | None:
        """The time of the last slot it fired."""
        return _when(self._info.last_fired)

    @property
    def url(self) -> str:
        """Where the server serves this trigger."""
        return f"{api().endpoint}/api/v1/triggers/{self.task_name}/{self.name}"

    def _record(self) -> dict[str, Any]:
        # The encoded inputs are left out: they are bytes, not JSON data.
        data: dict[str, Any] = self._info.model_dump(mode="json", exclude={"inputs"})
        return data

    def __repr__(self) -> str:
        return f"Trigger(name={self.name!r}, task_name={self.task_name!r}, active={self.is_active})"
