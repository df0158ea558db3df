"""The fast invoice read (one query of plain columns, views built without re-validation) shows the
same document as the validated ORM view: every field, and the same JSON bytes the API sends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from facturo.invoicing import drafts, payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.lifecycle import is_overdue
from facturo.invoicing.models import Invoice
from facturo.invoicing.payment_schemas import Method, PaymentIn, SplitIn
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn, DraftIn, InvoiceOut, LineIn, LineOut
from facturo.invoicing.views import invoice_out, invoice_read_out
from facturo.kit.errors import NotFound
from tests.factories import ACTOR, make_customer, make_draft, make_issued, make_product

TODAY = date(2030, 1, 1)  # far enough that every due date has passed: overdue is exercised


def validated(doc: Invoice, today: date) -> InvoiceOut:
    """The view as it was built before: every field validated by the schema."""
    return InvoiceOut.model_validate(
        {
            **{
                name: getattr(doc, name)
                for name in InvoiceOut.model_fields
                if name not in {"lines", "series_code", "overdue"}
            },
            "series_code": doc.series.code if doc.series else None,
            "overdue": is_overdue(doc.status, doc.due_date, doc.balance, today),
            "lines": [LineOut.model_validate(line) for line in doc.lines],
        }
    )


def fast_view(session: Session, invoice_id: int) -> InvoiceOut:
    return invoice_read_out(drafts.read_document(session, invoice_id), TODAY)


@pytest.fixture
def documents_in_every_state(session: Session, issuer: object) -> list[int]:
    customer = make_customer(session)
    product = make_product(session, "33.333333")
    lines = [
        LineIn(product_id=product.id, quantity=Decimal("2.5")),
        LineIn(description="Instalación", quantity=Decimal(1), unit_price=Decimal("99.99"), discount=Decimal("0.99")),
        LineIn(description="Exento", quantity=Decimal(3), unit_price=Decimal("10"), tax_rate=Decimal(0)),
    ]
    draft = invoicing.create_draft(session, ACTOR, DraftIn(customer_id=customer.id, lines=lines, notes="Nota «1»"))
    issued = make_issued(session, "1234.56", customer)
    partly = make_issued(session, "112.00", customer)
    payments.register_payment(
        session, ACTOR, partly.id, PaymentIn(splits=[SplitIn(method=Method.CASH, amount=Decimal("12.00"))])
    )
    credited = invoicing.issue_invoice(session, ACTOR, make_draft(session, customer, lines).id)
    note = invoicing.create_credit_note(
        session, ACTOR, credited.id, CreditNoteIn(reason="Devolución", items=[CreditItemIn(line_number=1, quantity=1)])
    )
    void = invoicing.void_invoice(session, ACTOR, make_issued(session, "50.00", customer).id, "Error de captura")
    session.flush()
    session.expire_all()  # what a later request sees: the values as stored, not the ones just assigned
    return [draft.id, issued.id, partly.id, credited.id, note.id, void.id]


def test_the_fast_view_equals_the_validated_one_field_for_field_and_in_json(
    session: Session, documents_in_every_state: list[int]
) -> None:
    statuses = set()
    for invoice_id in documents_in_every_state:
        doc = invoicing.get_document(session, invoice_id)
        expected = validated(doc, TODAY)
        fast = fast_view(session, invoice_id)
        assert fast == expected
        assert fast.model_dump_json() == expected.model_dump_json()
        assert invoice_out(doc, TODAY).model_dump_json() == expected.model_dump_json()
        statuses.add((expected.document_type, expected.status))
    assert statuses == {
        ("invoice", "draft"),
        ("invoice", "issued"),
        ("invoice", "partially_paid"),
        ("credit_note", "issued"),
        ("invoice", "void"),
    }


def test_the_fast_view_keeps_the_figures(session: Session, documents_in_every_state: list[int]) -> None:
    draft_id, issued_id, partly_id, *_ = documents_in_every_state
    draft = fast_view(session, draft_id)
    assert [line.line_number for line in draft.lines] == [1, 2, 3]
    assert draft.full_number is None and draft.notes == "Nota «1»"
    issued = fast_view(session, issued_id)
    assert issued.total == Decimal("1234.56") and issued.balance == Decimal("1234.56")
    assert issued.full_number is not None and issued.full_number.endswith(f"{issued.number:08d}")
    partly = fast_view(session, partly_id)
    assert (partly.paid_total, partly.balance, partly.status) == (Decimal("12.00"), Decimal("100.00"), "partially_paid")


def test_a_portal_caller_sees_neither_drafts_nor_other_customers_documents(
    session: Session, documents_in_every_state: list[int]
) -> None:
    draft_id, issued_id, *_ = documents_in_every_state
    owner = invoicing.get_document(session, issued_id).customer_id
    assert drafts.read_document(session, issued_id, visible_to=owner).head["id"] == issued_id
    for invoice_id, visible_to in ((draft_id, owner), (issued_id, owner + 1000), (10**9, None)):
        with pytest.raises(NotFound, match="Invoice"):
            drafts.read_document(session, invoice_id, visible_to=visible_to)


def test_one_invoice_is_read_in_one_query(session: Session, documents_in_every_state: list[int]) -> None:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        drafts.read_document(session, documents_in_every_state[3])
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
