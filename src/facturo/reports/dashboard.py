"""The figures of the staff dashboard, as a handful of SQL aggregates (docs/web.md, "Dashboard figures").

* **Billed** in a period: the totals of the invoices issued in it (any status but draft and void)
  minus the totals of the credit notes issued in it, by issue date (a business date in the
  organisation's time zone). A credit note counts in the period of its own date.
* **Outstanding**: the balances (total - credited - paid) of the open invoices (issued or partially
  paid); **overdue**: the part whose due date has passed; **due soon**: due today or within
  ``DUE_SOON_DAYS``.
* **Revenue by month**: billed per calendar month, the last twelve months including this one.
* **Top customers**: billed per customer this year, the five largest (positive) amounts.
* **Revenue by category**: this year's billed lines by category: a catalog product's category, or
  for usage billing the line snapshot's category; a credit note's line counts against the category
  of the line it credits. Lines with neither are "other" (``name`` None). The categories add up to
  the year's billed amount, to the cent.

Amounts are stored as scaled integers, so every SUM is exact on SQLite and PostgreSQL alike. The
queries only read the invoice indexes (issue date; status and due date) and primary keys.

**Speed.** The year's breakdowns (per customer, per line category) read every line of the year:
300,000 lines for 100,000 invoices, far too slow for a page. ``YearMemo`` keeps them per *slot*:
an issue date and a block of ``SLOT_IDS`` document ids. Each slot has a version: how many documents
(void included) it holds, and how many of those are void. Issued documents are never deleted or
changed and a void is never undone, so both counts only grow, and equal counts mean exactly the
same documents: a slot whose version is unchanged needs no new reading. A page therefore re-reads
only the slots that changed (a new invoice, a void, a credit note: one slot each), and updates the
totals by taking the old slot out and putting the new one in (exact: Decimal). The versions come
from the per-slot query the dashboard runs anyway for the months. A memo belongs to one database
(the web app keeps one per app); without one, everything is read.
"""

from __future__ import annotations

import heapq
import threading
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import QueryableAttribute, Session

from facturo.catalog.models import Category, Product
from facturo.customers import service as customers
from facturo.invoicing.lifecycle import OPEN, Status
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.invoicing.queries import alerts
from facturo.kit import clock
from facturo.kit.clock import month_start
from facturo.kit.db_types import ScaledDecimal
from facturo.kit.money import ZERO
from facturo.organisation import service as organisation
from facturo.usage.models import LineSnapshot

DUE_SOON_DAYS = 7
DUE_SOON_LISTED = 10
TOP_CUSTOMERS = 5
MONTHS = 12

# Issued and not void (issued, partially paid, paid, credited) is what counts as billed. The
# queries say "not draft, not void": an inequality, so the planner reads the issue-date index for
# the period instead of every billed invoice through the status index (SQLite has no statistics).
NOT_BILLED = (Status.DRAFT.value, Status.VOID.value)
_OPEN = tuple(sorted(s.value for s in OPEN))
_AMOUNT = ScaledDecimal(2)
_IN_CHUNK = 500  # values per IN list


@dataclass(frozen=True, slots=True)
class Billed:
    amount: Decimal
    invoices: int  # invoices issued in the period (credit notes not counted)
    credit_notes: int


@dataclass(frozen=True, slots=True)
class Owed:
    amount: Decimal
    invoices: int


@dataclass(frozen=True, slots=True)
class MonthAmount:
    month: date  # the first day of the month
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CustomerAmount:
    customer_id: int
    name: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CategoryAmount:
    name: str | None  # None: lines with neither a catalog nor a usage category ("other")
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Dashboard:
    today: date
    currency: str
    month: Billed
    year: Billed
    outstanding: Owed
    overdue: Owed
    due_soon: Owed
    due_soon_days: int
    due_soon_listed: list[Invoice]  # the first DUE_SOON_LISTED, earliest due first (invoicing alerts)
    by_month: list[MonthAmount]  # oldest first, this month last
    top_customers: list[CustomerAmount]
    by_category: list[CategoryAmount]  # largest first, "other" last


def _signed(amount: ColumnElement[Decimal] | QueryableAttribute[Decimal]) -> ColumnElement[Decimal]:
    """An amount that adds for an invoice and subtracts for a credit note."""
    return case((Invoice.document_type == "credit_note", -amount), else_=amount)


def _exact_sum(amount: ColumnElement[Decimal]) -> ColumnElement[Decimal]:
    return type_coerce(func.coalesce(func.sum(amount), 0), _AMOUNT)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _month_end(day: date) -> date:
    return month_start(day, -1) - timedelta(days=1)


# --- per day ---------------------------------------------------------------------------------------

SLOT_IDS = 1000  # document ids per slot
Slot = tuple[date, int]  # (issue date, id // SLOT_IDS)
Version = tuple[int, int]  # documents (void included), of which void


@dataclass(frozen=True, slots=True)
class Day:
    amount: Decimal  # billed: invoices less credit notes, void excluded
    invoices: int  # billed invoices
    credit_notes: int
    version: Version  # of the whole day


def _versioned(*group: ColumnElement[Any] | QueryableAttribute[Any]) -> Any:
    void = Invoice.status == Status.VOID.value
    return select(
        *group,
        _exact_sum(case((void, literal(0)), else_=_signed(Invoice.total))),
        _count_if(and_(Invoice.document_type == "invoice", ~void)),
        _count_if(and_(Invoice.document_type == "credit_note", ~void)),
        func.count(),
        _count_if(void),
    ).where(Invoice.status != Status.DRAFT.value)


def billed_by_day(session: Session, first: date, last: date) -> dict[date, Day]:
    """Billed figures and version of every issue date in [first, last] that has documents."""
    stmt = (
        _versioned(Invoice.issue_date)
        .where(Invoice.issue_date >= first, Invoice.issue_date <= last)
        .group_by(Invoice.issue_date)
    )
    return {
        day: Day(amount, int(invoices), int(notes), (int(documents), int(voids)))
        for day, amount, invoices, notes, documents, voids in session.execute(stmt)
        if day is not None  # always: issued documents have an issue date
    }


def slot_versions(session: Session, days: list[date]) -> dict[Slot, Version]:
    """The version of every slot of the given issue dates."""
    block = Invoice.id // SLOT_IDS
    found: dict[Slot, Version] = {}
    for start in range(0, len(days), _IN_CHUNK):
        stmt = (
            _versioned(Invoice.issue_date, block)
            .where(Invoice.issue_date.in_(days[start : start + _IN_CHUNK]))
            .group_by(Invoice.issue_date, block)
        )
        for day, block_no, _, _, _, documents, voids in session.execute(stmt):
            if day is not None:
                found[(day, int(block_no))] = (int(documents), int(voids))
    return found


def _total(days: Mapping[date, Day], first: date) -> Billed:
    chosen = [figures for day, figures in days.items() if day >= first]
    return Billed(
        sum((d.amount for d in chosen), ZERO), sum(d.invoices for d in chosen), sum(d.credit_notes for d in chosen)
    )


# --- what is owed ----------------------------------------------------------------------------------


def owed(
    session: Session, today: date, due_soon_days: int = DUE_SOON_DAYS, visible_to: int | None = None
) -> tuple[Owed, Owed, Owed]:
    """Outstanding, overdue and due-soon balances of the open invoices, in one pass; ``visible_to``
    limits them to one customer's (portal)."""
    balance = Invoice.total - Invoice.credited_total - Invoice.paid_total
    overdue = Invoice.due_date < today
    soon = and_(Invoice.due_date >= today, Invoice.due_date <= today + timedelta(days=due_soon_days))
    stmt = select(
        _exact_sum(balance),
        func.count(),
        _exact_sum(case((overdue, balance), else_=literal(0))),
        _count_if(overdue),
        _exact_sum(case((soon, balance), else_=literal(0))),
        _count_if(soon),
    ).where(Invoice.status.in_(_OPEN), Invoice.document_type == "invoice")
    if visible_to is not None:
        stmt = stmt.where(Invoice.customer_id == visible_to)
    total, count, late, late_count, due, due_count = session.execute(stmt).one()
    return Owed(total, int(count)), Owed(late, int(late_count)), Owed(due, int(due_count))


# --- the year's breakdowns -------------------------------------------------------------------------

# What a billed line is grouped by before its category is looked up: ("product", product id),
# ("usage", snapshot category name) or None (neither: "other").
LineKey = tuple[str, int | str] | None
_FEW_SLOTS = 50  # up to this many changed slots are read one by one; more, by whole days


@dataclass(slots=True)
class _Slice:
    version: Version
    customers: dict[int, Decimal] = field(default_factory=dict)
    lines: dict[LineKey, Decimal] = field(default_factory=dict)


def _line_key(product_id: int | None, usage_category: str | None) -> LineKey:
    if product_id is not None:
        return ("product", product_id)
    return ("usage", usage_category) if usage_category is not None else None


def _read_where(session: Session, where: ColumnElement[bool], into: dict[Slot, _Slice]) -> None:
    """Per-customer and per-line-key billed amounts of the documents ``where`` selects, added to
    the slices of ``into`` (rows of slots not in ``into`` are ignored)."""
    billed = and_(where, Invoice.status.not_in(NOT_BILLED))
    block = Invoice.id // SLOT_IDS
    per_customer = (
        select(Invoice.issue_date, block, Invoice.customer_id, _exact_sum(_signed(Invoice.total)))
        .where(billed)
        .group_by(Invoice.issue_date, block, Invoice.customer_id)
    )
    for day, block_no, customer_id, amount in session.execute(per_customer):
        found = into.get((day, int(block_no))) if day is not None else None
        if found is not None:
            found.customers[customer_id] = amount
    per_line = (
        select(
            Invoice.issue_date,
            block,
            InvoiceLine.product_id,
            LineSnapshot.category_name,
            _exact_sum(_signed(InvoiceLine.total_amount)),
        )
        .select_from(InvoiceLine)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .outerjoin(
            LineSnapshot,
            and_(
                InvoiceLine.product_id.is_(None),
                # A usage line's own snapshot, or for a credit note the snapshot of the line it credits.
                LineSnapshot.invoice_line_id == func.coalesce(InvoiceLine.credited_line_id, InvoiceLine.id),
            ),
        )
        .where(billed)
        .group_by(Invoice.issue_date, block, InvoiceLine.product_id, LineSnapshot.category_name)
    )
    for day, block_no, product_id, usage_category, amount in session.execute(per_line):
        found = into.get((day, int(block_no))) if day is not None else None
        if found is not None:
            key = _line_key(product_id, usage_category)
            found.lines[key] = found.lines.get(key, ZERO) + amount


def _read_slices(session: Session, versions: Mapping[Slot, Version]) -> dict[Slot, _Slice]:
    slices = {slot: _Slice(version) for slot, version in versions.items()}
    if len(slices) <= _FEW_SLOTS:
        wanted = [
            and_(Invoice.issue_date == day, Invoice.id >= block * SLOT_IDS, Invoice.id < (block + 1) * SLOT_IDS)
            for day, block in sorted(slices)
        ]
        if wanted:
            _read_where(session, or_(*wanted), slices)
        return slices
    days = sorted({day for day, _ in slices})
    for start in range(0, len(days), _IN_CHUNK):
        _read_where(session, Invoice.issue_date.in_(days[start : start + _IN_CHUNK]), slices)
    return slices


def _add(totals: dict[Any, Decimal], part: Mapping[Any, Decimal], sign: int) -> None:
    """Add (sign 1) or take out (sign -1) a slice's amounts; a total that reaches zero is dropped."""
    for key, amount in part.items():
        value = totals.get(key, ZERO) + sign * amount
        if value:
            totals[key] = value
        else:
            totals.pop(key, None)


class YearMemo:
    """The year's billed totals per customer and per line key, kept per slot (see the module's
    docstring). Thread-safe; one per database."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._days: dict[date, Version] = {}
        self._slices: dict[Slot, _Slice] = {}
        self._customers: dict[int, Decimal] = {}
        self._lines: dict[LineKey, Decimal] = {}
        self._top: list[tuple[int, Decimal]] = []
        self._top_n = -1  # how many customers ``_top`` was chosen for; -1: nothing read yet

    def totals(
        self, session: Session, days: Mapping[date, Version], top: int = TOP_CUSTOMERS
    ) -> tuple[list[tuple[int, Decimal]], dict[LineKey, Decimal]]:
        """The ``top`` customers with the largest positive totals (largest first, ties by id) and
        the totals per line key, over the issue dates given with their current versions."""
        with self._lock:
            changed = sorted(d for d, v in days.items() if self._days.get(d) != v)
            gone = {d for d in self._days if d not in days}
            if changed or gone or top != self._top_n:
                self._update(session, changed, gone)
                best = heapq.nsmallest(top, ((-a, c) for c, a in self._customers.items() if a > 0))
                self._top = [(customer_id, -negated) for negated, customer_id in best]
                self._days = dict(days)
                self._top_n = top
            return list(self._top), dict(self._lines)

    def _update(self, session: Session, changed: list[date], gone: set[date]) -> None:
        versions = slot_versions(session, changed)
        touched = set(changed) | gone
        stale = {s: v for s, v in versions.items() if s not in self._slices or self._slices[s].version != v}
        dropped = [s for s in self._slices if s[0] in touched and s not in versions]
        for slot in [*dropped, *stale]:
            old = self._slices.pop(slot, None)
            if old is not None:
                _add(self._customers, old.customers, -1)
                _add(self._lines, old.lines, -1)
        for slot, fresh in _read_slices(session, stale).items():
            self._slices[slot] = fresh
            _add(self._customers, fresh.customers, 1)
            _add(self._lines, fresh.lines, 1)


def top_customers(session: Session, best: list[tuple[int, Decimal]]) -> list[CustomerAmount]:
    """Names for the best customers (their current names)."""
    names = customers.by_ids(session, (customer_id for customer_id, _ in best))
    return [
        CustomerAmount(customer_id, names[customer_id].name if customer_id in names else str(customer_id), amount)
        for customer_id, amount in best
    ]


def _category_names(session: Session, product_ids: list[int]) -> dict[int, str | None]:
    found: dict[int, str | None] = {}
    for start in range(0, len(product_ids), _IN_CHUNK):
        stmt = (
            select(Product.id, Category.name)
            .outerjoin(Category, Category.id == Product.category_id)
            .where(Product.id.in_(product_ids[start : start + _IN_CHUNK]))
        )
        found.update((product_id, name) for product_id, name in session.execute(stmt))
    return found


def by_category(session: Session, totals: Mapping[LineKey, Decimal]) -> list[CategoryAmount]:
    """Line totals per category name (the product's category now), largest first, "other" (None)
    last; categories that net to zero are left out."""
    products = sorted(int(key[1]) for key in totals if key is not None and key[0] == "product")
    names = _category_names(session, products)
    per_name: dict[str | None, Decimal] = defaultdict(lambda: ZERO)
    for key, amount in totals.items():
        name = None if key is None else names.get(int(key[1])) if key[0] == "product" else str(key[1])
        per_name[name] += amount
    named = sorted(((n, a) for n, a in per_name.items() if n is not None and a), key=lambda item: (-item[1], item[0]))
    result = [CategoryAmount(name, amount) for name, amount in named]
    if per_name.get(None):
        result.append(CategoryAmount(None, per_name[None]))
    return result


# --- the dashboard ---------------------------------------------------------------------------------


def dashboard(session: Session, today: date | None = None, memo: YearMemo | None = None) -> Dashboard:
    """Every figure of the dashboard, for ``today`` (default: today in the organisation's time zone).
    ``memo`` keeps the year's breakdowns between calls (one per database); without it all is read."""
    issuer = organisation.own_issuer(session)
    today = today or clock.today(issuer.timezone)
    year_start = date(today.year, 1, 1)
    # The twelve months always reach back to 1 January: one pass gives the months, this month, this
    # year and the versions of the year's days.
    days = billed_by_day(session, month_start(today, MONTHS - 1), _month_end(today))
    months: dict[date, Decimal] = {month_start(today, back): ZERO for back in range(MONTHS - 1, -1, -1)}
    for day, figures in days.items():
        months[month_start(day)] += figures.amount
    best, per_key = (memo or YearMemo()).totals(
        session, {day: figures.version for day, figures in days.items() if day >= year_start}
    )
    outstanding, overdue, due_soon = owed(session, today)
    return Dashboard(
        today=today,
        currency=issuer.currency,
        month=_total(days, month_start(today)),
        year=_total(days, year_start),
        outstanding=outstanding,
        overdue=overdue,
        due_soon=due_soon,
        due_soon_days=DUE_SOON_DAYS,
        due_soon_listed=alerts(session, today, DUE_SOON_DAYS, limit=DUE_SOON_LISTED).due_soon,
        by_month=[MonthAmount(m, a) for m, a in months.items()],
        top_customers=top_customers(session, best),
        by_category=by_category(session, per_key),
    )
