"""reception submissions remember who sent them by identity, not by display name

``submitted_by`` is the actor's label (``token:Integración``), which two credentials may share;
``submitter`` is ``kind:id``, unique per user or token, and is what a credential bound to issuers
is matched on to read its own submissions and documents. Old rows get their label as the best
value there is.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reception_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submitter", sa.String(200), nullable=False, server_default=""))
    op.execute("UPDATE reception_submissions SET submitter = submitted_by")


def downgrade() -> None:
    with op.batch_alter_table("reception_submissions", schema=None) as batch_op:
        batch_op.drop_column("submitter")
