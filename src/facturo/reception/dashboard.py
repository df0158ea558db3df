"""The reception dashboard's figures: aggregates only, never a document (analysts see this page).

Windows (docs/web.md, "Reception pages"):
- documents per day by status, top issuers: the last 30 days of **issue date** (a business date,
  exact on both databases; documents that could not be read have no issue date and are left out);
- top rejection rules: rejected documents **received** in the last 30 days (a rejected document
  often has no readable issue date);
- waiting: documents received in the last 30 days and not decided yet (a waiting document has not
  been read, so it has no issue date nor issuer: it is counted by reception time, never per issue
  day, and a credential scoped to some issuers sees none);
- IVA per month: the last 12 months of issue date.
Amounts are exact SQL SUMs of the scaled integers; credit notes are netted (subtracted).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, type_coerce
from sqlalchemy.orm import Session

from facturo.kit.clock import month_start
from facturo.kit.db import table_of
from facturo.kit.db_types import ScaledDecimal
from facturo.organisation import service as organisation
from facturo.reception.models import AMOUNT_SCALE, DocumentFinding, ReceivedDocument
from facturo.reception.queries import CREDIT_TYPES, STATUSES

DAYS = 30
MONTHS = 12
TOP = 10

_documents = table_of(ReceivedDocument)
_findings = table_of(DocumentFinding)


@dataclass(frozen=True)
class DayCounts:
    day: date
    received: int
    accepted: int
    rejected: int


@dataclass(frozen=True)
class RuleCount:
    rule: str
    documents: int  # rejected documents with at least one error or fatal finding of this rule


@dataclass(frozen=True)
class IssuerAmount:
    issuer_nit: str
    issuer_name: str | None
    currency: str | None
    total: Decimal  # accepted, credit notes netted
    documents: int


@dataclass(frozen=True)
class IssuerCount:
    issuer_nit: str
    issuer_name: str | None
    documents: int


@dataclass(frozen=True)
class MonthTax:
    month: date  # the first day of the month
    currency: str | None
    tax_total: Decimal  # accepted, credit notes netted


@dataclass(frozen=True)
class ReceptionDashboard:
    today: date
    days_from: date
    months_from: date
    by_day: list[DayCounts]  # every day of the window, oldest first, zeros included
    top_rules: list[RuleCount]
    top_issuers_by_amount: list[IssuerAmount]
    top_issuers_by_count: list[IssuerCount]
    tax_by_month: list[MonthTax]  # oldest month first, then currency
    waiting: int  # received in the window, not decided yet

    @property
    def months(self) -> list[date]:
        """The first day of every month of the IVA window, oldest first, the empty ones too."""
        return [month_start(self.today, back) for back in range(MONTHS - 1, -1, -1)]

    @property
    def totals(self) -> DayCounts:
        """The window's documents per status (the waiting ones by reception time)."""
        return DayCounts(
            self.days_from,
            self.waiting + sum(d.received for d in self.by_day),
            sum(d.accepted for d in self.by_day),
            sum(d.rejected for d in self.by_day),
        )


def _summed(amount: ColumnElement[Any]) -> ColumnElement[Decimal]:
    """An exact SUM of scaled integers, read back as a Decimal (0 over no rows)."""
    return type_coerce(func.coalesce(func.sum(amount), 0), ScaledDecimal(AMOUNT_SCALE))


def reception_dashboard(session: Session, today: date, visible: frozenset[str] | None) -> ReceptionDashboard:
    """The figures of the dashboard as of ``today``; ``visible`` limits them to those issuers (None: all)."""
    c = _documents.c
    days_from = today - timedelta(days=DAYS - 1)
    months_from = month_start(today, MONTHS - 1)
    scope = [c.issuer_nit.in_(sorted(visible))] if visible is not None else []
    in_days = (*scope, c.issue_date >= days_from, c.issue_date <= today)
    netted = case((c.document_type.in_(sorted(CREDIT_TYPES)), -1), else_=1)

    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for day, status, count in session.execute(
        select(c.issue_date, c.status, func.count()).where(*in_days).group_by(c.issue_date, c.status)
    ):
        counts[day][str(status)] = int(count)
    by_day = [
        DayCounts(day, *(counts.get(day, {}).get(s, 0) for s in STATUSES))
        for day in (days_from + timedelta(days=n) for n in range(DAYS))
    ]

    received_since = datetime.combine(days_from, time(), tzinfo=UTC)  # from 00:00 UTC of the first day
    waiting = session.scalar(
        select(func.count()).where(
            *scope, c.status == "received", c.issue_date.is_(None), c.received_at >= received_since
        )
    )
    f = _findings.c
    documents = func.count(func.distinct(f.document_id))
    top_rules = [
        RuleCount(str(rule), int(n))
        for rule, n in session.execute(
            select(f.rule, documents)
            .join(_documents, _documents.c.id == f.document_id)
            .where(*scope, c.status == "rejected", c.received_at >= received_since, f.severity.in_(("fatal", "error")))
            .group_by(f.rule)
            .order_by(documents.desc(), f.rule)
            .limit(TOP)
        )
    ]

    accepted_days = (*in_days, c.status == "accepted", c.issuer_nit.is_not(None))
    amount = _summed(netted * c.total)
    top_issuers_by_amount = [
        IssuerAmount(str(nit), name, currency, total, int(n))
        for nit, name, currency, total, n in session.execute(
            select(c.issuer_nit, func.max(c.issuer_name), c.currency, amount, func.count())
            .where(*accepted_days)
            .group_by(c.issuer_nit, c.currency)
            .order_by(amount.desc(), c.issuer_nit, c.currency)
            .limit(TOP)
        )
    ]
    count = func.count()
    top_issuers_by_count = [
        IssuerCount(str(nit), name, int(n))
        for nit, name, n in session.execute(
            select(c.issuer_nit, func.max(c.issuer_name), count)
            .where(*accepted_days)
            .group_by(c.issuer_nit)
            .order_by(count.desc(), c.issuer_nit)
            .limit(TOP)
        )
    ]

    # Summed per day in SQL (portable), then per month here: still exact Decimals.
    months: dict[tuple[date, str | None], Decimal] = defaultdict(Decimal)
    for day, currency, tax in session.execute(
        select(c.issue_date, c.currency, _summed(netted * c.tax_total))
        .where(*scope, c.status == "accepted", c.issue_date >= months_from, c.issue_date <= today)
        .group_by(c.issue_date, c.currency)
    ):
        months[(day.replace(day=1), currency)] += tax
    tax_by_month = [
        MonthTax(month, currency, tax)
        for (month, currency), tax in sorted(months.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
    ]
    return ReceptionDashboard(
        today,
        days_from,
        months_from,
        by_day,
        top_rules,
        top_issuers_by_amount,
        top_issuers_by_count,
        tax_by_month,
        int(waiting or 0),
    )


def dashboard_view(session: Session, visible: frozenset[str] | None) -> ReceptionDashboard:
    """The dashboard as of today in the organisation's time zone."""
    return reception_dashboard(session, organisation.business_today(session), visible)
