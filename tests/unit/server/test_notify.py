"""The server's change notifier: a long-poll never misses a change made while it read the database."""

from __future__ import annotations

import asyncio
import time

from flyte.server.notify import Notifier


async def _delivered() -> None:
    # Signals reach the loop through call_soon_threadsafe: one loop turn delivers them.
    await asyncio.sleep(0)


async def test_a_change_after_the_mark_ends_the_wait_at_once() -> None:
    notifier = Notifier(asyncio.get_running_loop())
    mark = notifier.mark()
    notifier.run_changed("r1")  # lands after the mark, before the wait starts
    await _delivered()
    started = time.monotonic()
    assert await notifier.wait_run("r1", 5.0, since=mark)
    assert time.monotonic() - started < 1.0


async def test_changes_before_the_mark_or_of_other_runs_do_not_count() -> None:
    notifier = Notifier(asyncio.get_running_loop())
    notifier.run_changed("r1")
    await _delivered()
    mark = notifier.mark()
    notifier.run_changed("r2")
    await _delivered()
    assert not await notifier.wait_run("r1", 0.05, since=mark)


async def test_a_change_during_the_wait_wakes_it() -> None:
    notifier = Notifier(asyncio.get_running_loop())
    waiting = asyncio.create_task(notifier.wait_run("r1", 5.0, since=notifier.mark()))
    await _delivered()
    notifier.run_changed("r1")
    assert await asyncio.wait_for(waiting, 1.0)
