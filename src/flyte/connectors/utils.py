"""Helpers for connectors: which phases are final, and mapping an external service's state
names onto flyte's phases."""

from __future__ import annotations

from flyte._internal.model.phases import ActionPhase

__all__ = ["convert_to_flyte_phase", "is_terminal_phase"]

_FAILED_STATES = frozenset({"failed", "timeout", "timedout", "canceled", "cancelled", "skipped", "internal_error"})
_SUCCEEDED_STATES = frozenset({"done", "succeeded", "success", "completed"})
_RUNNING_STATES = frozenset({"running", "terminating"})
_PENDING_STATES = frozenset({"pending", "queued"})


def is_terminal_phase(phase: ActionPhase) -> bool:
    """Whether a job in ``phase`` has finished (succeeded, failed, aborted or timed out)."""
    return ActionPhase(phase).is_terminal


def convert_to_flyte_phase(state: str) -> ActionPhase:
    """The flyte phase of an external job's state name (case-insensitive), e.g. ``"DONE"`` ->
    ``SUCCEEDED``, ``"cancelled"`` -> ``FAILED``, ``"pending"`` -> ``INITIALIZING``.

    Raises:
        ValueError: the state is not one of the known names.
    """
    name = state.lower()
    if name in _FAILED_STATES:
        return ActionPhase.FAILED
    if name in _SUCCEEDED_STATES:
        return ActionPhase.SUCCEEDED
    if name in _RUNNING_STATES:
        return ActionPhase.RUNNING
    if name in _PENDING_STATES:
        return ActionPhase.INITIALIZING
    raise ValueError(f"convert_to_flyte_phase: unrecognized job state '{state}'")
