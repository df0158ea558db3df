"""access scoped to issuers

Users with the issuer role and API tokens may be bound to issuer NITs (a JSON list of compact
NITs): reception accepts and shows only those issuers' documents for them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer_nits", sa.JSON(), nullable=True))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("issuer_nits", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("issuer_nits")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("issuer_nits")
