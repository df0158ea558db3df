"""The invoice detail report: a usage invoice, line by line, down to each consumption and resource.

Per line (one instance and rate period), the line total is split twice with largest remainder
(``allocation``): over its consumptions weighted by their exact cost (hours × hourly rate), and
over its configuration's resources weighted by their hourly rate. Both splits add up to the line
total to the cent; the per-resource totals of the invoice add up to the invoice total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.kit.errors import Conflict, Msg
from facturo.kit.money import ZERO
from facturo.organisation import service as organisation
from facturo.reports import queries
from facturo.reports.allocation import percentages, plain, resource_shares, shares
from facturo.reports.schemas import (
    ConsumptionShare,
    DetailLine,
    InvoiceDetailReport,
    ResourceShare,
    ResourceTotal,
)
from facturo.usage.models import LineSnapshot
from facturo.usage.rates import RatedResource


class NotUsageInvoice(Conflict):
    """The document exists but was not produced by usage billing: there is nothing to detail."""

    code = "not_usage_invoice"


def _not_usage(doc: Invoice) -> NotUsageInvoice:
    credit_note = doc.document_type == "credit_note"
    es = f"{'La nota de crédito' if credit_note else 'La factura'} {doc.full_number or f'(borrador {doc.id})'}"
    en = f"{'Credit note' if credit_note else 'Invoice'} {doc.full_number or f'(draft {doc.id})'}"
    return NotUsageInvoice(
        Msg(
            f"{es} no proviene de facturación por consumo: no tiene detalle de consumos.",
            f"{en} does not come from usage billing: it has no usage detail.",
        )
    )


def invoice_detail(session: Session, invoice_id: int, *, visible_to: int | None = None) -> InvoiceDetailReport:
    """The detail report of a usage invoice. ``visible_to`` limits a portal caller to its own
    invoices: another customer's answers not found, exactly like an id that does not exist."""
    doc = invoicing.get_document(session, invoice_id, visible_to=visible_to)
    snapshots = queries.snapshots_of(session, doc.id) if doc.document_type == "invoice" else []
    if not snapshots:
        raise _not_usage(doc)
    timezone = organisation.own_timezone(session)
    zone = ZoneInfo(timezone)
    readings = queries.readings_of(session, snapshots)
    numbers = {line.id: (line.line_number, line.description) for line in doc.lines}
    lines = [
        _line(snap, numbers.get(snap.invoice_line_id, (0, "")), readings.get(snap.invoice_line_id, []), doc, zone)
        for snap in snapshots
    ]
    lines.sort(key=lambda ln: ln.line_number)
    return InvoiceDetailReport(
        invoice_id=doc.id,
        full_number=doc.full_number or "",
        status=doc.status,
        void=doc.status == "void",
        void_reason=doc.void_reason,
        issue_date=doc.issue_date,
        currency=doc.currency,
        timezone=timezone,
        customer_id=doc.customer_id,
        customer_nit=doc.customer_nit,
        customer_name=doc.customer_name,
        total=doc.total,
        credited_total=doc.credited_total,
        hours=plain(sum((s.hours for s in snapshots), ZERO)),
        consumption_count=sum(s.consumption_count for s in snapshots),
        lines=lines,
        resources=resource_totals([(r, r.amount) for line in lines for r in line.resources]),
    )


def _line(
    snap: LineSnapshot,
    number: tuple[int, str],
    readings: Sequence[queries.Reading],
    doc: Invoice,
    zone: ZoneInfo,
) -> DetailLine:
    currency = doc.currency
    rate = snap.hour_rate
    exact = [r.hours * rate for r in readings]
    amounts = shares(snap.total, exact, currency)
    consumptions = [
        ConsumptionShare(
            id=r.id,
            consumed_at=r.consumed_at.astimezone(zone),
            hours=plain(r.hours),
            exact_cost=plain(cost),
            amount=amount,
        )
        for r, cost, amount in zip(readings, exact, amounts, strict=True)
    ]
    rated = [RatedResource.from_snapshot(item) for item in snap.resources]
    resources = [
        ResourceShare(
            code=r.code,
            name=r.name,
            abbreviation=r.abbreviation,
            metric=r.metric,
            kind=r.kind,
            quantity=plain(r.quantity),
            price_per_hour=plain(r.price_per_hour),
            hour_rate=plain(r.hour_rate),
            exact_cost=plain(snap.hours * r.hour_rate),
            amount=amount,
        )
        for r, amount in resource_shares(snap.total, rated, currency)
    ]
    return DetailLine(
        line_number=number[0],
        description=number[1],
        instance_id=snap.instance_id,
        instance_code=snap.instance_code,
        instance_name=snap.instance_name,
        configuration_code=snap.configuration_code,
        configuration_name=snap.configuration_name,
        category_code=snap.category_code,
        category_name=snap.category_name,
        first_at=snap.period_start.astimezone(zone),
        last_at=snap.period_end.astimezone(zone),
        hours=plain(snap.hours),
        hour_rate=plain(rate),
        consumption_count=snap.consumption_count,
        total=snap.total,
        consumptions=consumptions,
        resources=resources,
    )


Described = ResourceShare | RatedResource


def resource_totals(parts: Sequence[tuple[Described, Decimal]]) -> list[ResourceTotal]:
    """Sum the parts per resource code, highest amount first (ties by code); the last name seen wins."""
    sums: dict[str, Decimal] = {}
    about: dict[str, Described] = {}
    for resource, amount in parts:
        sums[resource.code] = sums.get(resource.code, ZERO) + amount
        about[resource.code] = resource
    return summed_resource_totals(sums, about)


class ResourceDescription(Protocol):
    """How a resource is named in a report's totals."""

    @property
    def name(self) -> str: ...
    @property
    def abbreviation(self) -> str: ...
    @property
    def metric(self) -> str: ...
    @property
    def kind(self) -> str: ...


def summed_resource_totals(
    sums: Mapping[str, Decimal], about: Mapping[str, ResourceDescription]
) -> list[ResourceTotal]:
    """Per resource code its summed amount, highest first (ties by code), described by ``about``."""
    ordered = sorted(sums, key=lambda code: (-sums[code], code))
    percents = percentages([sums[code] for code in ordered])
    return [
        ResourceTotal(
            code=code,
            name=about[code].name,
            abbreviation=about[code].abbreviation,
            metric=about[code].metric,
            kind=about[code].kind,
            amount=sums[code],
            share_percent=percent,
        )
        for code, percent in zip(ordered, percents, strict=True)
    ]
