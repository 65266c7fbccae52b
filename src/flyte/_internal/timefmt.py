"""Times and durations as people read them, the same in the CLI's tables and the UI's pages."""

from __future__ import annotations

import time


def timestamp(ts: float | None) -> str:
    """A time as local ``YYYY-MM-DD HH:MM:SS``; ``-`` when unknown."""
    return "-" if ts is None else time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))


def duration(start: float | None, end: float | None, now: float | None = None) -> str:
    """``1.2s``, ``3m04s`` or ``1h02m`` from ``start`` to ``end`` (or now, while it lasts)."""
    if start is None:
        return "-"
    seconds = max(0.0, (end if end is not None else (now or time.time())) - start)
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
