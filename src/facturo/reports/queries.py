"""The reads behind the reports. Reports are read models across invoicing and usage billing, so
this is the one module that queries both packages' tables; nothing here writes."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.lifecycle import Status
from facturo.invoicing.models import Invoice
from facturo.kit.money import ZERO
from facturo.kit.schemas import MAX_ID
from facturo.organisation import service as organisation
from facturo.usage.models import BilledPeriod, Consumption, LineResourcePart, LineSnapshot

_IN_CHUNK = 1_000  # ids per IN list, far below both databases' bind-parameter limits
# Issued and not void: what counts as a sale.
_SOLD = (Status.ISSUED.value, Status.PARTIALLY_PAID.value, Status.PAID.value, Status.CREDITED.value)


def snapshots_of(session: Session, invoice_id: int) -> list[LineSnapshot]:
    """The usage snapshots of an invoice's lines (none: the invoice does not come from usage billing)."""
    stmt = select(LineSnapshot).where(LineSnapshot.invoice_id == invoice_id).order_by(LineSnapshot.invoice_line_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class Reading:
    id: int
    consumed_at: datetime
    hours: Decimal


def readings_of(session: Session, snapshots: Sequence[LineSnapshot]) -> dict[int, list[Reading]]:
    """The consumptions billed on each line, in time order: the consumptions of the line's instance
    dated in the periods its invoice closed, within the line's rate period."""
    if not snapshots:
        return {}
    invoice_ids = sorted({s.invoice_id for s in snapshots})
    stmt = (
        select(Consumption.instance_id, Consumption.id, Consumption.consumed_at, Consumption.hours)
        .join(
            BilledPeriod,
            and_(
                BilledPeriod.instance_id == Consumption.instance_id,
                Consumption.consumed_on >= BilledPeriod.date_from,
                Consumption.consumed_on <= BilledPeriod.date_to,
            ),
        )
        .where(BilledPeriod.invoice_id.in_(invoice_ids))
        .order_by(Consumption.consumed_at, Consumption.id)
    )
    lines_of: dict[int, list[LineSnapshot]] = defaultdict(list)
    for snap in snapshots:
        lines_of[snap.instance_id].append(snap)
    found: dict[int, list[Reading]] = defaultdict(list)
    for instance_id, id_, consumed_at, hours in session.execute(stmt):
        for snap in lines_of.get(instance_id, ()):
            if (snap.rate_from is None or consumed_at >= snap.rate_from) and (
                snap.rate_until is None or consumed_at < snap.rate_until
            ):
                found[snap.invoice_line_id].append(Reading(id_, consumed_at, hours))
                break
    return found


_DIGITS = re.compile(r"[0-9]+")


def find_invoice_id(session: Session, reference: str) -> int | None:
    """The id of the document a user names: its number as printed (``A-00000007``) or its id (``7``).

    A reference made only of digits that does not start with 0 is an id; anything else is read as a
    series prefix followed by the zero-padded number (8 digits or more).
    """
    text = reference.strip().upper()
    if _DIGITS.fullmatch(text) and not text.startswith("0"):
        return int(text) if int(text) <= MAX_ID else None
    issuer = organisation.own_issuer(session)
    for series in invoicing.list_series(session, issuer.id):
        prefix = series.prefix.upper()
        rest = text[len(prefix) :] if text.startswith(prefix) else ""
        if len(rest) < 8 or not _DIGITS.fullmatch(rest) or int(rest) > MAX_ID:
            continue
        found = session.scalar(select(Invoice.id).where(Invoice.series_id == series.id, Invoice.number == int(rest)))
        if found is not None:
            return int(found)
    return None


# --- sales ---------------------------------------------------------------------------------------


def _sold_in(document_type: str, date_from: date, date_to: date) -> ColumnElement[bool]:
    return and_(
        Invoice.document_type == document_type,
        Invoice.status.in_(_SOLD),
        Invoice.issue_date >= date_from,
        Invoice.issue_date <= date_to,
    )


# The sales analysis reads the sold lines as aggregates, never as one object per line: a year is
# some 200k lines. Names are the first seen in (invoice, line) order and resource descriptions the
# last seen, as when the report walked the lines one by one (docs/reports.md).


def _sold_lines(*columns: Any) -> Select[Any]:
    return select(*columns).join(Invoice, Invoice.id == LineSnapshot.invoice_id)


@dataclass(frozen=True, slots=True)
class ConfigurationSums:
    """The sold lines of one (category, configuration) code."""

    category_code: str
    configuration_code: str
    # The least and the greatest name seen (equal unless renamed between snapshots).
    category_names: tuple[str, str]
    configuration_names: tuple[str, str]
    revenue: Decimal
    hours: Decimal
    lines: int
    consumptions: int
    invoices: int  # distinct invoices
    first_invoice_id: int


def configuration_sums(session: Session, date_from: date, date_to: date) -> list[ConfigurationSums]:
    """Σ line totals, Σ hours, lines, consumptions and distinct invoices per (category, configuration)
    code, exact SQL SUMs over the scaled integers."""
    keys = (LineSnapshot.category_code, LineSnapshot.configuration_code)
    stmt = (
        _sold_lines(
            *keys,
            func.min(LineSnapshot.category_name),
            func.max(LineSnapshot.category_name),
            func.min(LineSnapshot.configuration_name),
            func.max(LineSnapshot.configuration_name),
            func.sum(LineSnapshot.total),
            func.sum(LineSnapshot.hours),
            func.count(),
            func.sum(LineSnapshot.consumption_count),
            func.count(LineSnapshot.invoice_id.distinct()),
            func.min(LineSnapshot.invoice_id),
        )
        .where(_sold_in("invoice", date_from, date_to))
        .group_by(*keys)
    )
    return [
        ConfigurationSums(
            cc, kc, (c_min, c_max), (k_min, k_max), revenue, hours, int(lines), int(cons), int(invoices), int(first)
        )
        for cc, kc, c_min, c_max, k_min, k_max, revenue, hours, lines, cons, invoices, first in session.execute(stmt)
    ]


def category_invoice_counts(session: Session, date_from: date, date_to: date) -> dict[str, int]:
    """Distinct invoices per category code."""
    stmt = (
        _sold_lines(LineSnapshot.category_code, func.count(LineSnapshot.invoice_id.distinct()))
        .where(_sold_in("invoice", date_from, date_to))
        .group_by(LineSnapshot.category_code)
    )
    return {str(c): int(n) for c, n in session.execute(stmt)}


def first_names(
    session: Session, invoice_id: int, category_code: str, configuration_code: str | None
) -> tuple[str, str]:
    """The category and configuration names on the first line of ``invoice_id`` with those codes."""
    stmt = (
        select(LineSnapshot.category_name, LineSnapshot.configuration_name)
        .where(LineSnapshot.invoice_id == invoice_id, LineSnapshot.category_code == category_code)
        .order_by(LineSnapshot.invoice_line_id)
        .limit(1)
    )
    if configuration_code is not None:
        stmt = stmt.where(LineSnapshot.configuration_code == configuration_code)
    category_name, configuration_name = session.execute(stmt).one()
    return str(category_name), str(configuration_name)


def resource_sums(session: Session, date_from: date, date_to: date) -> dict[str, tuple[Decimal, int]]:
    """Per resource code: Σ of the parts billing stored with each sold line (the largest-remainder
    split of each line, ``usage_line_resource_parts``) and the last sold invoice that has it. One
    exact SQL SUM over the scaled integers, read from the covering index (invoice, code, amount)."""
    stmt = (
        select(LineResourcePart.resource_code, func.sum(LineResourcePart.amount), func.max(LineResourcePart.invoice_id))
        .join(Invoice, Invoice.id == LineResourcePart.invoice_id)
        .where(_sold_in("invoice", date_from, date_to))
        .group_by(LineResourcePart.resource_code)
    )
    return {str(code): (amount, int(last)) for code, amount, last in session.execute(stmt)}


@dataclass(frozen=True, slots=True)
class PartDescription:
    """How one stored part describes its resource, and where it sits (line, place in the list)."""

    invoice_id: int
    invoice_line_id: int
    position: int
    code: str
    name: str
    abbreviation: str
    metric: str
    kind: str


def part_descriptions(session: Session, invoice_ids: Sequence[int]) -> list[PartDescription]:
    """Every stored part of the given invoices, with its resource description (a handful of invoices:
    the last sold invoice of each resource code)."""
    found: list[PartDescription] = []
    ids = sorted(set(invoice_ids))
    for start in range(0, len(ids), _IN_CHUNK):
        stmt = select(
            LineResourcePart.invoice_id,
            LineResourcePart.invoice_line_id,
            LineResourcePart.position,
            LineResourcePart.resource_code,
            LineResourcePart.resource_name,
            LineResourcePart.abbreviation,
            LineResourcePart.metric,
            LineResourcePart.kind,
        ).where(LineResourcePart.invoice_id.in_(ids[start : start + _IN_CHUNK]))
        found.extend(PartDescription(*row) for row in session.execute(stmt))
    return found


@dataclass(frozen=True, slots=True)
class InvoiceSums:
    count: int
    total: Decimal


def sold_invoice_sums(session: Session, date_from: date, date_to: date) -> InvoiceSums:
    """How many usage invoices the range sold and the sum of their totals (exact SQL SUM)."""
    has_usage = select(LineSnapshot.invoice_id).where(LineSnapshot.invoice_id == Invoice.id).exists()
    stmt = select(func.count(), func.sum(Invoice.total)).where(_sold_in("invoice", date_from, date_to), has_usage)
    count, total = session.execute(stmt).one()
    return InvoiceSums(int(count), total if total is not None else ZERO)


def credit_note_sums(session: Session, date_from: date, date_to: date) -> InvoiceSums:
    """Credit notes dated in the range (not void) that credit a usage invoice, whatever its date."""
    usage_invoice = select(LineSnapshot.invoice_id).where(LineSnapshot.invoice_id == Invoice.credited_invoice_id)
    stmt = select(func.count(), func.sum(Invoice.total)).where(
        _sold_in("credit_note", date_from, date_to), usage_invoice.exists()
    )
    count, total = session.execute(stmt).one()
    return InvoiceSums(int(count), total if total is not None else ZERO)
