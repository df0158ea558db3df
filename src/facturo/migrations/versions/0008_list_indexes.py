"""list indexes

Indexes that match each list's filter and sort order, so keyset pages cost the same at any depth
(docs/api.md, "Pagination"; tests/lists/test_plans.py checks every list query's plan). Each one is
the filter's columns followed by the list's sort key and the id, e.g. invoices (status, issue_date,
id) for ``?status=issued`` newest first. Indexes that are a prefix of a new one are dropped (on
SQLite an index already ends in the rowid, on PostgreSQL it does not, hence the explicit ``id``).
Statistics are gathered at the end so that both planners pick them from the start.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('issued', 'partially_paid')")

# (table, name, columns, partial WHERE or None)
NEW = [
    ("invoices", "ix_invoices_status_date", ["status", "issue_date", "id"], None),
    ("invoices", "ix_invoices_customer_date", ["customer_id", "issue_date", "id"], None),
    ("invoices", "ix_invoices_issue_date", ["issue_date", "id"], None),
    ("invoices", "ix_invoices_type_date", ["document_type", "issue_date", "id"], None),
    ("invoices", "ix_invoices_open_date", ["issue_date", "id"], OPEN),
    ("customers", "ix_customers_name", ["name", "id"], None),
    ("customers", "ix_customers_active_name", ["active", "name", "id"], None),
    ("payments", "ix_payments_received", ["received_on", "id"], None),
    ("payments", "ix_payments_invoice_received", ["invoice_id", "received_on", "id"], None),
    ("payments", "ix_payments_customer_received", ["customer_id", "received_on", "id"], None),
    ("payments", "ix_payments_status_received", ["status", "received_on", "id"], None),
    ("history_records", "ix_history_entity", ["entity_type", "entity_id", "id"], None),
    ("history_records", "ix_history_parent", ["parent_type", "parent_id", "id"], None),
    ("usage_consumptions", "ix_usage_consumptions_customer_day", ["customer_id", "consumed_on", "id"], None),
    ("usage_consumptions", "ix_usage_consumptions_instance_day", ["instance_id", "consumed_on", "id"], None),
    ("usage_consumptions", "ix_usage_consumptions_on", ["consumed_on", "id"], None),
]

# (table, name, columns) as they were before; a new index of the same name replaces some of them.
OLD = [
    ("invoices", "ix_invoices_customer_date", ["customer_id", "issue_date"]),
    ("invoices", "ix_invoices_issue_date", ["issue_date"]),
    ("customers", "ix_customers_name", ["name"]),
    ("payments", "ix_payments_invoice_id", ["invoice_id"]),
    ("history_records", "ix_history_entity", ["entity_type", "entity_id"]),
    ("history_records", "ix_history_parent", ["parent_type", "parent_id"]),
    ("usage_consumptions", "ix_usage_consumptions_customer_id", ["customer_id"]),
]

TABLES = ["invoices", "customers", "payments", "history_records", "usage_consumptions"]


def _create(table: str, name: str, columns: list[str], where: sa.TextClause | None) -> None:
    op.create_index(name, table, columns, unique=False, sqlite_where=where, postgresql_where=where)


def _analyze() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("ANALYZE")
    else:
        for table in TABLES:
            op.execute(f"ANALYZE {table}")


def upgrade() -> None:
    # A payment's customer is its invoice's (copied at registration; nullable so that SQLite adds it
    # in place: a table copy of payments would cascade-delete its splits).
    op.add_column("payments", sa.Column("customer_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE payments SET customer_id = (SELECT customer_id FROM invoices WHERE invoices.id = payments.invoice_id)"
    )
    # Plain index operations (no batch copy): usage_consumptions carries triggers a table copy would lose.
    for table, name, _ in OLD:
        op.drop_index(name, table_name=table)
    for table, name, columns, where in NEW:
        _create(table, name, columns, where)
    _analyze()


def downgrade() -> None:
    for table, name, _, _ in reversed(NEW):
        op.drop_index(name, table_name=table)
    for table, name, columns in OLD:
        _create(table, name, columns, None)
    with op.batch_alter_table("payments", recreate="never") as batch_op:
        batch_op.drop_column("customer_id")
