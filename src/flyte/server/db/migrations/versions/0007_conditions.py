"""Conditions: values an action waits for from a person (human input).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Creates the ``conditions`` table."""
    op.create_table(
        "conditions",
        sa.Column("run_name", sa.String(64), primary_key=True),
        sa.Column("action_name", sa.String(128), primary_key=True),
        sa.Column("parent", sa.String(128), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("prompt_type", sa.String(16), nullable=False),
        sa.Column("data_type", sa.String(8), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("deadline", sa.Float),
        sa.Column("value", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("signaled_at", sa.Float),
    )
    op.create_index("conditions_by_name", "conditions", ["run_name", "name"])


def downgrade() -> None:
    """Drops the ``conditions`` table."""
    op.drop_index("conditions_by_name", table_name="conditions")
    op.drop_table("conditions")
