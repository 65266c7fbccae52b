"""Phases of runs and actions, and the transitions allowed between them."""

from __future__ import annotations

import enum


class ActionPhase(str, enum.Enum):
    """Where an action (or a run, through its root action) is in its life."""

    QUEUED = "QUEUED"
    WAITING_FOR_RESOURCES = "WAITING_FOR_RESOURCES"
    INITIALIZING = "INITIALIZING"
    RUNNING = "RUNNING"
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

_ACTIVE = (
    ActionPhase.QUEUED,
    ActionPhase.WAITING_FOR_RESOURCES,
    ActionPhase.INITIALIZING,
    ActionPhase.RUNNING,
)

# Any active phase may move forward to a later active phase or end; an ended action never moves.
ALLOWED_TRANSITIONS: dict[ActionPhase, frozenset[ActionPhase]] = {
    phase: frozenset(_ACTIVE[i + 1 :]) | TERMINAL for i, phase in enumerate(_ACTIVE)
}
for _ended in TERMINAL:
    ALLOWED_TRANSITIONS[_ended] = frozenset()


def can_transition(current: ActionPhase, target: ActionPhase) -> bool:
    """Whether an action in ``current`` may move to ``target``."""
    return target in ALLOWED_TRANSITIONS[current]
