"""line resource split

Each usage invoice line's parts of its total per resource of its frozen list
(``usage_line_resource_parts``), written by billing from now on so the sales analysis sums them in
SQL (docs/reports.md), and an index on the snapshots for the report's distinct invoices per
category. The lines billed before get their parts here (``backfill``), in batches of
snapshots, with plain SQL and the split function billing itself uses:
``facturo.usage.line_split.line_parts`` is pure (it imports only ``kit.money``, no model), so the
backfill applies the very rule billing applies and stays correct if the models change later.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 21:00:00.000000
"""

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

from facturo.usage.line_split import line_parts

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2_000  # snapshots per batch: a year of lines is some 200k, each with 3-6 resources

_TABLE = "usage_line_resource_parts"
_INDEX = "ix_usage_line_resource_parts_invoice"
# The sales analysis' distinct invoices per category, from the index alone (not the wide rows).
_CATEGORY_INDEX = "ix_usage_line_snapshots_invoice_category"

# Lines without parts yet, in id order after the last batch (keyset: each batch costs the same).
_WITHOUT_PARTS = sa.text(
    "SELECT s.invoice_line_id, s.invoice_id, s.total, s.resources, i.currency "
    "FROM usage_line_snapshots s JOIN invoices i ON i.id = s.invoice_id "
    "WHERE s.invoice_line_id > :after AND NOT EXISTS "
    "(SELECT 1 FROM usage_line_resource_parts p WHERE p.invoice_line_id = s.invoice_line_id) "
    "ORDER BY s.invoice_line_id LIMIT :batch"
)
_INSERT = sa.text(
    f"INSERT INTO {_TABLE} "  # noqa: S608 - constant
    "(invoice_line_id, position, invoice_id, resource_code, resource_name, abbreviation, metric, kind, amount) "
    "VALUES (:invoice_line_id, :position, :invoice_id, :resource_code, :resource_name, :abbreviation, "
    ":metric, :kind, :amount)"
)


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("invoice_line_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=40), nullable=False),
        sa.Column("resource_name", sa.String(length=200), nullable=False),
        sa.Column("abbreviation", sa.String(length=40), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["usage_line_snapshots.invoice_line_id"],
            name=op.f("fk_usage_line_resource_parts_invoice_line_id_usage_line_snapshots"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_usage_line_resource_parts_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("invoice_line_id", "position", name=op.f("pk_usage_line_resource_parts")),
    )
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.create_index(_INDEX, ["invoice_id", "resource_code", "amount"], unique=False)
    with op.batch_alter_table("usage_line_snapshots", schema=None) as batch_op:
        batch_op.create_index(_CATEGORY_INDEX, ["invoice_id", "category_code"], unique=False)
    backfill(op.get_bind())


def backfill(connection: sa.Connection, batch: int = BATCH) -> int:
    """Write the parts of every usage line that has none, with billing's rule; returns the number
    of parts written. Idempotent: lines that already have their parts are left as they are (a line
    whose frozen list is empty has no parts and is simply read again)."""
    filled, after = 0, 0
    while True:
        lines = connection.execute(_WITHOUT_PARTS, {"after": after, "batch": batch}).all()
        if not lines:
            return filled
        rows: list[dict[str, Any]] = []
        for line_id, invoice_id, total, resources, currency in lines:
            items = json.loads(resources) if isinstance(resources, str | bytes) else resources
            # Totals are stored as integer hundredths (kit.db_types.ScaledDecimal(2)).
            parts = line_parts(Decimal(int(total)).scaleb(-2), items, currency)
            rows.extend(
                {
                    "invoice_line_id": line_id,
                    "position": position,
                    "invoice_id": invoice_id,
                    "resource_code": str(item.get("code", "")),
                    "resource_name": str(item.get("name", "")),
                    "abbreviation": str(item.get("abbreviation", "")),
                    "metric": str(item.get("metric", "")),
                    "kind": str(item.get("kind", "")),
                    "amount": int(amount.scaleb(2)),
                }
                for position, (item, amount) in enumerate(zip(items, parts, strict=True), 1)
            )
        if rows:
            connection.execute(_INSERT, rows)
        filled += len(rows)
        after = lines[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("usage_line_snapshots", schema=None) as batch_op:
        batch_op.drop_index(_CATEGORY_INDEX)
    with op.batch_alter_table(_TABLE, schema=None) as batch_op:
        batch_op.drop_index(_INDEX)
    op.drop_table(_TABLE)
