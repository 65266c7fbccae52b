"""The initial schema: runs, actions, attempts, transitions, cache, bundles and logs.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Creates every table of the first schema."""
    op.create_table(
        "runs",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("project", sa.String(128), nullable=False),
        sa.Column("domain", sa.String(128), nullable=False),
        sa.Column("task_name", sa.String(512), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("bundle", sa.String(64)),
        sa.Column("raw_data_path", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
    )
    op.create_index("runs_by_created", "runs", ["created_at"])
    op.create_table(
        "actions",
        sa.Column("run_name", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("parent", sa.String(128)),
        sa.Column("task_name", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("grp", sa.String(256)),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("user_failures", sa.Integer, nullable=False),
        sa.Column("system_failures", sa.Integer, nullable=False),
        sa.Column("task_spec", sa.Text, nullable=False),
        sa.Column("inputs", sa.LargeBinary),
        sa.Column("outputs", sa.LargeBinary),
        sa.Column("error", sa.Text),
        sa.Column("cache_key", sa.String(64)),
        sa.Column("cache_status", sa.String(32)),
        sa.Column("report", sa.Text),
        sa.Column("queued_at", sa.Float, nullable=False),
        sa.Column("ready_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("ended_at", sa.Float),
        sa.Column("heartbeat_at", sa.Float),
        sa.Column("waiting", sa.Boolean, nullable=False),
        sa.Column("worker", sa.String(128)),
    )
    op.create_index("actions_queued", "actions", ["phase", "ready_at"])
    op.create_index("actions_by_parent", "actions", ["run_name", "parent"])
    op.create_table(
        "attempts",
        sa.Column("run_name", sa.String(64), primary_key=True),
        sa.Column("action_name", sa.String(128), primary_key=True),
        sa.Column("attempt", sa.Integer, primary_key=True),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("ended_at", sa.Float),
        sa.Column("error", sa.Text),
        sa.Column("worker", sa.String(128)),
    )
    op.create_table(
        "transitions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_name", sa.String(64), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("transitions_by_action", "transitions", ["run_name", "action_name"])
    op.create_table(
        "cache",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("task_name", sa.String(512), nullable=False),
        sa.Column("outputs", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "bundles",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("uri", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "logs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_name", sa.String(64), nullable=False),
        sa.Column("action_name", sa.String(128), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("stream", sa.String(16), nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_index("logs_by_action", "logs", ["run_name", "action_name", "id"])


def downgrade() -> None:
    """Drops every table."""
    for table in ("logs", "bundles", "cache", "transitions", "attempts", "actions", "runs"):
        op.drop_table(table)
