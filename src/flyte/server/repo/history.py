"""An action's history in the database: the phases it went through."""

from __future__ import annotations

from sqlalchemy import Engine, and_, select

from flyte._internal import wire
from flyte.server.db.schema import transitions


def phase_transitions(engine: Engine, run_name: str, action_name: str) -> list[wire.PhaseTransition]:
    """The phases the action entered, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(transitions)
            .where(and_(transitions.c.run_name == run_name, transitions.c.action_name == action_name))
            .order_by(transitions.c.id)
        ).all()
    return [wire.PhaseTransition(attempt=row.attempt, phase=row.phase, at=row.at) for row in rows]
