"""How often a failed task is tried again, and how long to wait in between."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

__all__ = ["Backoff", "RetryStrategy"]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff between attempts: ``base * factor ** n``, never more than ``cap``.

    ``factor`` must be at least 1.0, and a ``cap`` is required when it is above 1.0 so delays
    cannot grow without bound. ``base`` and ``cap`` must not be negative.
    """

    base: timedelta
    factor: float = 1.0
    cap: timedelta | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.base, timedelta):
            raise TypeError(f"Backoff.base must be a timedelta, got {type(self.base).__name__}: {self.base!r}")
        if self.cap is not None and not isinstance(self.cap, timedelta):
            raise TypeError(f"Backoff.cap must be a timedelta, got {type(self.cap).__name__}: {self.cap!r}")
        if isinstance(self.factor, bool) or not isinstance(self.factor, (int, float)) or not math.isfinite(self.factor):
            raise ValueError(f"Backoff.factor must be a finite number, got {self.factor!r}")
        if self.base < timedelta(0):
            raise ValueError(f"Backoff.base must be >= 0, got {self.base!r}")
        if self.factor < 1.0:
            raise ValueError(f"Backoff.factor must be >= 1.0, got {self.factor!r}")
        if self.cap is not None and self.cap < timedelta(0):
            raise ValueError(f"Backoff.cap must be >= 0, got {self.cap!r}")
        if self.factor > 1.0 and self.cap is None:
            raise ValueError(f"Backoff.cap is required when factor ({self.factor}) is above 1.0")

    def compute_delay(self, n: int) -> timedelta:
        """The wait before retry ``n`` (0 for the first retry): ``min(base * factor ** n, cap)``."""
        if n < 0:
            raise ValueError(f"Retry index n must be >= 0, got {n}")
        if not self.base:
            return timedelta(0)
        try:
            seconds = self.base.total_seconds() * self.factor**n
        except OverflowError:  # a huge exponent is simply "very long", and the cap bounds it
            seconds = math.inf
        if self.cap is not None:
            seconds = min(seconds, self.cap.total_seconds())
        return timedelta(seconds=seconds)


@dataclass
class RetryStrategy:
    """Try a failed task up to ``count`` more times, waiting per ``backoff`` (none by default)."""

    count: int
    backoff: Backoff | None = None

    def __post_init__(self) -> None:
        if isinstance(self.count, bool) or not isinstance(self.count, int):
            raise ValueError(f"RetryStrategy.count must be an int (a retry count), got {self.count!r}")
        if self.count < 0:
            raise ValueError(f"RetryStrategy.count must be greater than or equal to 0, got {self.count}")
        if self.backoff is not None and not isinstance(self.backoff, Backoff):
            raise TypeError(f"RetryStrategy.backoff must be a Backoff, got {self.backoff!r}")

    def delay_seconds(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based), i.e. before attempt ``attempt + 1``.

        Zero without a backoff; otherwise the backoff's delay for retry ``attempt - 1``.
        """
        if attempt < 1:
            raise ValueError(f"attempt numbers start at 1, got {attempt}")
        return 0.0 if self.backoff is None else self.backoff.compute_delay(attempt - 1).total_seconds()
