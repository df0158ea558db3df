"""The sales analysis: what usage billing sold over a range of business dates.

Sales are the issued usage invoices (not draft, not void) dated in the range, gross. Their lines
are grouped by category, then configuration, and split per resource with the same largest
remainder rule as the invoice detail, so:

    Σ categories == Σ configurations == Σ resources == Σ invoice totals, to the cent.

Credit notes are not netted into the groups: the credit notes dated in the range against usage
invoices are totalled apart, with the net figure next to the gross one (docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from facturo.kit.clock import check_range
from facturo.kit.money import ZERO, quantize
from facturo.organisation import service as organisation
from facturo.reports import queries
from facturo.reports.allocation import percentages, plain, resource_shares
from facturo.reports.invoice_detail import Described, resource_totals
from facturo.reports.schemas import CategorySales, ConfigurationSales, SalesReport, SalesTotals
from facturo.usage.models import LineSnapshot
from facturo.usage.rates import RatedResource


@dataclass
class _Group:
    code: str
    name: str
    revenue: Decimal = ZERO
    hours: Decimal = ZERO
    invoices: set[int] = field(default_factory=set)
    lines: int = 0

    def add(self, snap: LineSnapshot) -> None:
        self.revenue += snap.total
        self.hours += snap.hours
        self.invoices.add(snap.invoice_id)
        self.lines += 1


def _ranked(groups: Sequence[_Group]) -> list[_Group]:
    return sorted(groups, key=lambda g: (-g.revenue, g.code))


def sales_report(session: Session, date_from: date, date_to: date) -> SalesReport:
    check_range(date_from, date_to)
    currency = organisation.own_issuer(session).currency
    snapshots = queries.sold_snapshots(session, date_from, date_to)
    categories: dict[str, _Group] = {}
    configurations: dict[str, dict[str, _Group]] = {}
    parts: list[tuple[Described, Decimal]] = []
    for snap in snapshots:
        categories.setdefault(snap.category_code, _Group(snap.category_code, snap.category_name)).add(snap)
        in_category = configurations.setdefault(snap.category_code, {})
        in_category.setdefault(snap.configuration_code, _Group(snap.configuration_code, snap.configuration_name)).add(
            snap
        )
        rated = [RatedResource.from_snapshot(item) for item in snap.resources]
        parts.extend(resource_shares(snap.total, rated, currency))

    ranked = _ranked(list(categories.values()))
    category_percents = percentages([g.revenue for g in ranked])
    invoices = queries.sold_invoice_sums(session, date_from, date_to)
    credits = queries.credit_note_sums(session, date_from, date_to)
    return SalesReport(
        date_from=date_from,
        date_to=date_to,
        currency=currency,
        categories=[
            _category(group, percent, _ranked(list(configurations[group.code].values())))
            for group, percent in zip(ranked, category_percents, strict=True)
        ],
        resources=resource_totals(parts),
        totals=SalesTotals(
            invoice_count=invoices.count,
            line_count=len(snapshots),
            consumption_count=sum(s.consumption_count for s in snapshots),
            hours=plain(sum((s.hours for s in snapshots), ZERO)),
            revenue=quantize(invoices.total, currency),
            credit_note_count=credits.count,
            credited=quantize(credits.total, currency),
            net=quantize(invoices.total - credits.total, currency),
        ),
    )


def _category(group: _Group, percent: Decimal, configurations: list[_Group]) -> CategorySales:
    return CategorySales(
        code=group.code,
        name=group.name,
        revenue=group.revenue,
        hours=plain(group.hours),
        invoice_count=len(group.invoices),
        line_count=group.lines,
        share_percent=percent,
        configurations=[
            ConfigurationSales(
                code=c.code,
                name=c.name,
                revenue=c.revenue,
                hours=plain(c.hours),
                invoice_count=len(c.invoices),
                line_count=c.lines,
                share_percent=p,
            )
            for c, p in zip(configurations, percentages([c.revenue for c in configurations]), strict=True)
        ],
    )
