"""Actions of a run on a server: where each sits in the tree, how it went, its data and logs."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from typing import IO, TYPE_CHECKING, Any, Literal

from flyte._internal.client import ApiClient, client_for
from flyte._internal.model.phases import ActionPhase
from flyte._internal.wire import TERMINAL_PHASES
from flyte._syncify import syncify
from flyte.errors import InitializationError, RuntimeUserError
from flyte.remote._details import (
    WATCH_POLL_S,
    ActionDetails,
    AsyncIterMethod,
    ListAll,
    StaticSyncified,
    TimeFilter,
    fetch_action_details,
    follow_logs,
    log_text,
    print_logs,
)
from flyte.remote._record import ServerRecord
from flyte.remote._values import decode_inputs, decode_outputs, error_from_info

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte._run import ActionOutputs
    from flyte.errors import BaseRuntimeError

__all__ = ["ABORT_REASON", "Action", "api", "read_logs"]

_LONG_POLL = 30.0
_STARTING = frozenset({"QUEUED", "WAITING_FOR_RESOURCES", "INITIALIZING"})

ABORT_REASON = "Aborted with flyte.remote"
"""The reason an abort from ``flyte.remote`` records when none is given."""


def api() -> ApiClient:
    """The client of the server that ``flyte.init`` (or the config) points at.

    Raises:
        InitializationError: no endpoint is configured.
    """
    from flyte._initialize import get_init_state

    endpoint = get_init_state().endpoint
    if not endpoint:
        raise InitializationError(
            "NoEndpoint",
            "user",
            "flyte.remote needs a server: call flyte.init(endpoint=...) or set admin.endpoint in the config",
        )
    return client_for(endpoint)


def read_logs(client: ApiClient, run: str, action: str) -> list[wire.StoredLogLine]:
    """Every log line the action has written so far."""
    lines: list[wire.StoredLogLine] = []
    after: int | None = None
    while True:
        chunk = client.action_logs(run, action, after=after)
        lines.extend(chunk.lines)
        if chunk.done or not chunk.lines:
            return lines
        after = chunk.next_seq


async def _get(run_name: str, name: str) -> Action:
    """The action ``name`` of run ``run_name``.

    Raises:
        ActionNotFoundError: there is no such action.
    """
    client = api()
    return Action(run_name, await asyncio.to_thread(client.get_action, run_name, name), client)


async def _listall(
    for_run_name: str,
    in_phase: tuple[ActionPhase | str, ...] | None = None,
    parent_name: str | None = None,
    sort_by: tuple[str, Literal["asc", "desc"]] | None = None,
    created_at: TimeFilter | None = None,
    updated_at: TimeFilter | None = None,
) -> list[Action]:
    """The actions of the run ``for_run_name`` in the order they were queued, filtered by
    phases (``in_phase``), ``parent_name`` and ``created_at``/``updated_at`` time filters,
    sorted by ``sort_by`` (``("created_at", "asc")``...) when given."""
    phases = {str(p.value if isinstance(p, ActionPhase) else p).upper() for p in (in_phase or ())}
    client = api()
    infos = await asyncio.to_thread(client.list_actions, for_run_name)
    chosen = [
        info
        for info in infos
        if (not phases or info.phase in phases)
        and (parent_name is None or info.parent == parent_name)
        and (created_at is None or created_at.admits(info.queued_at))
        and (updated_at is None or updated_at.admits(_updated(info)))
    ]
    if sort_by is not None:
        key, order = sort_by
        if key not in _SORT_KEYS or order not in ("asc", "desc"):
            raise ValueError(f"Action.listall: sort_by must be (one of {', '.join(_SORT_KEYS)}, 'asc' or 'desc')")
        chosen.sort(key=lambda info: _sort_value(info, key), reverse=order == "desc")
    return [Action(for_run_name, info, client) for info in chosen]


_SORT_KEYS = ("created_at", "started_at", "ended_at", "name", "task_name", "phase")


def _updated(info: wire.ActionInfo) -> float:
    return info.ended_at or info.started_at or info.queued_at


def _sort_value(info: wire.ActionInfo, key: str) -> tuple[int, float | str]:
    value = {
        "created_at": info.queued_at,
        "started_at": info.started_at,
        "ended_at": info.ended_at,
        "name": info.name,
        "task_name": info.task_name,
        "phase": info.phase,
    }[key]
    # Actions that have not started (or ended) sort after those that have.
    return (1, 0.0) if value is None else (0, value)


class Action(ServerRecord["wire.ActionInfo"]):
    """One action of a run: a call of a task (or a trace, or a condition) and how it went.

    Every method that talks to the server has an ``.aio`` form for async code.
    """

    get = StaticSyncified(_get)
    listall = ListAll(_listall)

    def __init__(self, run_name: str, info: wire.ActionInfo, client: ApiClient) -> None:
        self.run_name = run_name
        self._info = info
        self._client = client

    @property
    def info(self) -> wire.ActionInfo:
        """The action as the server last described it."""
        return self._info

    @property
    def name(self) -> str:
        """The action's name: ``a0`` for the root, a hash of the call for the others."""
        return self._info.name

    @property
    def parent(self) -> str | None:
        """The name of the action that called this one (``None`` for the root)."""
        return self._info.parent

    @property
    def parent_name(self) -> str | None:
        """The name of the action that called this one (``None`` for the root)."""
        return self._info.parent

    @property
    def start_time(self) -> float | None:
        """When its first attempt started (seconds since the epoch), if it has."""
        return self._info.started_at

    @property
    def task_name(self) -> str:
        """The full name of the task called."""
        return self._info.task_name

    @property
    def group(self) -> str | None:
        """The ``flyte.group`` the call was made in."""
        return self._info.group

    @property
    def phase(self) -> str:
        """The action's phase, e.g. ``RUNNING``."""
        return self._info.phase

    @property
    def attempts(self) -> int:
        """How many attempts were started."""
        return self._info.attempts

    @property
    def cache_status(self) -> str | None:
        """``CACHE_HIT``, ``CACHE_POPULATED``... or ``None`` for an uncached task."""
        return self._info.cache_status

    @property
    def waiting_reason(self) -> str | None:
        """Why a queued action has not started (it asks for more than the cluster has, say)."""
        return self._info.waiting_reason

    @property
    def error(self) -> BaseRuntimeError | None:
        """How the action failed, as the flyte error its caller saw."""
        return error_from_info(self._info.error) if self._info.error is not None else None

    def done(self) -> bool:
        """Whether the action had ended when last fetched."""
        return self._info.phase in TERMINAL_PHASES

    @syncify
    async def sync(self) -> Action:
        """Refreshes the action from the server and returns it."""
        self._info = await asyncio.to_thread(self._client.get_action, self.run_name, self.name)
        return self

    @syncify
    async def wait(self, quiet: bool = False, wait_for: str = "terminal", timeout: float | None = None) -> None:
        """Blocks until the action has ended (with ``wait_for="running"``: has started).

        ``quiet`` is accepted for compatibility: nothing is printed either way.

        Raises:
            TimeoutError: ``timeout`` seconds passed first.
        """
        if wait_for not in ("terminal", "running"):
            raise ValueError(f"wait_for must be 'terminal' or 'running', got {wait_for!r}")
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._reached(wait_for):
            remaining = _LONG_POLL if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"action {self.name} of run {self.run_name} is still {self.phase} after {timeout}s")
            poll = min(WATCH_POLL_S, remaining)
            self._info = await asyncio.to_thread(
                self._client.action_changes, self.run_name, self.name, self.phase, poll
            )

    def _reached(self, wait_for: str) -> bool:
        return self.done() or (wait_for == "running" and self._info.phase not in _STARTING)

    async def _watch(
        self, cache_data_on_done: bool = False, wait_for: str = "terminal"
    ) -> AsyncIterator[ActionDetails]:
        """The action's details now and after each phase change, until it ends (or, with
        ``wait_for="running"``, starts). ``cache_data_on_done`` is accepted for compatibility."""
        seen: str | None = None
        while True:
            poll = WATCH_POLL_S
            self._info = await asyncio.to_thread(self._client.action_changes, self.run_name, self.name, seen, poll)
            if self.phase != seen:
                seen = self.phase
                yield await fetch_action_details(self._client, self.run_name, self.name)
            if self._reached(wait_for):
                return

    watch = AsyncIterMethod(_watch)
    """An iterator of the action's :class:`ActionDetails` at each phase change until it ends
    (``action.watch.aio()`` in async code)."""

    @syncify
    async def details(self) -> ActionDetails:
        """The action with its attempts, errors, phase transitions, inputs and outputs."""
        details = await fetch_action_details(self._client, self.run_name, self.name)
        self._info = await asyncio.to_thread(self._client.get_action, self.run_name, self.name)
        return details

    @syncify
    async def inputs(self, *, unpickle: bool = False) -> dict[str, Any]:
        """The action's inputs, by name (decoded without the task's types; pickled values stay
        :class:`~flyte.remote.PickledValue` unless ``unpickle``, which runs their writer's code)."""
        detail = await asyncio.to_thread(self._client.get_action, self.run_name, self.name)
        return decode_inputs(detail.inputs, unpickle=unpickle)

    @syncify
    async def outputs(self, *, unpickle: bool = False) -> ActionOutputs:
        """The action's outputs (decoded as :meth:`inputs` are); raises its error if it failed."""
        detail = await asyncio.to_thread(self._client.get_action, self.run_name, self.name)
        if detail.error is not None:
            raise error_from_info(detail.error)
        if detail.phase not in TERMINAL_PHASES:
            raise RuntimeUserError(
                "ActionNotDone", f"action {self.name} of run {self.run_name} is {detail.phase}: no outputs yet"
            )
        return decode_outputs(detail.outputs, unpickle=unpickle)

    async def _get_logs(
        self, attempt: int | None = None, filter_system: bool = False, show_ts: bool = False
    ) -> AsyncIterator[str]:
        """The action's log lines, following them until it ends (of one attempt, when given)."""
        async for line in follow_logs(self._client, self.run_name, self.name, attempt):
            yield log_text(line, show_ts)

    get_logs = AsyncIterMethod(_get_logs)
    """The action's log lines, following them until it ends (``.aio`` in async code)."""

    @syncify
    async def show_logs(
        self,
        attempt: int | None = None,
        max_lines: int = 30,
        show_ts: bool = False,
        raw: bool = False,
        filter_system: bool = False,
        out: IO[str] | None = None,
    ) -> None:
        """Prints the action's logs (the last ``max_lines`` already written, when > 0), then
        follows them until it ends; ``raw`` and ``filter_system`` are accepted for compatibility."""
        await print_logs(self._client, self.run_name, self.name, out or sys.stdout, attempt, max_lines, show_ts)

    @syncify
    async def get_report(self, attempt: int | None = None) -> str:
        """The HTML of the action's report ('' without one); the server keeps the latest."""
        detail = await asyncio.to_thread(self._client.get_action, self.run_name, self.name)
        return detail.report or ""

    def download_logs(self) -> str:
        """The lines the action has logged so far, as one text."""
        return "\n".join(line.text for line in read_logs(self._client, self.run_name, self.name))

    @syncify
    async def abort(self, reason: str = ABORT_REASON) -> None:
        """Aborts the action and every action below it: their workers are killed, they end
        ABORTED with ``reason`` as their error's message, and the parent awaiting this action
        gets ``flyte.errors.ActionAbortedError``. The root action's abort is the run's. ``await
        action.abort.aio()`` in async code.

        Raises:
            RuntimeUserError: the action had ended otherwise (code ``Conflict``).
        """
        self._info = await asyncio.to_thread(self._client.abort_action, self.run_name, self.name, reason)

    def __repr__(self) -> str:
        return f"Action(run={self.run_name!r}, name={self.name!r}, task={self.task_name!r}, phase={self.phase})"
