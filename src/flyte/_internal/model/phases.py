"""Phases of runs and actions: the states their records move through."""

from __future__ import annotations

import enum


class ActionPhase(str, enum.Enum):
    """Where an action (or a run, through its root action) is in its life."""

    QUEUED = "QUEUED"
    WAITING_FOR_RESOURCES = "WAITING_FOR_RESOURCES"
    INITIALIZING = "INITIALIZING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    ABORTED = "ABORTED"
    TIMED_OUT = "TIMED_OUT"
    RECOVERED = "RECOVERED"

    @property
    def is_terminal(self) -> bool:
        """True once the action can no longer change."""
        return self in TERMINAL

    def __str__(self) -> str:
        return self.value


TERMINAL = frozenset(
    {
        ActionPhase.SUCCEEDED,
        ActionPhase.FAILED,
        ActionPhase.ABORTED,
        ActionPhase.TIMED_OUT,
        ActionPhase.RECOVERED,
    }
)
"""The phases an action ends in; it never leaves them."""
