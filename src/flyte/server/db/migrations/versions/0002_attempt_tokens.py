"""Attempt tokens: each attempt keeps the hash of the token its worker reports with.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Adds ``attempts.token_hash`` (attempts started before it have none and cannot report)."""
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("token_hash", sa.String(64)))


def downgrade() -> None:
    """Drops ``attempts.token_hash``."""
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("token_hash")
