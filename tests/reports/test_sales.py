"""The sales analysis: issued usage invoices of a range of dates, by category and configuration and by
resource, highest first; every grouping adds up to the invoices' totals to the cent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn
from facturo.kit import clock
from facturo.kit.errors import ValidationFailed
from facturo.organisation.models import Issuer
from facturo.reports import service
from facturo.reports.schemas import SalesReport
from tests.factories import ACTOR, make_issued
from tests.reports import NUBE_SALES, YEAR_2023, bill_nube, invoice_of, total

# The last day of 2023 in Guatemala: billing 2023 issues its invoices that day, and so do credit notes.
NEW_YEARS_EVE = datetime(2023, 12, 31, 15, 0, tzinfo=ZoneInfo("America/Guatemala"))


@pytest.fixture
def on_new_years_eve() -> Iterator[None]:
    with clock.frozen(NEW_YEARS_EVE):
        yield


def assert_adds_up(report: SalesReport, invoices_total: Decimal) -> None:
    assert report.totals.revenue == invoices_total
    assert total([c.revenue for c in report.categories]) == invoices_total
    assert total([r.amount for r in report.resources]) == invoices_total
    for category in report.categories:
        assert total([c.revenue for c in category.configurations]) == category.revenue
        assert total([c.hours for c in category.configurations]) == category.hours
        assert total([c.share_percent for c in category.configurations]) == Decimal("100.00")
    if report.categories:
        assert total([c.share_percent for c in report.categories]) == Decimal("100.00")
        assert total([r.share_percent for r in report.resources]) == Decimal("100.00")


def test_sales_of_the_billed_samples(session: Session, issuer: Issuer) -> None:
    billed = bill_nube(session)
    report = service.sales_report(session, *YEAR_2023)

    assert (report.date_from, report.date_to, report.currency) == (*YEAR_2023, "GTQ")
    t = report.totals
    # 19.75 h (N-101) + 10.5 + 5.75 (N-201, N-202) + 17.5 + 15.5 (N-301, N-302)
    assert (t.invoice_count, t.line_count, t.consumption_count, t.hours) == (3, 5, 10, Decimal(69))
    assert (t.revenue, t.credited, t.net, t.credit_note_count) == (
        NUBE_SALES,
        Decimal("0.00"),
        NUBE_SALES,
        0,
    )
    assert_adds_up(report, billed.total)
    assert billed.total == NUBE_SALES

    # Categories by revenue, highest first, each with its configurations by revenue.
    assert [(c.code, c.name, c.revenue, c.hours, c.invoice_count, c.line_count) for c in report.categories] == [
        ("DATOS", "Bases de datos", Decimal("5763.34"), Decimal(28), 2, 2),  # 4432.86 + 1330.48; 17.5 + 10.5 h
        ("IA", "Cómputo gráfico", Decimal("4409.75"), Decimal("15.5"), 1, 1),
        ("WEB", "Servidores web", Decimal("833.26"), Decimal("25.5"), 2, 2),  # 548.06 + 285.20; 19.75 + 5.75 h
    ]
    revenues = [c.revenue for c in report.categories]
    assert revenues == sorted(revenues, reverse=True)
    assert [[(k.code, k.revenue) for k in c.configurations] for c in report.categories] == [
        [("BD-2", Decimal("4432.86")), ("BD-1", Decimal("1330.48"))],
        [("GPU-1", Decimal("4409.75"))],
        [("WEB-S", Decimal("548.06")), ("WEB-M", Decimal("285.20"))],
    ]
    # Resources: the sum of each invoice's allocated parts, e.g. the CPU earns 251.81 (N-101)
    # + 535.50 + 146.63 (N-201, N-202) + 1785.00 + 1581.00 (N-301, N-302).
    assert [(r.code, r.abbreviation, r.amount) for r in report.resources] == [
        ("R2", "CPU", Decimal("4299.94")),
        ("R1", "RAM", Decimal("2306.25")),  # 98.75 + 210.00 + 57.50 + 700.00 + 1240.00
        ("R5", "BD", Decimal("1820.57")),  # 420.13 + 1400.44
        ("R4", "GPU", Decimal("1472.50")),
        ("R3", "SSD", Decimal("756.80")),  # 49.38 + 131.25 + 28.75 + 547.42
        ("R6", "SO", Decimal("307.49")),  # 148.12 + 43.12 + 116.25
        ("R7", "MON", Decimal("42.80")),  # 33.60 + 9.20
    ]
    # The sales per resource are the invoices' per-resource contributions, summed.
    by_resource: dict[str, Decimal] = {}
    for planned in billed.invoices:
        assert planned.invoice_id is not None
        for part in service.invoice_detail(session, planned.invoice_id).resources:
            by_resource[part.code] = by_resource.get(part.code, Decimal(0)) + part.amount
    assert by_resource == {r.code: r.amount for r in report.resources}


def test_only_issued_usage_invoices_dated_in_the_range_count(
    session: Session, issuer: Issuer, on_new_years_eve: None
) -> None:
    billed = bill_nube(session)  # all dated 31/12/2023
    make_issued(session, "999.00")  # a sale, but not usage billing: not in this report

    assert service.sales_report(session, date(2023, 12, 31), date(2023, 12, 31)).totals.revenue == NUBE_SALES
    before = service.sales_report(session, date(2023, 1, 1), date(2023, 12, 30))
    after = service.sales_report(session, date(2024, 1, 1), date(2024, 12, 31))
    for empty in (before, after):
        assert (empty.categories, empty.resources, empty.totals.invoice_count) == ([], [], 0)
        assert (empty.totals.revenue, empty.totals.net, empty.totals.hours) == (
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal(0),
        )

    invoicing.void_invoice(session, ACTOR, invoice_of(billed, "8830514-1"), "Facturada por error")
    report = service.sales_report(session, *YEAR_2023)
    assert report.totals.invoice_count == 2
    # IA was only on the void invoice; DATOS keeps N-201's 1330.48, more than WEB's 548.06 + 285.20.
    assert [(c.code, c.revenue) for c in report.categories] == [
        ("DATOS", Decimal("1330.48")),
        ("WEB", Decimal("833.26")),
    ]
    assert_adds_up(report, NUBE_SALES - Decimal("8842.61"))


def test_credit_notes_are_shown_apart_and_do_not_change_the_groups(
    session: Session, issuer: Issuer, on_new_years_eve: None
) -> None:
    billed = bill_nube(session)
    invoicing.create_credit_note(
        session,
        ACTOR,
        invoice_of(billed, "8830514-1"),
        CreditNoteIn(reason="Hora no utilizada", items=[CreditItemIn(description="Ajuste", amount=Decimal("284.50"))]),
    )
    other = make_issued(session, "300.00")  # credit notes on other invoices are not usage credits
    invoicing.create_credit_note(session, ACTOR, other.id, CreditNoteIn(reason="Devolución total", full=True))

    report = service.sales_report(session, *YEAR_2023)
    t = report.totals
    assert (t.revenue, t.credit_note_count, t.credited, t.net) == (
        NUBE_SALES,
        1,
        Decimal("284.50"),  # one hour of GPU-1
        NUBE_SALES - Decimal("284.50"),
    )
    assert_adds_up(report, NUBE_SALES)
    # A credit note counts in the range of its own date.
    assert service.sales_report(session, date(2024, 1, 1), date(2024, 1, 31)).totals.credited == Decimal("0.00")


@pytest.mark.parametrize(
    ("date_from", "date_to", "rule", "es"),
    [
        (date(2023, 12, 31), date(2023, 1, 1), "range.reversed", "31/12/2023 es posterior a la final 01/01/2023"),
        (date(1950, 1, 1), date(2023, 1, 1), "range.too_long", "El rango supera los 50 años."),
    ],
)
def test_a_bad_range_is_refused_in_both_languages(
    session: Session, issuer: Issuer, date_from: date, date_to: date, rule: str, es: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        service.sales_report(session, date_from, date_to)
    (problem,) = refused.value.problems
    assert (problem.field, problem.rule) == ("to", rule)
    assert es in refused.value.message.es
    assert refused.value.message.en.startswith(("Invalid range", "The range is longer"))
