"""Replay-safe clock and sleep for tasks.

Inside a task, ``now()``, ``time()`` and ``sleep()`` are recorded as trace actions, so a task that
runs again after a crash sees the same clock readings and does not sleep again for time already
slept. Each is a plain call in sync code and has an ``.aio`` form for async code.
"""

from __future__ import annotations

import asyncio
import time as _time
from datetime import datetime, timezone

from flyte._syncify import syncify
from flyte._trace import trace

__all__ = ["now", "sleep", "time"]


@trace
async def _clock_reading() -> float:
    return _time.time()


@trace
async def _wake_time(seconds: float) -> float:
    return _time.time() + seconds


@syncify
async def time() -> float:
    """Seconds since the epoch, as recorded the first time this point of the task ran."""
    return await _clock_reading()


@syncify
async def now() -> datetime:
    """The current UTC time, as recorded the first time this point of the task ran."""
    return datetime.fromtimestamp(await _clock_reading(), tz=timezone.utc)


@syncify
async def sleep(seconds: float) -> None:
    """Sleeps until ``seconds`` after this point was first reached (at once if that has passed)."""
    if seconds < 0:
        raise ValueError(f"durable.sleep: seconds must be >= 0, got {seconds}")
    wake_at = await _wake_time(seconds)
    remaining = wake_at - _time.time()
    if remaining > 0:
        await asyncio.sleep(remaining)
