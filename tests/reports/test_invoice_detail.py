"""The invoice detail report: a billed usage invoice down to each consumption and resource, with
every allocated part adding up to its line and the lines to the invoice, to the cent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import CreditNoteIn
from facturo.kit.errors import NotFound
from facturo.organisation.models import Issuer
from facturo.reports import service
from facturo.reports.invoice_detail import NotUsageInvoice
from tests.factories import ACTOR, make_draft, make_issued
from tests.reports import bill_complejo, bill_thirds, invoice_of, total

GUATEMALA = ZoneInfo("America/Guatemala")


def test_the_detail_of_a_billed_sample_invoice_adds_up_to_the_cent(session: Session, issuer: Issuer) -> None:
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


def test_every_sample_invoice_adds_up(session: Session, issuer: Issuer) -> None:
    billed = bill_complejo(session)
    for planned in billed.invoices:
        assert planned.invoice_id is not None
        report = service.invoice_detail(session, planned.invoice_id)
        assert report.total == planned.total
        assert total([r.amount for r in report.resources]) == report.total
        for line in report.lines:
            assert total([c.amount for c in line.consumptions]) == line.total
            assert total([r.amount for r in line.resources]) == line.total


def test_largest_remainder_gives_the_extra_cent_to_the_first_part(session: Session, issuer: Issuer) -> None:
    """3 × 1 h at Q33.3333/h = 99.9999 → a line of Q100.00: the parts are 33.34 + 33.33 + 33.33,
    never 3 × 33.33 = 99.99 (a lost cent) nor 3 × 33.34 (a cent too many)."""
    report = service.invoice_detail(session, bill_thirds(session))
    (line,) = report.lines
    assert (line.hours, line.hour_rate, line.total) == (Decimal(3), Decimal("33.3333"), Decimal("100.00"))
    assert [c.exact_cost for c in line.consumptions] == [Decimal("33.3333")] * 3
    assert [c.amount for c in line.consumptions] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert [r.amount for r in line.resources] == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert [(r.code, r.amount, r.share_percent) for r in report.resources] == [
        ("T1", Decimal("33.34"), Decimal("33.34")),
        ("T2", Decimal("33.33"), Decimal("33.33")),
        ("T3", Decimal("33.33"), Decimal("33.33")),
    ]


def test_an_invoice_not_from_usage_billing_has_no_detail(session: Session, issuer: Issuer) -> None:
    doc = make_issued(session, "250.00")
    with pytest.raises(NotUsageInvoice) as refused:
        service.invoice_detail(session, doc.id)
    assert refused.value.http_status == 409
    assert refused.value.message.es == (
        f"La factura {doc.full_number} no proviene de facturación por consumo: no tiene detalle de consumos."
    )
    assert refused.value.message.en == (
        f"Invoice {doc.full_number} does not come from usage billing: it has no usage detail."
    )


def test_a_missing_or_foreign_invoice_is_not_found(session: Session, issuer: Issuer) -> None:
    billed = bill_complejo(session)
    mine, theirs = invoice_of(billed, "2020001-9"), invoice_of(billed, "2021055-3")
    customer = service.invoice_detail(session, mine).customer_id
    assert service.invoice_detail(session, mine, visible_to=customer).invoice_id == mine
    with pytest.raises(NotFound) as foreign:
        service.invoice_detail(session, theirs, visible_to=customer)
    with pytest.raises(NotFound) as missing:
        service.invoice_detail(session, 987_654, visible_to=customer)
    assert foreign.value.message.es == f"No existe la factura {theirs}."
    assert missing.value.message.es == "No existe la factura 987654."


def test_a_void_usage_invoice_is_still_reported_and_flagged(session: Session, issuer: Issuer) -> None:
    billed = bill_complejo(session)
    invoice_id = invoice_of(billed, "2020001-9")
    invoicing.void_invoice(session, ACTOR, invoice_id, "Facturada por error")
    report = service.invoice_detail(session, invoice_id)
    assert (report.void, report.status, report.void_reason) == (True, "void", "Facturada por error")
    assert report.total == Decimal("17100.00")
    assert total([r.amount for r in report.resources]) == report.total


def test_invoices_are_found_by_number_or_id(session: Session, issuer: Issuer) -> None:
    billed = bill_complejo(session)
    invoice_id = invoice_of(billed, "2021055-3")
    assert service.resolve_invoice(session, "A-00000003") == invoice_id
    assert service.resolve_invoice(session, " a-00000003 ") == invoice_id
    assert service.resolve_invoice(session, str(invoice_id)) == invoice_id
    for unknown in (
        "A-00000099",
        "B-00000003",
        "A-3",
        "00000003",
        "99999999999",
        "A-99999999999",
        "A-0000000²",
        "",
        "factura",
    ):
        with pytest.raises(NotFound) as refused:
            service.resolve_invoice(session, unknown)
        assert refused.value.message.es == f"No existe la factura {unknown}."


def test_a_credit_note_or_a_draft_has_no_usage_detail(session: Session, issuer: Issuer) -> None:
    billed = bill_complejo(session)
    note = invoicing.create_credit_note(
        session, ACTOR, invoice_of(billed, "2020001-9"), CreditNoteIn(reason="Devolución total", full=True)
    )
    draft = make_draft(session)
    for doc, label in ((note, f"La nota de crédito {note.full_number}"), (draft, f"La factura (borrador {draft.id})")):
        with pytest.raises(NotUsageInvoice) as refused:
            service.invoice_detail(session, doc.id)
        assert refused.value.message.es.startswith(f"{label} no proviene de facturación por consumo")
    # The credited invoice itself still has its detail, with what was credited.
    credited = service.invoice_detail(session, invoice_of(billed, "2020001-9"))
    assert (credited.status, credited.credited_total, credited.total) == (
        "credited",
        Decimal("17100.00"),
        Decimal("17100.00"),
    )
