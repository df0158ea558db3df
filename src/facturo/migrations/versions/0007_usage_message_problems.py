"""usage message problems

The full per-line report of every IPC2 import (duplicates, warnings, rejections), stored apart from
the message's receipt so a large file answers with a summary and its whole report is downloadable.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_message_problems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("message_es", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["usage_messages.id"],
            name=op.f("fk_usage_message_problems_message_id_usage_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_message_problems")),
    )
    op.create_index(
        "ix_usage_message_problems_message", "usage_message_problems", ["message_id", "kind", "line"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_usage_message_problems_message", table_name="usage_message_problems")
    op.drop_table("usage_message_problems")
