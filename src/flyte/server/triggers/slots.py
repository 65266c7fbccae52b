"""Slot arithmetic: the times at which a schedule fires, as seconds since the epoch.

A cron schedule's slots are the times its expression matches in its timezone; a fixed rate's
are ``start + k * interval`` for every whole ``k``. Both are pure functions of the schedule, so
every server computes the same slots and the database can key fired slots by their time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

__all__ = ["Schedule", "ScheduleError"]


class ScheduleError(ValueError):
    """A schedule that cannot be evaluated: a bad cron expression, timezone or interval."""


@dataclass(frozen=True)
class Schedule:
    """A trigger's schedule: ``cron`` in ``timezone``, or every ``interval_s`` from ``start``."""

    cron: str | None = None
    timezone: str = "UTC"
    interval_s: float | None = None
    start: float = 0.0

    def __post_init__(self) -> None:
        if (self.cron is None) == (self.interval_s is None):
            raise ScheduleError("a schedule is either a cron expression or a fixed interval")
        if self.interval_s is not None and not (self.interval_s > 0 and math.isfinite(self.interval_s)):
            raise ScheduleError(f"a fixed interval must be a positive number of seconds, got {self.interval_s!r}")
        if self.cron is not None:
            if not croniter.is_valid(self.cron):
                raise ScheduleError(f"invalid cron expression {self.cron!r}")
            self._zone()

    def _zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(
                f"unknown timezone {self.timezone!r}: use an IANA name such as 'Europe/Paris'"
            ) from None

    def latest(self, at: float) -> float | None:
        """The last slot at or before ``at``, or None when there is none (before a fixed rate's start)."""
        if self.interval_s is not None:
            if at < self.start:
                return None
            return self.start + math.floor((at - self.start) / self.interval_s) * self.interval_s
        assert self.cron is not None
        moment = datetime.fromtimestamp(at, tz=timezone.utc).astimezone(self._zone())
        if croniter.match(self.cron, moment.replace(microsecond=0)) and moment.second == 0:
            return float(math.floor(at))
        previous: float = croniter(self.cron, moment).get_prev(float)
        return previous

    def next_after(self, at: float) -> float:
        """The first slot strictly after ``at``."""
        if self.interval_s is not None:
            if at < self.start:
                return self.start
            return self.start + (math.floor((at - self.start) / self.interval_s) + 1) * self.interval_s
        assert self.cron is not None
        moment = datetime.fromtimestamp(at, tz=timezone.utc).astimezone(self._zone())
        following: float = croniter(self.cron, moment).get_next(float)
        return following
