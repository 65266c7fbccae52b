"""Wake-ups inside the server: long-polls learn that a run changed, the scheduler that work came.

The database is the truth; these are only hints that it is worth reading again. Any thread may
signal (API handlers run on a thread pool); waiters are coroutines on the server's event loop.
"""

from __future__ import annotations

import asyncio


class Notifier:
    """Per-run change signals and the scheduler's wake-up signal."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self._loop = loop
        self._runs: dict[str, asyncio.Event] = {}
        self._scheduler = asyncio.Event()

    def run_changed(self, run_name: str) -> None:
        """Something in the run changed (an action ended, logs arrived, ...)."""
        self._loop.call_soon_threadsafe(self._fire_run, run_name)

    def wake_scheduler(self) -> None:
        """New work may be ready to dispatch, or an attempt ended."""
        self._loop.call_soon_threadsafe(self._scheduler.set)

    def _fire_run(self, run_name: str) -> None:
        event = self._runs.pop(run_name, None)
        if event is not None:
            event.set()

    async def wait_run(self, run_name: str, timeout: float) -> bool:
        """Waits until the run changes or ``timeout`` passes; True if it changed."""
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
