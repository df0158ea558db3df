"""Reading invoices: one, a filtered page, and the alerts (overdue and due soon)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session, selectinload

from facturo.invoicing.drafts import get_document
from facturo.invoicing.lifecycle import OPEN, Status
from facturo.invoicing.models import Invoice
from facturo.kit.pagination import KeyRange, Keyset, KeysetPage, KeysetParams, Page, PageParams, keyset_page, paginate

# Newest first: drafts (no issue date yet) on top by id, then by issue date and id. Every filter
# below has an index ending in (issue_date, id) (migration 0008), so each page is an index range.
INVOICE_ORDER = Keyset(
    name="inv", key=Invoice.issue_date, id=Invoice.id, key_type=date, attribute="issue_date", nullable=True
)
# Written as a literal so that both databases see it implies the partial index ix_invoices_open_date
# (a bound parameter would hide the values from SQLite's planner).
# tests/lists/test_plans.py checks it names exactly the OPEN statuses.
OPEN_STATUS_SQL = "invoices.status IN ('issued', 'partially_paid')"


@dataclass(frozen=True)
class InvoiceFilter:
    status: Status | None = None
    customer_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    document_type: str | None = None
    overdue_on: date | None = None  # only invoices overdue on this business date
    visible_to: int | None = None  # a portal caller's own customer: nothing else is listed


def _filtered(flt: InvoiceFilter, *, dates: bool = True) -> Select[Invoice]:
    # The series (for the printed number) in a second query of the page's few series, not a join:
    # a join lets PostgreSQL plan the page as join-then-sort.
    stmt = select(Invoice).options(selectinload(Invoice.series))
    if flt.status is not None:
        stmt = stmt.where(Invoice.status == flt.status)
    if flt.customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == flt.customer_id)
    if dates and flt.date_from is not None:
        stmt = stmt.where(Invoice.issue_date >= flt.date_from)
    if dates and flt.date_to is not None:
        stmt = stmt.where(Invoice.issue_date <= flt.date_to)
    if flt.visible_to is not None:
        # A customer sees what was issued to it; the seller's drafts are not documents yet.
        stmt = stmt.where(Invoice.customer_id == flt.visible_to, Invoice.status != Status.DRAFT)
    if flt.document_type is not None:
        stmt = stmt.where(Invoice.document_type == flt.document_type)
    if flt.overdue_on is not None:
        stmt = stmt.where(text(OPEN_STATUS_SQL), Invoice.due_date < flt.overdue_on)
    return stmt


def filtered_invoices(flt: InvoiceFilter) -> tuple[Select[Invoice], KeyRange]:
    """The keyset page's statement without order or limit, and its range on the issue date (the
    EXPLAIN tests plan them through ``keyset_statements``)."""
    return _filtered(flt, dates=False), KeyRange(flt.date_from, flt.date_to)


def list_invoices(session: Session, params: PageParams, flt: InvoiceFilter) -> Page[Invoice]:
    """An offset page (small screens and old clients); ``browse_invoices`` is the keyset one."""
    return paginate(session, _filtered(flt).order_by(*INVOICE_ORDER.offset_order()), params)


def browse_invoices(session: Session, params: KeysetParams, flt: InvoiceFilter) -> KeysetPage[Invoice]:
    """A keyset page of documents, newest first: page N costs what page 1 costs."""
    stmt, key_range = filtered_invoices(flt)
    return keyset_page(session, stmt, INVOICE_ORDER, params, key_range)


@dataclass(frozen=True)
class Alerts:
    today: date
    due_soon_days: int
    overdue: list[Invoice]
    due_soon: list[Invoice]

    @property
    def overdue_total(self) -> Decimal:
        return sum((i.balance for i in self.overdue), Decimal("0.00"))

    @property
    def due_soon_total(self) -> Decimal:
        return sum((i.balance for i in self.due_soon), Decimal("0.00"))


def alerts(
    session: Session, today: date, due_soon_days: int = 7, limit: int = 200, visible_to: int | None = None
) -> Alerts:
    """Open invoices past their due date, and those falling due within ``due_soon_days``."""
    open_ = select(Invoice).where(Invoice.status.in_([s.value for s in OPEN]), Invoice.document_type == "invoice")
    if visible_to is not None:
        open_ = open_.where(Invoice.customer_id == visible_to)
    overdue = session.scalars(
        open_.where(Invoice.due_date < today).order_by(Invoice.due_date, Invoice.id).limit(limit)
    ).all()
    due_soon = session.scalars(
        open_.where(Invoice.due_date >= today, Invoice.due_date <= today + timedelta(days=due_soon_days))
        .order_by(Invoice.due_date, Invoice.id)
        .limit(limit)
    ).all()
    return Alerts(today, due_soon_days, list(overdue), list(due_soon))


def credit_notes_of(session: Session, invoice_id: int, visible_to: int | None = None) -> list[Invoice]:
    get_document(session, invoice_id, visible_to=visible_to)
    stmt = select(Invoice).where(Invoice.credited_invoice_id == invoice_id, Invoice.document_type == "credit_note")
    return list(session.scalars(stmt.order_by(Invoice.id)))
