"""sequence audit: runs, sequences, gaps and monthly counts; received documents remember the
audit run that applied them

``reception_documents.audit_run_id`` is the audit's queue: an accepted document without it has not
been applied yet (the partial index holds exactly those). Documents accepted before this revision
start unmarked, so the first audit run takes the whole history in (docs/audit-gaps.md).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNAUDITED = "status = 'accepted' AND audit_run_id IS NULL"


def upgrade() -> None:
    op.create_table(
        "sequence_audit_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
    )
    op.create_table(
        "sequence_audit_sequences",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("issuer_nit", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("series", sa.String(40), nullable=False),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("floor", sa.BigInteger(), nullable=True),
        sa.Column("highest", sa.BigInteger(), nullable=True),
        sa.Column("highest_document_id", sa.Integer(), nullable=True),
        sa.Column("highest_date", sa.Date(), nullable=True),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.Column("unnumbered", sa.Integer(), nullable=False),
        sa.Column("below_floor", sa.Integer(), nullable=False),
        sa.Column("repeated", sa.Integer(), nullable=False),
        sa.Column("first_run_id", sa.Integer(), sa.ForeignKey("sequence_audit_runs.id"), nullable=False),
        sa.Column("last_run_id", sa.Integer(), sa.ForeignKey("sequence_audit_runs.id"), nullable=False),
    )
    op.create_index(
        "uq_sequence_audit_sequences_key", "sequence_audit_sequences", ["issuer_nit", "kind", "series"], unique=True
    )
    documents = "reception_documents.id"
    op.create_table(
        "sequence_audit_gaps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sequence_id", sa.Integer(), sa.ForeignKey("sequence_audit_sequences.id"), nullable=False),
        sa.Column("issuer_nit", sa.String(20), nullable=False),
        sa.Column("first_number", sa.BigInteger(), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("root_id", sa.Integer(), sa.ForeignKey("sequence_audit_gaps.id"), nullable=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("sequence_audit_gaps.id"), nullable=True),
        sa.Column("before_number", sa.BigInteger(), nullable=False),
        sa.Column("before_document_id", sa.Integer(), sa.ForeignKey(documents), nullable=False),
        sa.Column("before_date", sa.Date(), nullable=True),
        sa.Column("after_number", sa.BigInteger(), nullable=False),
        sa.Column("after_document_id", sa.Integer(), sa.ForeignKey(documents), nullable=False),
        sa.Column("after_date", sa.Date(), nullable=True),
        sa.Column("detected_on", sa.Date(), nullable=False),
        sa.Column("detected_run_id", sa.Integer(), sa.ForeignKey("sequence_audit_runs.id"), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("ended_run_id", sa.Integer(), sa.ForeignKey("sequence_audit_runs.id"), nullable=True),
        sa.Column("filled_by_document_id", sa.Integer(), sa.ForeignKey(documents), nullable=True),
        sa.Column("filled_by_number", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_sequence_audit_gaps_sequence", "sequence_audit_gaps", ["sequence_id", "status", "first_number"])
    op.create_index("ix_sequence_audit_gaps_detected", "sequence_audit_gaps", ["detected_on", "issuer_nit"])
    op.create_index("ix_sequence_audit_gaps_issuer", "sequence_audit_gaps", ["issuer_nit", "status"])
    op.create_index("ix_sequence_audit_gaps_before", "sequence_audit_gaps", ["before_date"])
    op.create_index("ix_sequence_audit_gaps_after", "sequence_audit_gaps", ["after_date"])
    op.create_index("ix_sequence_audit_gaps_ended", "sequence_audit_gaps", ["ended_on"])
    op.create_table(
        "sequence_audit_months",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sequence_id", sa.Integer(), sa.ForeignKey("sequence_audit_sequences.id"), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
    )
    op.create_index("uq_sequence_audit_months", "sequence_audit_months", ["sequence_id", "month"], unique=True)

    with op.batch_alter_table("reception_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("audit_run_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_reception_documents_unaudited",
        "reception_documents",
        ["id"],
        sqlite_where=sa.text(_UNAUDITED),
        postgresql_where=sa.text(_UNAUDITED),
    )


def downgrade() -> None:
    op.drop_index("ix_reception_documents_unaudited", table_name="reception_documents")
    with op.batch_alter_table("reception_documents", schema=None) as batch_op:
        batch_op.drop_column("audit_run_id")
    op.drop_index("uq_sequence_audit_months", table_name="sequence_audit_months")
    op.drop_table("sequence_audit_months")
    for name in ("ended", "after", "before", "issuer", "detected", "sequence"):
        op.drop_index(f"ix_sequence_audit_gaps_{name}", table_name="sequence_audit_gaps")
    op.drop_table("sequence_audit_gaps")
    op.drop_index("uq_sequence_audit_sequences_key", table_name="sequence_audit_sequences")
    op.drop_table("sequence_audit_sequences")
    op.drop_table("sequence_audit_runs")
