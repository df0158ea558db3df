"""The audit's tables: its runs, the sequences it follows, their gaps and monthly counts.

A gap row is one piece of a gap's history. A gap is detected as one row (a *root*); a late
document that fills part of it ends that row (``split``) and replaces it with pieces covering
exactly its numbers: the still-missing runs (``open``) and the filled runs (``closed``, with the
filling document). Rows are never deleted outside a recompute, so the open numbers at any past
instant are the rows alive then (``opened_at <= t < ended_at``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from facturo.kit.db import Base
from facturo.kit.db_types import UTCDateTime


class AuditRun(Base):
    """One application of new documents (the incremental step, or a recompute's last step)."""

    __tablename__ = "sequence_audit_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The business day of ``ran_at`` in the organisation's time zone: a gap's "first detected" day.
    day: Mapped[date] = mapped_column(Date)
    documents: Mapped[int] = mapped_column(Integer, default=0)


class AuditSequence(Base):
    """One issuer's numbering of one kind of document in one series."""

    __tablename__ = "sequence_audit_sequences"
    __table_args__ = (Index("uq_sequence_audit_sequences_key", "issuer_nit", "kind", "series", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_nit: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # invoice, credit_note, debit_note, or the FEL type
    series: Mapped[str] = mapped_column(String(40))  # "" when the format has none (FEL)
    format: Mapped[str] = mapped_column(String(10))  # of the first document seen
    # The lowest number of the first run that saw a numbered document: numbers below it are no gaps.
    floor: Mapped[int | None] = mapped_column(BigInteger)
    highest: Mapped[int | None] = mapped_column(BigInteger)
    highest_document_id: Mapped[int | None] = mapped_column(Integer)
    highest_date: Mapped[date | None] = mapped_column(Date)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    # Documents without a correlative (a FEL DTE without one in its Adenda): none numbered at all
    # makes the sequence "not auditable".
    unnumbered: Mapped[int] = mapped_column(Integer, default=0)
    below_floor: Mapped[int] = mapped_column(Integer, default=0)
    repeated: Mapped[int] = mapped_column(Integer, default=0)  # a number seen again
    first_run_id: Mapped[int] = mapped_column(ForeignKey("sequence_audit_runs.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("sequence_audit_runs.id"))


class Gap(Base):
    __tablename__ = "sequence_audit_gaps"
    __table_args__ = (
        Index("ix_sequence_audit_gaps_sequence", "sequence_id", "status", "first_number"),
        Index("ix_sequence_audit_gaps_detected", "detected_on", "issuer_nit"),
        Index("ix_sequence_audit_gaps_issuer", "issuer_nit", "status"),
        Index("ix_sequence_audit_gaps_before", "before_date"),
        Index("ix_sequence_audit_gaps_after", "after_date"),
        Index("ix_sequence_audit_gaps_ended", "ended_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence_audit_sequences.id"))
    issuer_nit: Mapped[str] = mapped_column(String(20))  # the sequence's, for the reports' filters
    first_number: Mapped[int] = mapped_column(BigInteger)
    last_number: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))  # open, closed, split
    root_id: Mapped[int | None] = mapped_column(ForeignKey("sequence_audit_gaps.id"))  # None: a root
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sequence_audit_gaps.id"))
    # The received documents on either side when the gap (or its root) was seen.
    before_number: Mapped[int] = mapped_column(BigInteger)
    before_document_id: Mapped[int] = mapped_column(ForeignKey("reception_documents.id"))
    before_date: Mapped[date | None] = mapped_column(Date)
    after_number: Mapped[int] = mapped_column(BigInteger)
    after_document_id: Mapped[int] = mapped_column(ForeignKey("reception_documents.id"))
    after_date: Mapped[date | None] = mapped_column(Date)
    detected_on: Mapped[date] = mapped_column(Date)  # the root's day, inherited by its pieces
    detected_run_id: Mapped[int] = mapped_column(ForeignKey("sequence_audit_runs.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_run_id: Mapped[int | None] = mapped_column(ForeignKey("sequence_audit_runs.id"))
    # A closed piece: the document that filled it (its lowest number, when several did at once).
    filled_by_document_id: Mapped[int | None] = mapped_column(ForeignKey("reception_documents.id"))
    filled_by_number: Mapped[int | None] = mapped_column(BigInteger)


class MonthlyCount(Base):
    """Documents applied per sequence and month of their issue date (the monthly report's first
    figure), kept as they are applied so the report never counts the history again."""

    __tablename__ = "sequence_audit_months"
    __table_args__ = (Index("uq_sequence_audit_months", "sequence_id", "month", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequence_audit_sequences.id"))
    month: Mapped[date] = mapped_column(Date)  # its first day
    documents: Mapped[int] = mapped_column(Integer, default=0)
