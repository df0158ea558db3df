"""The reports over the real complejo pair of the outside corpus (../shared/samples/ipc2): the same
figures its README computes by hand. Skipped without the corpus; a failure under CI=true."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from facturo.organisation.models import Issuer
from facturo.reports import service
from tests.reports import COMPLEJO_SALES, YEAR_2023, bill_complejo, invoice_of, total
from tests.reports.test_sales import assert_adds_up

pytestmark = pytest.mark.corpus
GUATEMALA = ZoneInfo("America/Guatemala")


def test_the_detail_of_the_complejo_invoice_of_2021055_3(session: Session, issuer: Issuer) -> None:
    billed = bill_complejo(session)
    report = service.invoice_detail(session, invoice_of(billed, "2021055-3"))

    assert (report.full_number, report.customer_nit, report.customer_name) == ("A-00000003", "2021055-3", "Juan López")
    assert (report.total, report.void, report.status) == (Decimal("113387.50"), False, "issued")
    assert (report.consumption_count, report.hours) == (4, Decimal("34.75"))

    # One line per instance: 18.25 h × Q5,770 and 16.5 h × Q490.
    assert [(ln.instance_code, ln.configuration_code, ln.category_code) for ln in report.lines] == [
        ("5", "5", "3"),
        ("6", "6", "3"),
    ]
    assert [(ln.hours, ln.hour_rate, ln.total) for ln in report.lines] == [
        (Decimal("18.25"), Decimal(5770), Decimal("105302.50")),
        (Decimal("16.5"), Decimal(490), Decimal("8085.00")),
    ]
    sql = report.lines[0]
    assert sql.instance_name == "Servidor SQL Empresarial"
    # Times as the message gave them, in the organisation's time zone.
    assert [c.consumed_at for c in sql.consumptions] == [
        datetime(2023, 2, 15, 11, 0, tzinfo=GUATEMALA),
        datetime(2023, 2, 18, 17, 45, tzinfo=GUATEMALA),
    ]
    assert [c.consumed_at.utcoffset() for c in sql.consumptions] == [GUATEMALA.utcoffset(datetime(2023, 2, 15))] * 2
    assert [(c.hours, c.exact_cost, c.amount) for c in sql.consumptions] == [
        (Decimal(10), Decimal(57700), Decimal("57700.00")),
        (Decimal("8.25"), Decimal("47602.5"), Decimal("47602.50")),
    ]
    # CPU 12 × 55, SSD 200 × 25, SQL database 1 × 110 per hour, times 18.25 h.
    assert [(r.code, r.abbreviation, r.hour_rate, r.amount) for r in sql.resources] == [
        ("2", "CPU", Decimal(660), Decimal("12045.00")),
        ("3", "SSD", Decimal(5000), Decimal("91250.00")),
        ("8", "SQLDB", Decimal(110), Decimal("2007.50")),
    ]

    for line in report.lines:
        assert total([c.amount for c in line.consumptions]) == line.total
        assert total([r.amount for r in line.resources]) == line.total
        assert len(line.consumptions) == line.consumption_count
    assert total([ln.total for ln in report.lines]) == report.total
    # Per resource over the invoice: the CPU is in both lines; highest first; adds up to the invoice.
    assert [(r.code, r.amount) for r in report.resources] == [
        ("3", Decimal("91250.00")),
        ("2", Decimal("17490.00")),
        ("8", Decimal("2007.50")),
        ("7", Decimal("1485.00")),
        ("10", Decimal("1155.00")),
    ]
    assert total([r.amount for r in report.resources]) == Decimal("113387.50")
    assert total([r.share_percent for r in report.resources]) == Decimal("100.00")


def test_sales_of_the_billed_complejo_pair(session: Session, issuer: Issuer) -> None:
    billed = bill_complejo(session)
    report = service.sales_report(session, *YEAR_2023)

    assert (report.date_from, report.date_to, report.currency) == (*YEAR_2023, "GTQ")
    t = report.totals
    assert (t.invoice_count, t.line_count, t.consumption_count, t.hours) == (3, 5, 10, Decimal("73.75"))
    assert (t.revenue, t.credited, t.net, t.credit_note_count) == (
        COMPLEJO_SALES,
        Decimal("0.00"),
        COMPLEJO_SALES,
        0,
    )
    assert_adds_up(report, billed.total)
    assert billed.total == COMPLEJO_SALES

    # Categories by revenue, highest first, each with its configurations by revenue.
    assert [(c.code, c.name, c.revenue, c.hours, c.invoice_count, c.line_count) for c in report.categories] == [
        ("3", "Categoria 3", Decimal("113387.50"), Decimal("34.75"), 1, 2),
        ("1", "Categoria 1", Decimal("22781.25"), Decimal("20.25"), 1, 1),
        ("2", "Categoria 2", Decimal("17100.00"), Decimal("18.75"), 1, 2),
    ]
    revenues = [c.revenue for c in report.categories]
    assert revenues == sorted(revenues, reverse=True)
    assert [[(k.code, k.revenue) for k in c.configurations] for c in report.categories] == [
        [("5", Decimal("105302.50")), ("6", Decimal("8085.00"))],
        [("1", Decimal("22781.25"))],
        [("3", Decimal("14850.00")), ("4", Decimal("2250.00"))],
    ]
    # Resources: e.g. the SSD earns 5 GB × Q25 × 20.25 h (conf 1) + 200 GB × Q25 × 18.25 h (conf 5).
    assert [(r.code, r.abbreviation, r.amount) for r in report.resources] == [
        ("3", "SSD", Decimal("93781.25")),
        ("1", "RAM", Decimal("27450.00")),
        ("2", "CPU", Decimal("22440.00")),
        ("6", "GPU", Decimal("3600.00")),
        ("7", "SO", Decimal("2160.00")),
        ("8", "SQLDB", Decimal("2007.50")),
        ("10", "FWK", Decimal("1155.00")),
        ("9", "MON", Decimal("675.00")),
    ]
    # The sales per resource are the invoices' per-resource contributions, summed.
    by_resource: dict[str, Decimal] = {}
    for planned in billed.invoices:
        assert planned.invoice_id is not None
        for part in service.invoice_detail(session, planned.invoice_id).resources:
            by_resource[part.code] = by_resource.get(part.code, Decimal(0)) + part.amount
    assert by_resource == {r.code: r.amount for r in report.resources}
