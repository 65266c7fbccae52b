"""How long a task may wait in the queue and run before it is stopped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Union

__all__ = ["Timeout", "TimeoutType", "max_runtime_seconds", "timeout_from_request"]


def _seconds(field: str, value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, timedelta)):
        raise ValueError(f"{field} must be an int (seconds) or a timedelta, got {type(value).__name__}: {value!r}")
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 0:
        raise ValueError(f"{field} must not be negative, got {value!r}")
    return seconds


@dataclass
class Timeout:
    """Limits on an action's duration; a number means seconds.

    ``max_runtime`` bounds one attempt's running time, ``max_queued_time`` the time spent waiting
    to start, and ``deadline`` the whole action including retries. Negative values raise
    ``ValueError``; 0 and ``None`` mean no limit.
    """

    max_runtime: timedelta | int | float | None = None
    max_queued_time: timedelta | int | float | None = None
    deadline: timedelta | int | float | None = None

    def __post_init__(self) -> None:
        for field in ("max_runtime", "max_queued_time", "deadline"):
            _seconds(field, getattr(self, field))


TimeoutType = Union[Timeout, int, float, timedelta]
"""What ``timeout=`` accepts: a :class:`Timeout`, or a max runtime as seconds or a timedelta."""


def timeout_from_request(timeout: TimeoutType) -> Timeout:
    """Normalise a :data:`TimeoutType` into a :class:`Timeout`."""
    if isinstance(timeout, Timeout):
        return timeout
    # Fractional seconds are accepted (the reference SDK takes only ints): local runs use them.
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float, timedelta)):
        raise ValueError(f"timeout must be a Timeout, seconds or a timedelta, got {timeout!r}")
    return Timeout(max_runtime=timeout if isinstance(timeout, timedelta) else timedelta(seconds=timeout))


def max_runtime_seconds(timeout: TimeoutType | None) -> float | None:
    """Seconds one attempt may run for, or ``None`` for no limit (no timeout, or a zero one)."""
    if timeout is None:
        return None
    seconds = _seconds("max_runtime", timeout_from_request(timeout).max_runtime)
    return seconds or None
