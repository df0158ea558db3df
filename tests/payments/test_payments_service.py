"""Payments: split across methods, partial over time, never more than the balance, reversed with a
reason rather than deleted, and the invoice's status follows by itself."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.invoicing import payments as payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.documents_pdf import invoice_pdf
from facturo.invoicing.models import Invoice
from facturo.invoicing.payment_models import Payment
from facturo.invoicing.payment_schemas import Method, PaymentIn, SplitIn
from facturo.kit.errors import Conflict, InvalidTransition, ValidationFailed
from tests.factories import ACTOR, NOW, make_draft, make_issued

D = Decimal
TODAY = NOW.date()

pytestmark = pytest.mark.usefixtures("frozen_clock", "issuer")


def pay(session: Session, invoice_id: int, *splits: tuple[Method, str], received_on: date | None = None) -> Payment:
    data = PaymentIn(
        received_on=received_on,
        splits=[SplitIn(method=m, amount=D(a), reference=f"ref-{i}") for i, (m, a) in enumerate(splits)],
    )
    return payments.register_payment(session, ACTOR, invoice_id, data)


def cash(session: Session, invoice_id: int, amount: str) -> Payment:
    return pay(session, invoice_id, (Method.CASH, amount))


def invoice_state(session: Session, invoice_id: int) -> tuple[str, Decimal, Decimal]:
    session.expire_all()
    doc = invoicing.get_document(session, invoice_id)
    return doc.status, doc.paid_total, doc.balance


def test_a_payment_split_across_methods_adds_up(session: Session) -> None:
    invoice = make_issued(session, "882.00")
    payment = pay(
        session, invoice.id, (Method.CASH, "500.00"), (Method.CREDIT_CARD, "282.00"), (Method.CHEQUE, "100.00")
    )
    assert payment.amount == D("882.00")
    assert [(s.method, s.amount) for s in payment.splits] == [
        ("cash", D("500.00")),
        ("credit_card", D("282.00")),
        ("cheque", D("100.00")),
    ]
    assert payment.currency == "GTQ"
    assert payment.received_on == TODAY
    assert payment.status == "active"
    assert invoice_state(session, invoice.id) == ("paid", D("882.00"), D("0.00"))


def test_partial_then_exact_rest(session: Session) -> None:
    invoice = make_issued(session, "1000.00")
    cash(session, invoice.id, "333.33")
    assert invoice_state(session, invoice.id) == ("partially_paid", D("333.33"), D("666.67"))
    pay(session, invoice.id, (Method.BANK_TRANSFER, "600.00"), (Method.PAYPAL, "66.66"))
    assert invoice_state(session, invoice.id) == ("partially_paid", D("999.99"), D("0.01"))
    cash(session, invoice.id, "0.01")
    assert invoice_state(session, invoice.id) == ("paid", D("1000.00"), D("0.00"))


def test_overpayment_is_refused_naming_both_amounts(session: Session) -> None:
    invoice = make_issued(session, "1500.00")
    cash(session, invoice.id, "300.00")
    with pytest.raises(ValidationFailed) as caught:
        pay(session, invoice.id, (Method.CASH, "1000.00"), (Method.DEBIT_CARD, "200.01"))
    error = caught.value
    assert error.problems[0].rule == "payment.exceeds_balance"
    assert "Q1,200.01" in error.message.es
    assert "Q1,200.00" in error.message.es
    assert "A-00000001" in error.message.es
    assert error.message.es == ("El pago de Q1,200.01 excede el saldo pendiente de Q1,200.00 de la factura A-00000001.")
    assert "GTQ1,200.01" in error.message.en
    assert "GTQ1,200.00" in error.message.en
    assert invoice_state(session, invoice.id) == ("partially_paid", D("300.00"), D("1200.00"))
    assert len(payments.payments_of(session, invoice.id)) == 1


def test_payment_on_a_paid_invoice_is_refused(session: Session) -> None:
    invoice = make_issued(session, "10.00")
    cash(session, invoice.id, "10.00")
    with pytest.raises(ValidationFailed) as caught:
        cash(session, invoice.id, "0.01")
    assert "El pago de Q0.01 excede el saldo pendiente de Q0.00" in caught.value.message.es
    assert "GTQ0.01" in caught.value.message.en


def test_payment_on_a_draft_is_refused(session: Session) -> None:
    draft = make_draft(session)
    with pytest.raises(InvalidTransition) as caught:
        cash(session, draft.id, "10.00")
    assert caught.value.message.es == "No se puede registrar un pago en una factura borrador."
    assert session.scalar(select(func.count()).select_from(Payment).where(Payment.invoice_id == draft.id)) == 0
    assert invoice_state(session, draft.id)[0] == "draft"


def test_payment_on_a_void_invoice_is_refused(session: Session) -> None:
    invoice = make_issued(session, "112.00")
    invoicing.void_invoice(session, ACTOR, invoice.id, "Emitida por error")
    with pytest.raises(InvalidTransition) as caught:
        cash(session, invoice.id, "112.00")
    assert caught.value.message.es == "No se puede registrar un pago en una factura anulada."
    assert invoice_state(session, invoice.id) == ("void", D("0.00"), D("0"))


def test_payment_on_a_credit_note_is_refused(session: Session) -> None:
    from facturo.invoicing.schemas import CreditNoteIn

    invoice = make_issued(session, "112.00")
    note = invoicing.create_credit_note(session, ACTOR, invoice.id, CreditNoteIn(reason="Devolución", full=True))
    with pytest.raises(InvalidTransition):
        cash(session, note.id, "1.00")


def test_reversal_moves_paid_back_and_keeps_the_payment(session: Session) -> None:
    invoice = make_issued(session, "500.00")
    first = cash(session, invoice.id, "200.00")
    second = pay(session, invoice.id, (Method.CHEQUE, "300.00"))
    assert invoice_state(session, invoice.id) == ("paid", D("500.00"), D("0.00"))

    reversed_ = payments.reverse_payment(session, ACTOR, second.id, "  Cheque rechazado por el banco ")
    assert reversed_.status == "reversed"
    assert reversed_.reversal_reason == "Cheque rechazado por el banco"
    assert reversed_.reversed_at is not None
    assert invoice_state(session, invoice.id) == ("partially_paid", D("200.00"), D("300.00"))

    payments.reverse_payment(session, ACTOR, first.id, "Depósito duplicado")
    assert invoice_state(session, invoice.id) == ("issued", D("0.00"), D("500.00"))

    # Never deleted: both rows are still there, marked reversed, with their amounts.
    rows = session.execute(
        select(Payment.id, Payment.status, Payment.amount).where(Payment.invoice_id == invoice.id).order_by(Payment.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        (first.id, "reversed", D("200.00")),
        (second.id, "reversed", D("300.00")),
    ]
    assert [p.status for p in payments.payments_of(session, invoice.id)] == ["reversed", "reversed"]


def test_a_reversed_payment_frees_the_balance_for_a_new_payment(session: Session) -> None:
    invoice = make_issued(session, "100.00")
    wrong = cash(session, invoice.id, "100.00")
    payments.reverse_payment(session, ACTOR, wrong.id, "Monto equivocado")
    cash(session, invoice.id, "100.00")
    assert invoice_state(session, invoice.id) == ("paid", D("100.00"), D("0.00"))


def test_reversing_twice_is_refused(session: Session) -> None:
    invoice = make_issued(session, "100.00")
    payment = cash(session, invoice.id, "40.00")
    payments.reverse_payment(session, ACTOR, payment.id, "Error de digitación")
    with pytest.raises(Conflict) as caught:
        payments.reverse_payment(session, ACTOR, payment.id, "Otra vez")
    assert caught.value.message.es == f"El pago {payment.id} ya fue revertido."
    assert invoice_state(session, invoice.id) == ("issued", D("0.00"), D("100.00"))
    assert payments.get_payment(session, payment.id).reversal_reason == "Error de digitación"


def test_received_on_in_the_future_is_refused(session: Session) -> None:
    invoice = make_issued(session, "100.00")
    with pytest.raises(ValidationFailed) as caught:
        pay(session, invoice.id, (Method.CASH, "10.00"), received_on=TODAY + timedelta(days=1))
    assert caught.value.problems[0].rule == "payment.future"
    assert caught.value.message.es == "La fecha del pago 15/06/2024 está en el futuro."
    assert invoice_state(session, invoice.id) == ("issued", D("0.00"), D("100.00"))


def test_received_on_before_the_issue_date_is_refused(session: Session) -> None:
    draft = make_draft(session)
    invoicing.issue_invoice(session, ACTOR, draft.id, date(2024, 6, 1))
    with pytest.raises(ValidationFailed) as caught:
        pay(session, draft.id, (Method.CASH, "10.00"), received_on=date(2024, 5, 31))
    assert caught.value.problems[0].rule == "payment.before_issue"
    payment = pay(session, draft.id, (Method.CASH, "10.00"), received_on=date(2024, 6, 1))
    assert payment.received_on == date(2024, 6, 1)


def test_payment_history_is_filed_under_the_invoice(session: Session) -> None:
    invoice = make_issued(session, "300.00")
    payment = pay(session, invoice.id, (Method.CASH, "100.00"), (Method.NETELLER, "50.00"))
    payments.reverse_payment(session, ACTOR, payment.id, "Pago duplicado")
    session.flush()

    history = audit.history_of(session, "invoice", invoice.id)
    payment_records = [(h.entity_type, h.entity_id, h.action) for h in history if h.entity_type == "payment"]
    assert payment_records == [("payment", payment.id, "registered"), ("payment", payment.id, "reversed")]
    registered = next(h for h in history if h.action == "registered")
    assert registered.after is not None
    assert registered.after["amount"] == "150.00"
    assert [s["method"] for s in registered.after["splits"]] == ["cash", "neteller"]
    assert registered.actor_name == ACTOR.name
    reversed_ = next(h for h in history if h.action == "reversed")
    assert (reversed_.before, reversed_.after) == (
        {"status": "active"},
        {"status": "reversed", "reversal_reason": "Pago duplicado"},
    )
    # The invoice's own records follow the payment: its status went there and back.
    invoice_actions = [h.action for h in history if h.entity_type == "invoice"]
    assert invoice_actions[-2:] == ["payment_applied", "payment_reversed"]
    applied = [h for h in history if h.action == "payment_applied"][-1]
    assert applied.before is not None and applied.after is not None
    assert (applied.before["status"], applied.after["status"]) == ("issued", "partially_paid")
    # A payment's own history is reachable too.
    assert [h.action for h in audit.history_of(session, "payment", payment.id)] == ["registered", "reversed"]


def test_invoice_pdf_lists_only_active_payments(session: Session) -> None:
    invoice = make_issued(session, "300.00")
    cash(session, invoice.id, "100.00")
    wrong = cash(session, invoice.id, "50.00")
    payments.reverse_payment(session, ACTOR, wrong.id, "Error de caja")
    name, content = invoice_pdf(session, invoice.id)
    assert name == "A-00000001.pdf"
    assert content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Q100.00" in text
    assert "Q50.00" not in text
    stored = session.get(Invoice, invoice.id)
    assert stored is not None
    assert stored.paid_total == D("100.00")
