"""The sales analysis: what usage billing sold over a range of business dates.

Sales are the issued usage invoices (not draft, not void) dated in the range, gross. Their lines
are grouped by category, then configuration, and split per resource with the same largest
remainder rule as the invoice detail, so:

    Σ categories == Σ configurations == Σ resources == Σ invoice totals, to the cent.

Credit notes are not netted into the groups: the credit notes dated in the range against usage
invoices are totalled apart, with the net figure next to the gross one (docs/reports.md).

The groups come from aggregate queries (``queries.configuration_sums``, ``invoice_counts``):
exact SQL SUMs of the scaled integers, never one object per line. The per-resource split stays
the per-line rule (docs/reports.md): billing stores each line's largest-remainder parts of its
total (``usage_line_resource_parts``, ``usage.line_split``), and the report sums them in SQL
(``queries.resource_sums``). The figures are the per-line figures, to the cent
(tests/reports/test_sales_differential.py checks it on random data).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from facturo.kit.clock import check_range
from facturo.kit.money import ZERO, quantize
from facturo.organisation import service as organisation
from facturo.reports import queries
from facturo.reports.allocation import percentages, plain
from facturo.reports.invoice_detail import summed_resource_totals
from facturo.reports.schemas import CategorySales, ConfigurationSales, ResourceTotal, SalesReport, SalesTotals


@dataclass
class _Group:
    code: str
    name: str
    revenue: Decimal = ZERO
    hours: Decimal = ZERO
    invoices: int = 0
    lines: int = 0


def _ranked(groups: Sequence[_Group]) -> list[_Group]:
    return sorted(groups, key=lambda g: (-g.revenue, g.code))


def sales_report(session: Session, date_from: date, date_to: date) -> SalesReport:
    check_range(date_from, date_to)
    currency = organisation.own_issuer(session).currency
    rows = queries.configuration_sums(session, date_from, date_to)
    categories, configurations = _groups(session, rows, date_from, date_to)

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
        resources=_resources(session, date_from, date_to),
        totals=SalesTotals(
            invoice_count=invoices.count,
            line_count=sum(r.lines for r in rows),
            consumption_count=sum(r.consumptions for r in rows),
            hours=plain(sum((r.hours for r in rows), ZERO)),
            revenue=quantize(invoices.total, currency),
            credit_note_count=credits.count,
            credited=quantize(credits.total, currency),
            net=quantize(invoices.total - credits.total, currency),
        ),
    )


def _groups(
    session: Session, rows: Sequence[queries.ConfigurationSums], date_from: date, date_to: date
) -> tuple[dict[str, _Group], dict[str, dict[str, _Group]]]:
    """Categories and their configurations from the per (category, configuration) sums.

    A code carries the name of its first line. It is normally seen under one name; when it was
    renamed between snapshots, the first line's name is read for it.
    """
    categories: dict[str, _Group] = {}
    configurations: dict[str, dict[str, _Group]] = defaultdict(dict)
    category_rows: dict[str, list[queries.ConfigurationSums]] = defaultdict(list)
    for row in rows:
        category_rows[row.category_code].append(row)
        name = row.configuration_names[0]
        if row.configuration_names[0] != row.configuration_names[1]:
            name = queries.first_names(session, row.first_invoice_id, row.category_code, row.configuration_code)[1]
        configurations[row.category_code][row.configuration_code] = _Group(
            row.configuration_code, name, row.revenue, row.hours, row.invoices, row.lines
        )
    # An invoice may hold several configurations of a category: count its invoices again, by code.
    several = any(len(group) > 1 for group in category_rows.values())
    per_category = queries.category_invoice_counts(session, date_from, date_to) if several else {}
    for code, group in category_rows.items():
        names = {name for r in group for name in r.category_names}
        first = min(r.first_invoice_id for r in group)
        name = names.pop() if len(names) == 1 else queries.first_names(session, first, code, None)[0]
        categories[code] = _Group(
            code,
            name,
            revenue=sum((r.revenue for r in group), ZERO),
            hours=sum((r.hours for r in group), ZERO),
            invoices=per_category.get(code, group[0].invoices),
            lines=sum(r.lines for r in group),
        )
    return categories, configurations


def _resources(session: Session, date_from: date, date_to: date) -> list[ResourceTotal]:
    """Per resource: Σ over the sold lines of each line's largest-remainder part of its total.

    The split is per line (docs/reports.md) and billing stores each line's parts when it bills the
    line (``usage.line_split``), so this is one SQL SUM of those parts over the sold invoices. A
    resource is described as the last sold line that has it describes it, in (invoice, line, place
    in the list) order: read from the parts of each code's last sold invoice.
    """
    sums = queries.resource_sums(session, date_from, date_to)
    last_of = {code: last for code, (_, last) in sums.items()}
    latest: dict[str, queries.PartDescription] = {}
    for part in queries.part_descriptions(session, list(last_of.values())):
        if last_of.get(part.code) != part.invoice_id:
            continue
        kept = latest.get(part.code)
        if kept is None or (part.invoice_line_id, part.position) > (kept.invoice_line_id, kept.position):
            latest[part.code] = part
    return summed_resource_totals({code: amount for code, (amount, _) in sums.items()}, latest)


def _category(group: _Group, percent: Decimal, configurations: list[_Group]) -> CategorySales:
    return CategorySales(
        code=group.code,
        name=group.name,
        revenue=group.revenue,
        hours=plain(group.hours),
        invoice_count=group.invoices,
        line_count=group.lines,
        share_percent=percent,
        configurations=[
            ConfigurationSales(
                code=c.code,
                name=c.name,
                revenue=c.revenue,
                hours=plain(c.hours),
                invoice_count=c.invoices,
                line_count=c.lines,
                share_percent=p,
            )
            for c, p in zip(configurations, percentages([c.revenue for c in configurations]), strict=True)
        ],
    )
