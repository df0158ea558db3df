"""Finding received documents: the auditors' search (cursor pages) and the per-issuer summary.

The search is ordered by issue date then id, newest first (``DOCUMENT_ORDER``), so each filter
that leads an index (issuer, receiver, status) followed by ``(issue_date, id)`` reads one index
range per page. Scoping (an issuer sees only its own NITs) is a filter like the others, applied
from the credential by the service, never from the request.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, case, exists, func, select, type_coerce
from sqlalchemy.orm import Session

from facturo.kit.db import table_of
from facturo.kit.db_types import ScaledDecimal
from facturo.kit.pagination import KeyRange, Keyset, KeysetPage, KeysetParams, keyset_page
from facturo.reception.models import AMOUNT_SCALE, DocumentFinding, ReceivedDocument
from facturo.reception.processing import compact_nit

DOCUMENT_ORDER = Keyset(
    name="rcp",
    key=ReceivedDocument.issue_date,
    id=ReceivedDocument.id,
    key_type=date,
    attribute="issue_date",
    nullable=True,
)
STATUSES = ("received", "accepted", "rejected")
# Document types that take away from an issuer's sales, and those that add to them.
CREDIT_TYPES = frozenset({"NCRE", "CreditNote", "credit_note"})

_documents = table_of(ReceivedDocument)
_findings = table_of(DocumentFinding)


@dataclass(frozen=True)
class DocumentFilters:
    issuer_nit: str | None = None
    receiver_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    document_type: str | None = None
    status: str | None = None
    format: str | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    rule: str | None = None
    submission_id: int | None = None
    # From the credential: the only issuers visible (None: all).
    visible_issuer_nits: frozenset[str] | None = field(default=None)


def _filtered(filters: DocumentFilters) -> Select[ReceivedDocument]:
    stmt = select(ReceivedDocument)
    d = ReceivedDocument
    if filters.visible_issuer_nits is not None:
        stmt = stmt.where(d.issuer_nit.in_(sorted(filters.visible_issuer_nits)))
    if filters.issuer_nit:
        stmt = stmt.where(d.issuer_nit == compact_nit(filters.issuer_nit))
    if filters.receiver_id:
        stmt = stmt.where(d.receiver_id == filters.receiver_id)
    if filters.document_type:
        stmt = stmt.where(d.document_type == filters.document_type)
    if filters.status:
        stmt = stmt.where(d.status == filters.status)
    if filters.format:
        stmt = stmt.where(d.format == filters.format)
    if filters.total_min is not None:
        stmt = stmt.where(d.total >= filters.total_min)
    if filters.total_max is not None:
        stmt = stmt.where(d.total <= filters.total_max)
    if filters.submission_id is not None:
        stmt = stmt.where(d.submission_id == filters.submission_id)
    if filters.rule:
        stmt = stmt.where(exists().where(_findings.c.document_id == d.id, _findings.c.rule == filters.rule))
    return stmt


def search(session: Session, filters: DocumentFilters, params: KeysetParams) -> KeysetPage[ReceivedDocument]:
    key_range = KeyRange(filters.date_from, filters.date_to)
    return keyset_page(session, _filtered(filters), DOCUMENT_ORDER, params, key_range)


def every_match(session: Session, filters: DocumentFilters, chunk: int = 1000) -> Iterator[ReceivedDocument]:
    """Every document of a search, page after page (the CSV export streams from here)."""
    cursor: str | None = None
    while True:
        page = search(session, filters, KeysetParams(limit=min(chunk, 500), cursor=cursor, with_total=False))
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
        session.expunge_all()


@dataclass(frozen=True)
class TypeStatusCount:
    document_type: str | None
    status: str
    count: int


@dataclass(frozen=True)
class CurrencyTotals:
    """Accepted documents in one currency; credit notes are netted (subtracted)."""

    currency: str | None
    documents: int
    taxable_total: Decimal
    tax_total: Decimal
    total: Decimal
    credit_note_total: Decimal


@dataclass
class IssuerSummary:
    issuer_nit: str
    issuer_name: str | None
    date_from: date
    date_to: date
    counts: list[TypeStatusCount]
    totals: list[CurrencyTotals]


def _summed(amount: ColumnElement[Any]) -> ColumnElement[Decimal]:
    """An exact SUM of scaled integers, read back as a Decimal (0 over no rows)."""
    return type_coerce(func.coalesce(func.sum(amount), 0), ScaledDecimal(AMOUNT_SCALE))


def issuer_summary(session: Session, issuer_nit: str, date_from: date, date_to: date) -> IssuerSummary:
    """Counts by type and status, and the accepted totals per currency, of one issuer over a date
    range: two aggregate queries over the (issuer_nit, issue_date) index."""
    c = _documents.c
    in_range = (c.issuer_nit == issuer_nit, c.issue_date >= date_from, c.issue_date <= date_to)
    counts = [
        TypeStatusCount(doc_type, str(status), int(count))
        for doc_type, status, count in session.execute(
            select(c.document_type, c.status, func.count())
            .where(*in_range)
            .group_by(c.document_type, c.status)
            .order_by(c.document_type, c.status)
        )
    ]
    credit = c.document_type.in_(sorted(CREDIT_TYPES))
    sign = case((credit, -1), else_=1)
    rows = session.execute(
        select(
            c.currency,
            func.count(),
            _summed(sign * c.taxable_total),
            _summed(sign * c.tax_total),
            _summed(sign * c.total),
            _summed(case((credit, c.total), else_=0)),
        )
        .where(*in_range, c.status == "accepted")
        .group_by(c.currency)
        .order_by(c.currency)
    )
    totals = [
        CurrencyTotals(currency, int(n), taxable, tax, total, credits)
        for currency, n, taxable, tax, total, credits in rows
    ]
    name = session.scalar(
        select(c.issuer_name).where(c.issuer_nit == issuer_nit, c.status == "accepted").order_by(c.id.desc()).limit(1)
    )
    return IssuerSummary(issuer_nit, name, date_from, date_to, counts, totals)
