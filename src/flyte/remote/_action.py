"""Actions of a run on a server: where each sits in the tree, how it went, its data and logs."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from flyte._internal.client import ApiClient, client_for
from flyte._internal.wire import TERMINAL_PHASES
from flyte._syncify import syncify
from flyte.errors import InitializationError, RuntimeUserError
from flyte.remote._values import decode_inputs, decode_outputs, error_from_info

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte._run import ActionOutputs
    from flyte.errors import BaseRuntimeError

__all__ = ["ABORT_REASON", "Action", "api", "read_logs"]

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


class Action:
    """One action of a run: a call of a task (or a trace) and how it went."""

    def __init__(self, run_name: str, info: wire.ActionInfo, client: ApiClient) -> None:
        self.run_name = run_name
        self._info = info
        self._client = client

    @classmethod
    def get(cls, run_name: str, name: str) -> Action:
        """The action ``name`` of run ``run_name``."""
        client = api()
        return cls(run_name, client.get_action(run_name, name), client)

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

    def sync(self) -> Action:
        """Refreshes the action from the server and returns it."""
        self._info = self._client.get_action(self.run_name, self.name)
        return self

    def inputs(self) -> dict[str, Any]:
        """The action's inputs, by name (decoded without the task's types)."""
        return decode_inputs(self._client.get_action(self.run_name, self.name).inputs)

    def outputs(self) -> ActionOutputs:
        """The action's outputs (decoded without the task's types); raises its error if it failed."""
        detail = self._client.get_action(self.run_name, self.name)
        if detail.error is not None:
            raise error_from_info(detail.error)
        if detail.phase not in TERMINAL_PHASES:
            raise RuntimeUserError(
                "ActionNotDone", f"action {self.name} of run {self.run_name} is {detail.phase}: no outputs yet"
            )
        return decode_outputs(detail.outputs)

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
