"""reception: submissions, received documents (the index) and their findings

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACCEPTED_NUMBER = "status = 'accepted' AND number IS NOT NULL"
_ACCEPTED_UUID = "status = 'accepted' AND authorization_uuid IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "reception_submissions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("allowed_issuer_nits", sa.JSON(), nullable=True),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("refused", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reception_documents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("reception_submissions.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(80), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("format", sa.String(10), nullable=False),
        sa.Column("document_type", sa.String(20), nullable=True),
        sa.Column("issuer_nit", sa.String(20), nullable=True),
        sa.Column("issuer_id", sa.Integer(), sa.ForeignKey("issuers.id"), nullable=True),
        sa.Column("issuer_name", sa.String(300), nullable=True),
        sa.Column("receiver_id", sa.String(20), nullable=True),
        sa.Column("receiver_name", sa.String(300), nullable=True),
        sa.Column("series", sa.String(40), nullable=True),
        sa.Column("number", sa.String(40), nullable=True),
        sa.Column("correlative", sa.BigInteger(), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("taxable_total", sa.BigInteger(), nullable=True),
        sa.Column("tax_total", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("authorization_uuid", sa.String(36), nullable=True),
        sa.Column("certifier_nit", sa.String(20), nullable=True),
        sa.Column("reference_series", sa.String(40), nullable=True),
        sa.Column("reference_number", sa.String(40), nullable=True),
        sa.Column("reference_uuid", sa.String(36), nullable=True),
        sa.Column("duplicate_of_id", sa.Integer(), sa.ForeignKey("reception_documents.id"), nullable=True),
        sa.Column("finding_count", sa.Integer(), nullable=False),
    )
    op.create_index("uq_reception_documents_sha256", "reception_documents", ["sha256"], unique=True)
    op.create_index("ix_reception_documents_queue", "reception_documents", ["status", "id"])
    op.create_index("ix_reception_documents_submission", "reception_documents", ["submission_id", "issue_date", "id"])
    op.create_index("ix_reception_documents_submission_status", "reception_documents", ["submission_id", "status"])
    op.create_index("ix_reception_documents_issuer_date", "reception_documents", ["issuer_nit", "issue_date", "id"])
    op.create_index(
        "ix_reception_documents_issuer_totals",
        "reception_documents",
        ["issuer_nit", "issue_date", "status", "document_type", "currency", "taxable_total", "tax_total", "total"],
    )
    op.create_index("ix_reception_documents_date", "reception_documents", ["issue_date", "id"])
    op.create_index("ix_reception_documents_status_date", "reception_documents", ["status", "issue_date", "id"])
    op.create_index("ix_reception_documents_receiver", "reception_documents", ["receiver_id", "issue_date", "id"])
    op.create_index(
        "uq_reception_documents_number",
        "reception_documents",
        ["issuer_nit", "document_type", "series", "number"],
        unique=True,
        sqlite_where=sa.text(_ACCEPTED_NUMBER),
        postgresql_where=sa.text(_ACCEPTED_NUMBER),
    )
    op.create_index(
        "uq_reception_documents_authorization",
        "reception_documents",
        ["authorization_uuid"],
        unique=True,
        sqlite_where=sa.text(_ACCEPTED_UUID),
        postgresql_where=sa.text(_ACCEPTED_UUID),
    )
    op.create_table(
        "reception_findings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("reception_documents.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(60), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("message_es", sa.Text(), nullable=False),
        sa.Column("message_en", sa.Text(), nullable=False),
    )
    op.create_index("ix_reception_findings_document", "reception_findings", ["document_id", "position"])
    op.create_index("ix_reception_findings_rule", "reception_findings", ["rule", "document_id"])


def downgrade() -> None:
    op.drop_table("reception_findings")
    op.drop_table("reception_documents")
    op.drop_table("reception_submissions")
