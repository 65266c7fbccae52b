"""Live counters of the actions of the runs executing in this process, for progress displays."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class RunProgress:
    """Counts of a run's actions by state; updated in place by the engine as actions move."""

    run_name: str
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    cached: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def started(self) -> None:
        """An action began running."""
        with self._lock:
            self.running += 1

    def ended(self, succeeded: bool) -> None:
        """A running action ended."""
        with self._lock:
            self.running -= 1
            if succeeded:
                self.succeeded += 1
            else:
                self.failed += 1

    def served_from_cache(self) -> None:
        """An action was answered from the cache without running."""
        with self._lock:
            self.cached += 1

    @property
    def done(self) -> int:
        """Actions that have finished, whatever their outcome."""
        return self.succeeded + self.failed + self.cached


_active: dict[str, RunProgress] = {}


def start(run_name: str) -> RunProgress:
    """Registers a run as executing here and returns its counters."""
    progress = RunProgress(run_name)
    _active[run_name] = progress
    return progress


def finish(run_name: str) -> None:
    """Forgets a run once it has ended."""
    _active.pop(run_name, None)


def active() -> list[RunProgress]:
    """The counters of every run executing in this process, oldest first."""
    return list(_active.values())
