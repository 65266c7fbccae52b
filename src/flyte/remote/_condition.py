"""Conditions of a server's runs, from Python: find them and give them their values.

A condition is a value a running task waits for from a person (``flyte.new_condition``); on the
server it is a child action of that task, PAUSED until it is signalled. Every method has an
``.aio`` form for async code::

    for condition in flyte.remote.Condition.listall(run_name="r1"):
        print(condition.name, condition.phase, condition.expected_type)
    condition = flyte.remote.Condition.get("approve", run_name="r1")
    condition.signal(True)
"""

from __future__ import annotations

import asyncio

from flyte._internal import wire
from flyte._syncify import syncify
from flyte.errors import ConditionNotFoundError
from flyte.remote._action import api
from flyte.remote._details import ListAll, StaticSyncified
from flyte.remote._record import ServerRecord

__all__ = ["Condition"]

_PYTHON_TYPES: dict[str, type] = {"bool": bool, "int": int, "float": float, "str": str}


async def _list(run_name: str, action_name: str | None = None, limit: int = 100) -> list[Condition]:
    """The run's conditions, oldest first (those ``action_name`` waits for, when given)."""
    client = api()
    infos = await asyncio.to_thread(client.list_conditions, run_name, action_name)
    return [Condition(info) for info in infos[:limit]]


async def _get(name: str, /, run_name: str, action_name: str | None = None) -> Condition | None:
    """The condition called ``name`` (its own name, or its action's) in the run, or None.

    With ``action_name``, only the conditions that action waits for are looked at.
    """
    if action_name is not None:
        for condition in await _list(run_name, action_name, 10_000):
            if name in (condition.name, condition.action_name):
                return condition
        return None
    try:
        return Condition(await asyncio.to_thread(api().get_condition, run_name, name))
    except ConditionNotFoundError:
        return None


class Condition(ServerRecord["wire.ConditionInfo"]):
    """A condition of a run on the server: what it asks, its type, and its value once given."""

    get = StaticSyncified(_get)
    listall = ListAll(_list)

    def __init__(self, info: wire.ConditionInfo) -> None:
        self._info = info

    @property
    def info(self) -> wire.ConditionInfo:
        """The condition as the server last described it."""
        return self._info

    @property
    def name(self) -> str:
        """The name its task gave it."""
        return self._info.name

    @property
    def action_name(self) -> str:
        """The name of the condition's own action."""
        return self._info.action_name

    @property
    def run_name(self) -> str:
        """The run it belongs to."""
        return self._info.run_name

    @property
    def parent(self) -> str:
        """The action waiting for it."""
        return self._info.parent

    @property
    def phase(self) -> str:
        """PAUSED while it waits; SUCCEEDED once signalled; TIMED_OUT or ABORTED otherwise."""
        return self._info.phase

    @property
    def prompt(self) -> str:
        """The question it asks."""
        return self._info.prompt

    @property
    def expected_type(self) -> type:
        """The type its value must have: ``bool``, ``int``, ``float`` or ``str``."""
        return _PYTHON_TYPES[self._info.data_type]

    @property
    def value(self) -> bool | int | float | str | None:
        """The value it was signalled, once it was."""
        return self._info.value

    @syncify
    async def signal(self, payload: bool | int | float | str) -> None:
        """Gives the condition its value; the waiting task resumes with it.

        Raises:
            TypeError: ``payload`` is not a bool, int, float or str.
            RuntimeUserError: it is not of the condition's type (code ``BadRequest``), or the
                condition has ended already (``Conflict``).
        """
        if not isinstance(payload, (bool, int, float, str)):
            raise TypeError(f"payload must be a bool, int, float or str, got {type(payload).__name__}")
        self._info = await asyncio.to_thread(api().signal_condition, self.run_name, self.action_name, payload)

    @syncify
    async def wait(self, timeout: float = 30.0) -> Condition:
        """Waits (up to ``timeout`` seconds) for the condition to end; returns it refreshed."""
        self._info = await asyncio.to_thread(api().wait_condition, self.run_name, self.action_name, timeout)
        return self

    def __repr__(self) -> str:
        return (
            f"Condition(name={self.name!r}, run={self.run_name!r}, action={self.action_name!r}, phase={self.phase!r})"
        )
