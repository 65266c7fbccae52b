"""Runs on a server: find them, wait for and watch them, read their data, details and logs, abort them.

Every method that talks to the server has an ``.aio`` form for async code (``await
run.wait.aio()``, ``async for details in run.watch.aio()``); the plain call blocks.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from typing import IO, TYPE_CHECKING, Any, Literal

from flyte._internal.model.naming import ROOT_ACTION
from flyte._internal.model.phases import ActionPhase
from flyte._internal.wire import TERMINAL_PHASES
from flyte._run import Run as _RunHandle
from flyte._syncify import syncify
from flyte.errors import ActionAbortedError, RuntimeUserError
from flyte.remote._action import ABORT_REASON, Action, api, read_logs
from flyte.remote._details import (
    WATCH_POLL_S,
    ActionDetails,
    AsyncIterMethod,
    ListAll,
    RunDetails,
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
    from flyte._internal.client import ApiClient
    from flyte._run import ActionOutputs
    from flyte._task import AsyncFunctionTaskTemplate
    from flyte.errors import BaseRuntimeError

__all__ = ["Run", "get_run", "list_runs"]

_LONG_POLL = 30.0
_STARTING = frozenset({"QUEUED", "WAITING_FOR_RESOURCES", "INITIALIZING"})
_SORT_KEYS = ("created_at", "started_at", "ended_at", "name", "task_name", "phase")


async def _get(name: str) -> Run:
    """The run called ``name`` on the configured server.

    Raises:
        RunNotFoundError: there is no such run.
    """
    client = api()
    return Run(await asyncio.to_thread(client.get_run, name), client)


async def _listall(
    in_phase: tuple[ActionPhase | str, ...] | None = None,
    task_name: str | None = None,
    task_version: str | None = None,
    created_by_subject: str | None = None,
    sort_by: tuple[str, Literal["asc", "desc"]] | None = None,
    limit: int = 100,
    project: str | None = None,
    domain: str | None = None,
    created_at: TimeFilter | None = None,
    updated_at: TimeFilter | None = None,
    with_labels: dict[str, str] | None = None,
    with_label_keys: list[str] | None = None,
    paused_actions_only: bool = False,
    *,
    phase: str | None = None,
    task: str | None = None,
) -> list[Run]:
    """Runs of the configured server, newest first (see :meth:`Run.listall`'s filters)."""
    from flyte._initialize import get_init_state

    unsupported = {
        "task_version": task_version,
        "created_by_subject": created_by_subject,
        "updated_at": updated_at,
        "with_labels": with_labels,
        "with_label_keys": with_label_keys,
        "paused_actions_only": paused_actions_only or None,
    }
    given = sorted(name for name, value in unsupported.items() if value is not None)
    if given:
        raise ValueError(f"Run.listall: this server cannot filter runs by {', '.join(given)}")
    phases = [str(p.value if isinstance(p, ActionPhase) else p).upper() for p in (in_phase or ())]
    if phase is not None:
        phases.append(phase.upper())
    sort_key, order = sort_by or ("created_at", "desc")
    if sort_key not in _SORT_KEYS or order not in ("asc", "desc"):
        raise ValueError(f"Run.listall: sort_by must be (one of {', '.join(_SORT_KEYS)}, 'asc' or 'desc')")
    after, before = created_at.bounds() if created_at is not None else (None, None)
    state = get_init_state()
    client = api()
    infos = await asyncio.to_thread(
        client.list_runs,
        project=project or state.project,
        domain=domain or state.domain,
        phase=phases or None,
        task=task_name or task,
        limit=limit,
        created_after=after,
        created_before=before,
        sort_by=sort_key,
        order=order,
    )
    return [Run(info, client) for info in infos]


class Run(ServerRecord["wire.RunInfo"], _RunHandle):
    """A run on a server, as ``flyte.run`` returns it in remote mode and ``Run.get`` finds it.

    The phase is the one last fetched: :meth:`sync`, :meth:`wait` and :meth:`watch` refresh it.
    Inputs and outputs are decoded with the task's types when the run was started from this
    process (only types stored pickled are unpickled, as in the run); otherwise generically,
    with pickled values left as :class:`~flyte.remote.PickledValue` unless ``unpickle=True``
    (see :mod:`flyte.remote._values`).

    ``Run.listall`` filters: ``in_phase`` (phases), ``task_name`` (part of the task's name),
    ``created_at`` (a :class:`TimeFilter`), ``sort_by`` (``("created_at", "desc")`` by
    default; also ``started_at``, ``ended_at``, ``name``, ``task_name``, ``phase``), ``limit``,
    ``project`` and ``domain`` (those ``flyte.init`` chose by default).
    """

    get = StaticSyncified(_get)
    listall = ListAll(_listall)

    def __init__(
        self,
        info: wire.RunInfo,
        client: ApiClient,
        task: AsyncFunctionTaskTemplate[Any, Any, Any] | None = None,
    ) -> None:
        url = info.url or f"{client.endpoint}/api/v1/runs/{info.name}"
        super().__init__(info.name, url, ActionPhase(info.phase))
        self._info = info
        self._client = client
        self._task = task

    @property
    def info(self) -> wire.RunInfo:
        """The run as the server last described it."""
        return self._info

    @property
    def phase(self) -> str:
        """The run's phase when last fetched, e.g. ``RUNNING``."""
        return self._info.phase

    @property
    def raw_phase(self) -> str:
        """The phase as the server names it (the same text here)."""
        return self._info.phase

    @property
    def action(self) -> Action:
        """The run's root action, fetched from the server now."""
        return Action(self.name, self._client.get_action(self.name, ROOT_ACTION), self._client)

    @property
    def error(self) -> BaseRuntimeError | None:
        """How the run failed, as a flyte error; ``None`` unless it failed."""
        return error_from_info(self._info.error) if self._info.error is not None else None

    def done(self) -> bool:
        """Whether the run had ended when last fetched."""
        return self._info.phase in TERMINAL_PHASES

    @syncify
    async def sync(self) -> Run:
        """Refreshes the run from the server and returns it."""
        self._update(await asyncio.to_thread(self._client.get_run, self.name))
        return self

    @syncify
    async def wait(
        self,
        quiet: bool = False,
        wait_for: str = "terminal",
        timeout: float | None = None,
    ) -> None:
        """Blocks until the run has ended (or, with ``wait_for="running"``, has started).

        Rides out server restarts shorter than the client's retry window. ``quiet`` is accepted
        for compatibility: nothing is printed either way.

        Raises:
            TimeoutError: ``timeout`` seconds passed first.
        """
        if wait_for not in ("terminal", "running"):
            raise ValueError(f"wait_for must be 'terminal' or 'running', got {wait_for!r}")
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._reached(wait_for):
            remaining = _LONG_POLL if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"run {self.name} is still {self.phase} after {timeout}s")
            poll = min(_LONG_POLL, remaining)
            if wait_for == "terminal":
                self._update(await asyncio.to_thread(self._client.wait_run, self.name, poll))
            else:
                self._update(await asyncio.to_thread(self._client.run_changes, self.name, self.phase, poll))

    def _reached(self, wait_for: str) -> bool:
        return self.done() or (wait_for == "running" and self._info.phase not in _STARTING)

    async def _watch(self, cache_data_on_done: bool = False) -> AsyncIterator[ActionDetails]:
        """The root action's details now and after each phase change, until the run ends.

        ``cache_data_on_done`` is accepted for compatibility: details always carry the data.
        """
        seen: str | None = None
        while True:
            poll = WATCH_POLL_S
            root = await asyncio.to_thread(self._client.action_changes, self.name, ROOT_ACTION, seen, poll)
            if root.phase != seen:
                seen = root.phase
                self._update(await asyncio.to_thread(self._client.get_run, self.name))
                yield await fetch_action_details(self._client, self.name, ROOT_ACTION)
            if root.phase in TERMINAL_PHASES:
                self._update(await asyncio.to_thread(self._client.get_run, self.name))
                return

    watch = AsyncIterMethod(_watch)
    """An iterator of the root action's :class:`ActionDetails` at each phase change until the run
    ends (``run.watch.aio()`` in async code); it waits with the server's long-poll routes."""

    @syncify
    async def outputs(self, *, unpickle: bool = False) -> ActionOutputs:
        """The root task's outputs, once the run has ended; raises the run's error if it failed.

        Args:
            unpickle: run the pickled values' code: only for runs whose writers you trust. A run
                started from this process is decoded with its task's declared types instead,
                which alone decide what is unpickled.
        """
        await self.wait.aio()
        if self._info.phase not in ("SUCCEEDED", "RECOVERED"):
            raise self._failure()
        detail = await asyncio.to_thread(self._client.get_action, self.name, ROOT_ACTION)
        return decode_outputs(detail.outputs, self._task, unpickle=unpickle)

    @syncify
    async def inputs(self, *, unpickle: bool = False) -> dict[str, Any]:
        """The root task's inputs, by name.

        Args:
            unpickle: run the pickled values' code: only for runs whose writers you trust. A run
                started from this process is decoded with its task's declared types instead,
                which alone decide what is unpickled.
        """
        detail = await asyncio.to_thread(self._client.get_action, self.name, ROOT_ACTION)
        return decode_inputs(detail.inputs, self._task, unpickle=unpickle)

    @syncify
    async def details(self) -> RunDetails:
        """The run with its root action's attempts, errors, phase transitions, inputs and outputs."""
        self._update(await asyncio.to_thread(self._client.get_run, self.name))
        return RunDetails(self._info, await fetch_action_details(self._client, self.name, ROOT_ACTION))

    def raise_for_status(self) -> None:
        """Raises the run's error if it failed (or was aborted) when last fetched."""
        if self._info.phase in TERMINAL_PHASES and self._info.phase not in ("SUCCEEDED", "RECOVERED"):
            raise self._failure()

    def actions(self) -> list[Action]:
        """Every action of the run, as the server lists them."""
        return [Action(self.name, info, self._client) for info in self._client.list_actions(self.name)]

    def download_logs(self, action: str = ROOT_ACTION) -> str:
        """The lines an action (the root by default) has logged so far, as one text."""
        return "\n".join(line.text for line in read_logs(self._client, self.name, action))

    async def _get_logs(
        self, attempt: int | None = None, filter_system: bool = False, show_ts: bool = False
    ) -> AsyncIterator[str]:
        """The root action's log lines, following them while the run goes on (of one attempt,
        when given; prefixed with their time with ``show_ts``). ``filter_system`` is accepted
        for compatibility: only the task's own lines are kept."""
        async for line in follow_logs(self._client, self.name, ROOT_ACTION, attempt):
            yield log_text(line, show_ts)

    get_logs = AsyncIterMethod(_get_logs)
    """The root action's log lines, following them until the run ends (``.aio`` in async code)."""

    @syncify
    async def show_logs(
        self,
        attempt: int | None = None,
        max_lines: int = 100,
        show_ts: bool = False,
        raw: bool = False,
        filter_system: bool = False,
        out: IO[str] | None = None,
    ) -> None:
        """Prints the root action's logs, following them while the run goes on.

        ``max_lines`` > 0 keeps the last lines already written to that many; ``raw`` and
        ``filter_system`` are accepted for compatibility (lines are printed as logged).
        """
        await print_logs(self._client, self.name, ROOT_ACTION, out or sys.stdout, attempt, max_lines, show_ts)

    @syncify
    async def get_report(self, attempt: int | None = None) -> str:
        """The HTML of the root task's report ('' without one). ``attempt`` is accepted for
        compatibility: the server keeps the latest report."""
        detail = await asyncio.to_thread(self._client.get_action, self.name, ROOT_ACTION)
        return detail.report or ""

    @syncify
    async def abort(self, reason: str = ABORT_REASON) -> None:
        """Aborts the run: every action still going stops (its workers are killed) and ends
        ABORTED, with ``reason`` recorded as its error's message. ``await run.abort.aio()`` in
        async code.

        Aborting an aborted run changes nothing.

        Raises:
            RuntimeUserError: the run had ended otherwise (code ``Conflict``).
        """
        self._update(await asyncio.to_thread(self._client.abort_run, self.name, reason))

    def _update(self, info: wire.RunInfo) -> None:
        self._info = info

    def _failure(self) -> BaseRuntimeError:
        if self._info.error is not None:
            return error_from_info(self._info.error)
        if self._info.phase == "ABORTED":
            return ActionAbortedError(f"run {self.name} was aborted")
        return RuntimeUserError("RunFailed", f"run {self.name} ended {self._info.phase} without outputs")


def list_runs(
    project: str | None = None,
    domain: str | None = None,
    phase: str | None = None,
    task: str | None = None,
    limit: int = 50,
) -> list[Run]:
    """Runs of the configured project and domain, newest first: see :meth:`Run.listall`."""
    return Run.listall(project=project, domain=domain, phase=phase, task=task, limit=limit)


def get_run(name: str) -> Run:
    """The run called ``name`` on the configured server: see :meth:`Run.get`."""
    return Run.get(name)
