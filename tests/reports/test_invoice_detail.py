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
from tests.reports import bill_nube, bill_thirds, invoice_of, total

GUATEMALA = ZoneInfo("America/Guatemala")


def test_the_detail_of_a_billed_sample_invoice_adds_up_to_the_cent(session: Session, issuer: Issuer) -> None:
    billed = bill_nube(session)
    report = service.invoice_detail(session, invoice_of(billed, "8830514-1"))

    assert (report.full_number, report.customer_nit, report.customer_name) == (
        "A-00000003",
        "8830514-1",
        "Clínica Santa Lucía",
    )
    assert (report.total, report.void, report.status) == (Decimal("8842.61"), False, "issued")
    assert (report.consumption_count, report.hours) == (4, Decimal(33))  # 10 + 7.5 + 9 + 6.5

    # One line per instance: 17.5 h × Q253.30625 = 4432.859375 → 4432.86 and 15.5 h × Q284.50 = 4409.75.
    assert [(ln.instance_code, ln.configuration_code, ln.category_code) for ln in report.lines] == [
        ("N-301", "BD-2", "DATOS"),
        ("N-302", "GPU-1", "IA"),
    ]
    assert [(ln.hours, ln.hour_rate, ln.total) for ln in report.lines] == [
        (Decimal("17.5"), Decimal("253.30625"), Decimal("4432.86")),
        (Decimal("15.5"), Decimal("284.5"), Decimal("4409.75")),
    ]
    records = report.lines[0]
    assert records.instance_name == "Expedientes clínicos"
    # Times as the message gave them, in the organisation's time zone.
    assert [c.consumed_at for c in records.consumptions] == [
        datetime(2023, 2, 14, 11, 0, tzinfo=GUATEMALA),
        datetime(2023, 2, 17, 17, 45, tzinfo=GUATEMALA),
    ]
    assert [c.consumed_at.utcoffset() for c in records.consumptions] == [GUATEMALA.utcoffset(datetime(2023, 2, 14))] * 2
    # 10 h × 253.30625 = 2533.0625 and 7.5 h × 253.30625 = 1899.796875: floors 2533.06 + 1899.79 leave one
    # cent of 4432.86, which goes to the larger remainder (.006875).
    assert [(c.hours, c.exact_cost, c.amount) for c in records.consumptions] == [
        (Decimal(10), Decimal("2533.0625"), Decimal("2533.06")),
        (Decimal("7.5"), Decimal("1899.796875"), Decimal("1899.80")),
    ]
    # RAM 16 × 2.5, CPU 8 × 12.75, SSD 250.25 × 0.125, licence 2 × 40.0125 per hour, times 17.5 h:
    # 700, 1785, 547.421875 and 1400.4375; the cent left by the floors goes to the licence (.0075 > .001875).
    assert [(r.code, r.abbreviation, r.hour_rate, r.amount) for r in records.resources] == [
        ("R1", "RAM", Decimal(40), Decimal("700.00")),
        ("R2", "CPU", Decimal(102), Decimal("1785.00")),
        ("R3", "SSD", Decimal("31.28125"), Decimal("547.42")),
        ("R5", "BD", Decimal("80.025"), Decimal("1400.44")),
    ]

    for line in report.lines:
        assert total([c.amount for c in line.consumptions]) == line.total
        assert total([r.amount for r in line.resources]) == line.total
        assert len(line.consumptions) == line.consumption_count
    assert total([ln.total for ln in report.lines]) == report.total
    # Per resource over the invoice: RAM and CPU are in both lines; highest first; adds up to the invoice.
    assert [(r.code, r.amount) for r in report.resources] == [
        ("R2", Decimal("3366.00")),  # 1785.00 + 102 × 15.5
        ("R1", Decimal("1940.00")),  # 700.00 + 80 × 15.5
        ("R4", Decimal("1472.50")),  # 95 × 15.5
        ("R5", Decimal("1400.44")),
        ("R3", Decimal("547.42")),
        ("R6", Decimal("116.25")),  # 7.5 × 15.5
    ]
    assert total([r.amount for r in report.resources]) == Decimal("8842.61")
    assert total([r.share_percent for r in report.resources]) == Decimal("100.00")


def test_every_sample_invoice_adds_up(session: Session, issuer: Issuer) -> None:
    billed = bill_nube(session)
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
    billed = bill_nube(session)
    mine, theirs = invoice_of(billed, "3181726-5"), invoice_of(billed, "8830514-1")
    customer = service.invoice_detail(session, mine).customer_id
    assert service.invoice_detail(session, mine, visible_to=customer).invoice_id == mine
    with pytest.raises(NotFound) as foreign:
        service.invoice_detail(session, theirs, visible_to=customer)
    with pytest.raises(NotFound) as missing:
        service.invoice_detail(session, 987_654, visible_to=customer)
    assert foreign.value.message.es == f"No existe la factura {theirs}."
    assert missing.value.message.es == "No existe la factura 987654."


def test_a_void_usage_invoice_is_still_reported_and_flagged(session: Session, issuer: Issuer) -> None:
    billed = bill_nube(session)
    invoice_id = invoice_of(billed, "3181726-5")
    invoicing.void_invoice(session, ACTOR, invoice_id, "Facturada por error")
    report = service.invoice_detail(session, invoice_id)
    assert (report.void, report.status, report.void_reason) == (True, "void", "Facturada por error")
    assert report.total == Decimal("1615.68")
    assert total([r.amount for r in report.resources]) == report.total


def test_invoices_are_found_by_number_or_id(session: Session, issuer: Issuer) -> None:
    billed = bill_nube(session)
    invoice_id = invoice_of(billed, "8830514-1")
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
    billed = bill_nube(session)
    note = invoicing.create_credit_note(
        session, ACTOR, invoice_of(billed, "3181726-5"), CreditNoteIn(reason="Devolución total", full=True)
    )
    draft = make_draft(session)
    for doc, label in ((note, f"La nota de crédito {note.full_number}"), (draft, f"La factura (borrador {draft.id})")):
        with pytest.raises(NotUsageInvoice) as refused:
            service.invoice_detail(session, doc.id)
        assert refused.value.message.es.startswith(f"{label} no proviene de facturación por consumo")
    # The credited invoice itself still has its detail, with what was credited.
    credited = service.invoice_detail(session, invoice_of(billed, "3181726-5"))
    assert (credited.status, credited.credited_total, credited.total) == (
        "credited",
        Decimal("1615.68"),
        Decimal("1615.68"),
    )
