"""Deployed tasks and their triggers, with the slots each trigger has fired.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Creates the tables."""
    op.create_table(
        "deployed_tasks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("domain", sa.String(128), nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("version", sa.String(128), nullable=False),
        sa.Column("environment", sa.String(256), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("bundle", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("project", "domain", "name", "version", name="deployed_tasks_by_version"),
    )
    op.create_index("deployed_tasks_by_created", "deployed_tasks", ["project", "domain", "name", "created_at"])
    op.create_table(
        "triggers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("domain", sa.String(128), nullable=False),
        sa.Column("task_name", sa.String(256), nullable=False),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("task_version", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("cron", sa.String(256)),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("interval_s", sa.Float),
        sa.Column("start_time", sa.Float, nullable=False),
        sa.Column("inputs", sa.LargeBinary, nullable=False),
        sa.Column("kickoff_input", sa.String(256)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("active_since", sa.Float, nullable=False),
        sa.Column("missed", sa.String(16), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("project", "domain", "task_name", "name", name="triggers_by_name"),
    )
    op.create_table(
        "trigger_slots",
        sa.Column("trigger_id", sa.Integer, primary_key=True),
        sa.Column("slot", sa.Float, primary_key=True),
        sa.Column("run_name", sa.String(64), nullable=False),
        sa.Column("fired_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    """Drops the tables."""
    op.drop_table("trigger_slots")
    op.drop_table("triggers")
    op.drop_index("deployed_tasks_by_created", table_name="deployed_tasks")
    op.drop_table("deployed_tasks")
