"""Received documents, their findings and the submissions that brought them.

A document row is written, status ``received``, in the same unit of work that archives its
original bytes; a worker later reads it and sets ``accepted`` or ``rejected`` with its findings
in one transaction. The row is the index: issuer and date, amounts, numbers.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from facturo.kit import clock
from facturo.kit.db import Base
from facturo.kit.db_types import ScaledDecimal, UTCDateTime

# FEL amounts carry 6 decimals; one scale for every amount keeps SQL SUMs exact and comparable.
AMOUNT_SCALE = 6


class Submission(Base):
    """One call that handed documents in: an API request, a portal upload, a CLI run."""

    __tablename__ = "reception_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # api, portal, cli
    submitted_by: Mapped[str] = mapped_column(String(200))  # the actor's label, for people
    submitter: Mapped[str] = mapped_column(String(200), server_default="")  # the actor's key, for ownership
    # The issuer NITs the credential may submit for; None means any (an administrator).
    allowed_issuer_nits: Mapped[list[str] | None] = mapped_column(JSON)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    document_count: Mapped[int] = mapped_column(Integer, default=0)
    # Items that were the same bytes as a document already stored: nothing new was created.
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)
    # Items refused before becoming documents (a zip entry with a traversal name, a nested zip).
    refused: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class ReceivedDocument(Base):
    __tablename__ = "reception_documents"
    __table_args__ = (
        Index("uq_reception_documents_sha256", "sha256", unique=True),
        Index("ix_reception_documents_queue", "status", "id"),
        Index("ix_reception_documents_submission", "submission_id", "issue_date", "id"),
        Index("ix_reception_documents_submission_status", "submission_id", "status"),
        Index("ix_reception_documents_issuer_date", "issuer_nit", "issue_date", "id"),
        # Covers the per-issuer summary: its sums are read from the index alone, never the rows.
        Index(
            "ix_reception_documents_issuer_totals",
            "issuer_nit",
            "issue_date",
            "status",
            "document_type",
            "currency",
            "taxable_total",
            "tax_total",
            "total",
        ),
        Index("ix_reception_documents_date", "issue_date", "id"),
        Index("ix_reception_documents_status_date", "status", "issue_date", "id"),
        Index("ix_reception_documents_receiver", "receiver_id", "issue_date", "id"),
        # One accepted document per issuer number and per FEL authorization (a second is a duplicate).
        Index(
            "uq_reception_documents_number",
            "issuer_nit",
            "document_type",
            "series",
            "number",
            unique=True,
            sqlite_where=text("status = 'accepted' AND number IS NOT NULL"),
            postgresql_where=text("status = 'accepted' AND number IS NOT NULL"),
        ),
        # The accepted documents the sequence audit has not applied yet: its queue, exact whatever
        # order parallel workers commit in (docs/audit-gaps.md).
        Index(
            "ix_reception_documents_unaudited",
            "id",
            sqlite_where=text("status = 'accepted' AND audit_run_id IS NULL"),
            postgresql_where=text("status = 'accepted' AND audit_run_id IS NULL"),
        ),
        Index(
            "uq_reception_documents_authorization",
            "authorization_uuid",
            unique=True,
            sqlite_where=text("status = 'accepted' AND authorization_uuid IS NOT NULL"),
            postgresql_where=text("status = 'accepted' AND authorization_uuid IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("reception_submissions.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)  # in the submission, from 1
    file_name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(10))
    submitted_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    status: Mapped[str] = mapped_column(String(10), default="received")  # received, accepted, rejected
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # A worker's claim: another worker takes the document over once the lease has run out.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the reading found (null until processed, or when the document did not say).
    format: Mapped[str] = mapped_column(String(10), default="unknown")
    document_type: Mapped[str | None] = mapped_column(String(20))
    issuer_nit: Mapped[str | None] = mapped_column(String(20))
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("issuers.id"))
    issuer_name: Mapped[str | None] = mapped_column(String(300))
    receiver_id: Mapped[str | None] = mapped_column(String(20))
    receiver_name: Mapped[str | None] = mapped_column(String(300))
    series: Mapped[str | None] = mapped_column(String(40))
    number: Mapped[str | None] = mapped_column(String(40))
    correlative: Mapped[int | None] = mapped_column(BigInteger)
    issue_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str | None] = mapped_column(String(3))
    taxable_total: Mapped[Decimal | None] = mapped_column(ScaledDecimal(AMOUNT_SCALE))
    tax_total: Mapped[Decimal | None] = mapped_column(ScaledDecimal(AMOUNT_SCALE))
    total: Mapped[Decimal | None] = mapped_column(ScaledDecimal(AMOUNT_SCALE))
    authorization_uuid: Mapped[str | None] = mapped_column(String(36))
    certifier_nit: Mapped[str | None] = mapped_column(String(20))
    reference_series: Mapped[str | None] = mapped_column(String(40))
    reference_number: Mapped[str | None] = mapped_column(String(40))
    reference_uuid: Mapped[str | None] = mapped_column(String(36))
    # A different document with the same issuer number (or FEL authorization): the first one.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reception_documents.id"))
    finding_count: Mapped[int] = mapped_column(Integer, default=0)
    # The sequence-audit run that applied this document (None: not yet). Set once, by the audit,
    # through reception's service (mark_audited); never cleared.
    audit_run_id: Mapped[int | None] = mapped_column(Integer)


class DocumentFinding(Base):
    __tablename__ = "reception_findings"
    __table_args__ = (
        Index("ix_reception_findings_document", "document_id", "position"),
        Index("ix_reception_findings_rule", "rule", "document_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("reception_documents.id"))
    position: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(60))
    severity: Mapped[str] = mapped_column(String(10))
    location: Mapped[str] = mapped_column(Text, default="")
    message_es: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
