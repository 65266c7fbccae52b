"""Runs on a server: find them, wait for them, read their outputs and logs, abort them."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from flyte._internal.model.naming import ROOT_ACTION
from flyte._internal.model.phases import ActionPhase
from flyte._internal.wire import TERMINAL_PHASES
from flyte._run import Run as _RunHandle
from flyte._syncify import syncify
from flyte.errors import ActionAbortedError, RuntimeUserError
from flyte.remote._action import ABORT_REASON, Action, api, read_logs
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
_STARTING_POLL = 0.5


class Run(_RunHandle):
    """A run on a server, as ``flyte.run`` returns it in remote mode and ``Run.get`` finds it.

    The phase is the one last fetched: :meth:`sync` and :meth:`wait` refresh it. Inputs and
    outputs are decoded with the task's types when the run was started from this process
    (only types stored pickled are unpickled, as in the run); otherwise generically, with
    pickled values left as :class:`~flyte.remote.PickledValue` unless ``unpickle=True`` (see
    :mod:`flyte.remote._values`).
    """

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

    @classmethod
    def get(cls, name: str) -> Run:
        """The run called ``name`` on the configured server.

        Raises:
            RunNotFoundError: there is no such run.
        """
        client = api()
        return cls(client.get_run(name), client)

    @classmethod
    def listall(
        cls,
        project: str | None = None,
        domain: str | None = None,
        phase: str | None = None,
        task: str | None = None,
        limit: int = 50,
    ) -> list[Run]:
        """Runs of the configured server, newest first, filtered by each argument given.

        As in Flyte, the listing is of one project and domain: those given, else those that
        ``flyte.init`` (or the config) chose.
        """
        from flyte._initialize import get_init_state

        client = api()
        state = get_init_state()
        infos = client.list_runs(
            project=project or state.project, domain=domain or state.domain, phase=phase, task=task, limit=limit
        )
        return [cls(info, client) for info in infos]

    @property
    def info(self) -> wire.RunInfo:
        """The run as the server last described it."""
        return self._info

    @property
    def phase(self) -> str:
        """The run's phase when last fetched, e.g. ``RUNNING``."""
        return self._info.phase

    @property
    def error(self) -> BaseRuntimeError | None:
        """How the run failed, as a flyte error; ``None`` unless it failed."""
        return error_from_info(self._info.error) if self._info.error is not None else None

    def done(self) -> bool:
        """Whether the run had ended when last fetched."""
        return self._info.phase in TERMINAL_PHASES

    def sync(self) -> Run:
        """Refreshes the run from the server and returns it."""
        self._update(self._client.get_run(self.name))
        return self

    def wait(
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
            if wait_for == "terminal":
                self._update(self._client.wait_run(self.name, timeout=min(_LONG_POLL, remaining)))
            else:
                time.sleep(min(_STARTING_POLL, remaining))
                self.sync()

    def _reached(self, wait_for: str) -> bool:
        return self.done() or (wait_for == "running" and self._info.phase not in _STARTING)

    def outputs(self, *, unpickle: bool = False) -> ActionOutputs:
        """The root task's outputs, once the run has ended; raises the run's error if it failed.

        Args:
            unpickle: run the pickled values' code: only for runs whose writers you trust. A run
                started from this process is decoded with its task's declared types instead,
                which alone decide what is unpickled.
        """
        self.wait()
        if self._info.phase != "SUCCEEDED":
            raise self._failure()
        payload = self._client.get_action(self.name, ROOT_ACTION).outputs
        return decode_outputs(payload, self._task, unpickle=unpickle)

    def inputs(self, *, unpickle: bool = False) -> dict[str, Any]:
        """The root task's inputs, by name.

        Args:
            unpickle: run the pickled values' code: only for runs whose writers you trust. A run
                started from this process is decoded with its task's declared types instead,
                which alone decide what is unpickled.
        """
        payload = self._client.get_action(self.name, ROOT_ACTION).inputs
        return decode_inputs(payload, self._task, unpickle=unpickle)

    def actions(self) -> list[Action]:
        """Every action of the run, as the server lists them."""
        return [Action(self.name, info, self._client) for info in self._client.list_actions(self.name)]

    def download_logs(self, action: str = ROOT_ACTION) -> str:
        """The lines an action (the root by default) has logged so far, as one text."""
        return "\n".join(line.text for line in read_logs(self._client, self.name, action))

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
