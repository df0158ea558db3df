"""The hash chain: verification passes on untouched data and fails where a stored document was altered."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.invoicing.schemas import CreditNoteIn
from tests.factories import ACTOR, make_issued, make_issuer


def _issue_five(session: Session) -> tuple[int, list[Invoice]]:
    issuer = make_issuer(session)
    docs = [make_issued(session, total=f"{100 + i}.00") for i in range(5)]
    invoicing.create_credit_note(session, ACTOR, docs[0].id, CreditNoteIn(reason="Devolución total", full=True))
    return issuer.id, docs


def test_untouched_chain_verifies(session: Session) -> None:
    issuer_id, docs = _issue_five(session)
    reports = {r.series_code: r for r in invoicing.verify_all(session, issuer_id)}
    assert (reports["A"].documents, reports["A"].ok) == (5, True)
    assert (reports["NC"].documents, reports["NC"].ok) == (1, True)
    assert docs[1].previous_hash == docs[0].content_hash


def test_altering_a_line_amount_breaks_the_chain_at_that_document(session: Session) -> None:
    _, docs = _issue_five(session)
    target = docs[2]
    # Tamper directly in the database, as someone with SQL access would: 102.00 -> 12.00.
    session.execute(
        update(InvoiceLine).where(InvoiceLine.invoice_id == target.id).values(total_amount=Decimal("12.00"))
    )
    session.expire_all()
    report = invoicing.verify_series(session, invoicing.get_series(session, target.series_id))  # type: ignore[arg-type]
    assert (report.ok, report.first_broken_number, report.problem) == (False, 3, "content does not match its hash")


def test_altering_the_customer_or_rehashing_one_document_is_detected(session: Session) -> None:
    _, docs = _issue_five(session)
    session.execute(text("UPDATE invoices SET customer_name = 'Otro' WHERE id = :id"), {"id": docs[3].id})
    session.expire_all()
    series = invoicing.get_series(session, docs[3].series_id)  # type: ignore[arg-type]
    assert invoicing.verify_series(session, series).first_broken_number == 4

    # A forger who also recomputes that document's hash still breaks the link to the next one.
    session.expire_all()
    forged = session.get(Invoice, docs[3].id)
    assert forged is not None
    from facturo.invoicing.chain import document_hash

    new_hash = document_hash(forged, forged.previous_hash or "")
    session.execute(update(Invoice).where(Invoice.id == forged.id).values(content_hash=new_hash))
    session.expire_all()
    report = invoicing.verify_series(session, series)
    assert (report.ok, report.first_broken_number, report.problem) == (
        False,
        5,
        "link to the previous document is broken",
    )


def test_deleting_a_document_leaves_a_detectable_gap(session: Session) -> None:
    _, docs = _issue_five(session)
    session.execute(text("DELETE FROM invoice_lines WHERE invoice_id = :id"), {"id": docs[1].id})
    session.execute(text("DELETE FROM invoices WHERE id = :id"), {"id": docs[1].id})
    session.expire_all()
    report = invoicing.verify_series(session, invoicing.get_series(session, docs[0].series_id))  # type: ignore[arg-type]
    assert (report.ok, report.first_broken_number, report.problem) == (False, 2, "number 2 is missing")
