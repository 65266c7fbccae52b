"""Wake-ups inside the server: long-polls learn that a run changed, the scheduler that work came.

The database is the truth; these are only hints that it is worth reading again. Any thread may
signal (API handlers run on a thread pool); waiters are coroutines on the server's event loop.

A long-poll reads the database, then waits for a change: a change that lands between the two
would be missed, and the poll held to its timeout. So a waiter takes :meth:`Notifier.mark`
*before* reading, and :meth:`Notifier.wait_run` returns at once if the run changed since.
"""

from __future__ import annotations

import asyncio

_MAX_REMEMBERED = 100_000


class Notifier:
    """Per-run change signals and the scheduler's wake-up signal."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._runs: dict[str, asyncio.Event] = {}
        self._scheduler = asyncio.Event()
        # Changes are numbered; each run remembers the number of its last one. Runs forgotten
        # to bound the memory count as changed at ``_floor`` (at worst one early wake-up).
        self._seq = 0
        self._floor = 0
        self._changed: dict[str, int] = {}

    def mark(self) -> int:
        """A position in the stream of changes, to pass to :meth:`wait_run` (on the loop)."""
        return self._seq

    def run_changed(self, run_name: str) -> None:
        """Something in the run changed (an action ended, logs arrived, ...)."""
        self._loop.call_soon_threadsafe(self._fire_run, run_name)

    def wake_scheduler(self) -> None:
        """New work may be ready to dispatch, or an attempt ended."""
        self._loop.call_soon_threadsafe(self._scheduler.set)

    def _fire_run(self, run_name: str) -> None:
        self._seq += 1
        if len(self._changed) >= _MAX_REMEMBERED and run_name not in self._changed:
            self._changed.clear()
            self._floor = self._seq
        self._changed[run_name] = self._seq
        event = self._runs.pop(run_name, None)
        if event is not None:
            event.set()

    async def wait_run(self, run_name: str, timeout: float, since: int | None = None) -> bool:
        """Waits until the run changes or ``timeout`` passes; True if it changed.

        With ``since`` (a :meth:`mark`), a change made after that mark counts even if it came
        before this call.
        """
        if since is not None and self._changed.get(run_name, self._floor) > since:
            return True
        event = self._runs.get(run_name)
        if event is None:
            event = self._runs[run_name] = asyncio.Event()
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def wait_scheduler(self, timeout: float) -> None:
        """Waits for a scheduler wake-up or ``timeout``, whichever comes first."""
        try:
            await asyncio.wait_for(self._scheduler.wait(), timeout)
        except asyncio.TimeoutError:
            return
        finally:
            self._scheduler.clear()
