"""Details of a server's runs and actions: attempts, errors, phase transitions, inputs and outputs.

:class:`ActionDetails` is one action with everything the server keeps about it;
:class:`RunDetails` is a run with its root action's details. Helpers shared by
:mod:`flyte.remote._run` and :mod:`flyte.remote._action` live here too: following an action's
logs, and turning an async generator into a plain iterator for sync callers.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar

from flyte._internal.wire import TERMINAL_PHASES
from flyte.remote._record import ServerRecord
from flyte.remote._values import decode_inputs, decode_outputs, error_from_info

if TYPE_CHECKING:
    from flyte._internal import wire
    from flyte._internal.client import ApiClient
    from flyte._run import ActionOutputs
    from flyte.errors import BaseRuntimeError

__all__ = [
    "WATCH_POLL_S",
    "ActionDetails",
    "AsyncIterMethod",
    "ListAll",
    "RunDetails",
    "StaticSyncified",
    "TimeFilter",
    "fetch_action_details",
    "follow_logs",
    "log_text",
    "print_logs",
]

T = TypeVar("T")
P = ParamSpec("P")
R = TypeVar("R")
_LOG_WAIT_S = 30.0
WATCH_POLL_S = 30.0
"""How long a watch long-polls for a phase change (the server answers at once on every one)."""


@dataclass(frozen=True)
class TimeFilter:
    """Entries at or after ``after`` (inclusive) and before ``before`` (exclusive)."""

    after: datetime | None = None
    before: datetime | None = None

    def bounds(self) -> tuple[float | None, float | None]:
        """The bounds as seconds since the epoch."""
        return (
            self.after.timestamp() if self.after is not None else None,
            self.before.timestamp() if self.before is not None else None,
        )

    def admits(self, at: float | None) -> bool:
        """Whether the time ``at`` (seconds since the epoch) is within the bounds."""
        low, high = self.bounds()
        if at is None:
            return low is None and high is None
        return (low is None or at >= low) and (high is None or at < high)


class ActionDetails(ServerRecord["wire.ActionDetail"]):
    """One action of a run with its attempts, phase transitions, error, inputs and outputs."""

    def __init__(
        self,
        run_name: str,
        detail: wire.ActionDetail,
        attempts: list[wire.AttemptInfo],
        transitions: list[wire.PhaseTransition],
    ) -> None:
        self._run_name = run_name
        self._detail = detail
        self._attempts = attempts
        self._transitions = transitions

    def _record(self) -> dict[str, Any]:
        return {
            "run_name": self._run_name,
            **self._detail.model_dump(mode="json"),
            "attempts": [a.model_dump(mode="json") for a in self._attempts],
            "transitions": [t.model_dump(mode="json") for t in self._transitions],
        }

    @property
    def run_name(self) -> str:
        """The run the action belongs to."""
        return self._run_name

    @property
    def name(self) -> str:
        """The action's name (``a0`` for the root)."""
        return self._detail.name

    @property
    def parent_name(self) -> str | None:
        """The action that called this one (None for the root)."""
        return self._detail.parent

    @property
    def task_name(self) -> str:
        """The task called (a condition's own name, for a condition)."""
        return self._detail.task_name

    @property
    def kind(self) -> str:
        """``task``, ``trace`` or ``condition``."""
        return self._detail.kind

    @property
    def phase(self) -> str:
        """The phase, e.g. ``RUNNING``."""
        return self._detail.phase

    @property
    def raw_phase(self) -> str:
        """The phase as the server names it (the same text here)."""
        return self._detail.phase

    @property
    def is_running(self) -> bool:
        """Whether an attempt of it is running now."""
        return self._detail.phase == "RUNNING"

    @property
    def attempts(self) -> list[wire.AttemptInfo]:
        """Every attempt started, first to last, with the error of each that failed."""
        return list(self._attempts)

    @property
    def error_info(self) -> wire.ErrorInfo | None:
        """How the action failed (its last attempt's error), if it did."""
        return self._detail.error

    @property
    def error_message(self) -> str | None:
        """The failure's message, if it failed."""
        return self._detail.error.message if self._detail.error is not None else None

    @property
    def error(self) -> BaseRuntimeError | None:
        """How the action failed, as the flyte error its caller saw."""
        return error_from_info(self._detail.error) if self._detail.error is not None else None

    @property
    def cache_status(self) -> str | None:
        """``CACHE_HIT``, ``CACHE_POPULATED``... or None."""
        return self._detail.cache_status

    @property
    def report(self) -> str | None:
        """The HTML of the task's report, if it wrote one."""
        return self._detail.report

    @property
    def queued_time(self) -> float | None:
        """Seconds from being queued to starting (None before it starts)."""
        if self._detail.started_at is None:
            return None
        return self._detail.started_at - self._detail.queued_at

    @property
    def runtime(self) -> float | None:
        """Seconds from starting to ending (None until it ends)."""
        if self._detail.started_at is None or self._detail.ended_at is None:
            return None
        return self._detail.ended_at - self._detail.started_at

    def done(self) -> bool:
        """Whether the action had ended when fetched."""
        return self._detail.phase in TERMINAL_PHASES

    def get_phase_transitions(self, attempt: int | None = None) -> list[wire.PhaseTransition]:
        """The phases the action went through, oldest first (of one attempt, when given)."""
        return [t for t in self._transitions if attempt is None or t.attempt == attempt]

    def inputs(self, *, unpickle: bool = False) -> dict[str, Any]:
        """The action's inputs by name; pickled values stay :class:`~flyte.remote.PickledValue`
        unless ``unpickle`` (which runs their writer's code)."""
        return decode_inputs(self._detail.inputs, unpickle=unpickle)

    def outputs(self, *, unpickle: bool = False) -> ActionOutputs:
        """The action's outputs (see :meth:`inputs` for ``unpickle``); raises its error if it failed."""
        if self._detail.error is not None:
            raise error_from_info(self._detail.error)
        return decode_outputs(self._detail.outputs, unpickle=unpickle)

    def __repr__(self) -> str:
        attempts = len(self._attempts)
        return f"ActionDetails(run={self.run_name!r}, name={self.name!r}, phase={self.phase}, attempts={attempts})"


class RunDetails(ServerRecord["wire.RunInfo"]):
    """A run with its root action's details."""

    def __init__(self, info: wire.RunInfo, action: ActionDetails) -> None:
        self._info = info
        self._action = action

    def _record(self) -> dict[str, Any]:
        return {**self._info.model_dump(mode="json"), "action": self._action.to_dict()}

    @property
    def name(self) -> str:
        """The run's name."""
        return self._info.name

    @property
    def task_name(self) -> str:
        """The task the run was started with."""
        return self._info.task_name

    @property
    def phase(self) -> str:
        """The run's phase."""
        return self._info.phase

    @property
    def rerun_of(self) -> str | None:
        """The run this one re-runs, if it is a rerun."""
        return self._info.rerun_of

    @property
    def info(self) -> wire.RunInfo:
        """The run as the server described it."""
        return self._info

    @property
    def action_details(self) -> ActionDetails:
        """The details of the run's root action."""
        return self._action

    def done(self) -> bool:
        """Whether the run had ended when fetched."""
        return self._info.phase in TERMINAL_PHASES

    def inputs(self, *, unpickle: bool = False) -> dict[str, Any]:
        """The run's inputs (see :meth:`ActionDetails.inputs`)."""
        return self._action.inputs(unpickle=unpickle)

    def outputs(self, *, unpickle: bool = False) -> ActionOutputs:
        """The run's outputs (see :meth:`ActionDetails.outputs`)."""
        return self._action.outputs(unpickle=unpickle)

    def __repr__(self) -> str:
        return f"RunDetails(name={self.name!r}, task={self.task_name!r}, phase={self.phase})"


async def fetch_action_details(client: ApiClient, run_name: str, action_name: str) -> ActionDetails:
    """The action's details, fetched from the server."""
    detail, attempts, transitions = await asyncio.gather(
        asyncio.to_thread(client.get_action, run_name, action_name),
        asyncio.to_thread(client.list_attempts, run_name, action_name),
        asyncio.to_thread(client.action_transitions, run_name, action_name),
    )
    return ActionDetails(run_name, detail, attempts, transitions)


async def follow_logs(
    client: ApiClient, run_name: str, action_name: str, attempt: int | None = None, follow: bool = True
) -> AsyncIterator[wire.StoredLogLine]:
    """The action's log lines (of one attempt, when given), following them until it ends when
    ``follow``, else those written so far."""
    after = 0
    while True:
        wait = _LOG_WAIT_S if follow else 0.0
        chunk = await asyncio.to_thread(client.action_logs, run_name, action_name, after, wait)
        for line in chunk.lines:
            if attempt is None or line.attempt == attempt:
                yield line
        if chunk.done or (not follow and not chunk.lines):
            return
        after = chunk.next_seq


def log_text(line: wire.StoredLogLine, show_ts: bool) -> str:
    """A log line as shown: its text, after its time with ``show_ts``."""
    return f"{time.strftime('%H:%M:%S', time.localtime(line.ts))} {line.text}" if show_ts else line.text


async def print_logs(
    client: ApiClient,
    run_name: str,
    action_name: str,
    out: IO[str],
    attempt: int | None = None,
    max_lines: int = 0,
    show_ts: bool = False,
) -> None:
    """Prints the action's lines logged so far (the last ``max_lines``, when > 0), then follows
    new ones until it ends."""
    backlog = [line async for line in follow_logs(client, run_name, action_name, attempt, follow=False)]
    for line in backlog[-max_lines:] if max_lines > 0 else backlog:
        out.write(log_text(line, show_ts) + "\n")
    out.flush()
    after = backlog[-1].seq if backlog else 0
    while True:
        chunk = await asyncio.to_thread(client.action_logs, run_name, action_name, after, _LOG_WAIT_S)
        for line in chunk.lines:
            if attempt is None or line.attempt == attempt:
                out.write(log_text(line, show_ts) + "\n")
        out.flush()
        if chunk.done:
            return
        after = chunk.next_seq


class ListAll(Generic[P, T]):
    """A class's ``listall``: called, it gives the list; ``.aio(...)`` gives an async iterator
    of the same items. It shows the signature and docstring of the function it wraps."""

    def __init__(self, alist: Callable[P, Coroutine[Any, Any, list[T]]]) -> None:
        self._alist = alist
        self.__doc__ = alist.__doc__
        self.__signature__ = inspect.signature(alist)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[T]:
        from flyte._syncify import run_sync

        return run_sync(self._alist(*args, **kwargs))

    async def aio(self, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[T]:
        """The async form: ``async for item in X.listall.aio(...)``."""
        for item in await self._alist(*args, **kwargs):
            yield item


class StaticSyncified(Generic[P, R]):
    """A class's function that blocks when called and gives the coroutine through ``.aio``.

    Unlike a syncified method it is never bound: ``Run.get(name)`` and ``Run.get.aio(name)``.
    """

    def __init__(self, afunc: Callable[P, Coroutine[Any, Any, R]]) -> None:
        self._afunc = afunc
        self.__doc__ = afunc.__doc__

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        from flyte._syncify import run_sync

        return run_sync(self._afunc(*args, **kwargs))

    def aio(self, *args: P.args, **kwargs: P.kwargs) -> Coroutine[Any, Any, R]:
        """The coroutine form, for ``await``."""
        return self._afunc(*args, **kwargs)


class AsyncIterMethod(Generic[T]):
    """A method that gives an iterator when called and an async iterator through ``.aio``."""

    def __init__(self, agen: Callable[..., AsyncIterator[T]]) -> None:
        self._agen = agen
        self.__doc__ = agen.__doc__

    def __get__(self, obj: Any, objtype: Any = None) -> _BoundIterMethod[T]:
        return _BoundIterMethod(self._agen, obj)


class _BoundIterMethod(Generic[T]):
    def __init__(self, agen: Callable[..., AsyncIterator[T]], obj: Any) -> None:
        self._agen = agen
        self._obj = obj

    def __call__(self, *args: Any, **kwargs: Any) -> Iterator[T]:
        return iterate_sync(self._agen(self._obj, *args, **kwargs))

    def aio(self, *args: Any, **kwargs: Any) -> AsyncIterator[T]:
        """The async iterator, for ``async for``."""
        return self._agen(self._obj, *args, **kwargs)


async def _next(agen: AsyncIterator[T]) -> T:
    return await agen.__anext__()


def iterate_sync(agen: AsyncIterator[T]) -> Iterator[T]:
    """Iterates ``agen`` from sync code, on an event loop of its own in a helper thread (so that
    it works where a loop is running already, as in a notebook)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="flyte-remote-iter", daemon=True)
    thread.start()
    try:
        while True:
            try:
                yield asyncio.run_coroutine_threadsafe(_next(agen), loop).result()
            except StopAsyncIteration:
                return
    finally:
        closer = getattr(agen, "aclose", None)
        if closer is not None:
            asyncio.run_coroutine_threadsafe(closer(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
