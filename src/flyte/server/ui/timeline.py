"""The run's timeline: one bar per action from start to end, laid out for an SVG Gantt chart."""

from __future__ import annotations

import time
from dataclasses import dataclass

from flyte.server.ui.source import ActionRow

WIDTH = 1000.0
ROW_HEIGHT = 14
MAX_BARS = 400


@dataclass(frozen=True)
class Bar:
    """One action's bar, in SVG user units."""

    name: str
    label: str
    phase: str
    x: float
    width: float
    y: int


@dataclass(frozen=True)
class Timeline:
    """The bars, the chart's height and its time span in seconds."""

    bars: list[Bar]
    height: int
    span: float
    hidden: int
    """Actions left out past :data:`MAX_BARS` (the earliest are kept)."""
    ticks: list[tuple[float, str]]


def _tick_label(seconds: float) -> str:
    if 0 < seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    return f"{seconds:.0f}s" if seconds >= 10 or seconds == 0 else f"{seconds:.1f}s"


def timeline(rows: list[ActionRow], now: float | None = None) -> Timeline:
    """The timeline of the actions that have started."""
    started = [row for row in rows if row.started_at is not None]
    if not started:
        return Timeline([], 0, 0.0, 0, [])
    now = now or time.time()
    begin = min(row.started_at or now for row in started)
    end = max((row.ended_at or now) for row in started)
    span = max(end - begin, 0.001)
    shown = started[:MAX_BARS]
    bars = []
    for i, row in enumerate(shown):
        start = row.started_at or begin
        stop = row.ended_at or now
        x = (start - begin) / span * WIDTH
        bars.append(Bar(row.name, row.task_name, row.phase, x, max((stop - start) / span * WIDTH, 1.5), i * ROW_HEIGHT))
    ticks = [(WIDTH * i / 4, _tick_label(span * i / 4)) for i in range(5)]
    return Timeline(bars, len(bars) * ROW_HEIGHT, span, len(started) - len(shown), ticks)
