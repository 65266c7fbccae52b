"""Why a queued action waits: a task asking for more than the cluster has stays queued, saying so.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Adds ``actions.waiting_reason`` (empty for every action until the scheduler sets one)."""
    with op.batch_alter_table("actions") as batch:
        batch.add_column(sa.Column("waiting_reason", sa.Text))


def downgrade() -> None:
    """Drops ``actions.waiting_reason``."""
    with op.batch_alter_table("actions") as batch:
        batch.drop_column("waiting_reason")
