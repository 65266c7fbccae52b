"""The engine's phases (``flyte._internal.model.phases``) and the API's (``flyte._internal.wire``)
are written out twice, because the model must not load pydantic; they must stay the same list."""

from __future__ import annotations

from typing import get_args

from flyte._internal import wire
from flyte._internal.model.phases import TERMINAL, ActionPhase


def test_the_model_and_the_wire_name_the_same_phases() -> None:
    assert [phase.value for phase in ActionPhase] == list(get_args(wire.Phase))


def test_the_model_and_the_wire_end_in_the_same_phases() -> None:
    assert {phase.value for phase in TERMINAL} == wire.TERMINAL_PHASES
