"""Payments: split across methods, partial over time, never more than the balance, reversed
(with a reason) rather than deleted. The invoice's status follows by itself."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.invoicing import service as invoicing
from facturo.invoicing.payment_models import Payment, PaymentSplit
from facturo.invoicing.payment_schemas import PaymentIn, PaymentOut
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.errors import Conflict, Msg, NotFound, ValidationFailed, not_found
from facturo.kit.money import format_money
from facturo.organisation import service as organisation


def _paid_sum(session: Session, invoice_id: int) -> Decimal:
    total = session.scalar(
        select(func.sum(Payment.amount)).where(Payment.invoice_id == invoice_id, Payment.status == "active")
    )
    return total if total is not None else Decimal(0)


def _snapshot(payment: Payment) -> dict[str, object]:
    data = audit.snapshot(payment, exclude=("customer_id",))  # the invoice's, copied for the payment list
    data["splits"] = [audit.snapshot(s, exclude=("id", "payment_id")) for s in payment.splits]
    return data


def register_payment(session: Session, actor: Actor, invoice_id: int, data: PaymentIn) -> Payment:
    invoice = invoicing.get_document(session, invoice_id, for_update=True)
    invoicing.ensure_settleable(invoice, "registrar un pago en", "register a payment on")
    amount = sum((s.amount for s in data.splits), Decimal(0))
    if amount > invoice.balance:
        raise ValidationFailed.on(
            "splits",
            "payment.exceeds_balance",
            f"El pago de {format_money(amount, invoice.currency)} excede el saldo pendiente de "
            f"{format_money(invoice.balance, invoice.currency)} de la factura {invoice.full_number}.",
            f"The payment of {format_money(amount, invoice.currency, 'en_US')} exceeds the balance of "
            f"{format_money(invoice.balance, invoice.currency, 'en_US')} due on invoice {invoice.full_number}.",
        )
    issuer = organisation.own_issuer(session)
    today = clock.today(issuer.timezone)
    received_on = data.received_on or today
    if received_on > today:
        raise ValidationFailed.on(
            "received_on",
            "payment.future",
            f"La fecha del pago {received_on:%d/%m/%Y} está en el futuro.",
            f"Payment date {received_on.isoformat()} is in the future.",
        )
    if invoice.issue_date is not None and received_on < invoice.issue_date:
        raise ValidationFailed.on(
            "received_on",
            "payment.before_issue",
            f"La fecha del pago {received_on:%d/%m/%Y} es anterior a la emisión de la factura.",
            f"Payment date {received_on.isoformat()} is before the invoice's issue date.",
        )
    payment = Payment(
        invoice_id=invoice.id,
        customer_id=invoice.customer_id,
        received_on=received_on,
        amount=amount,
        currency=invoice.currency,
        notes=data.notes,
        splits=[PaymentSplit(method=s.method.value, amount=s.amount, reference=s.reference) for s in data.splits],
    )
    session.add(payment)
    session.flush()
    audit.record(
        session,
        actor,
        "payment",
        payment.id,
        "registered",
        after=_snapshot(payment),
        parent=("invoice", invoice.id),
    )
    invoicing.apply_settlement(
        session, actor, invoice, paid_total=_paid_sum(session, invoice.id), cause="payment_applied"
    )
    return payment


def get_payment(session: Session, payment_id: int, visible_to: int | None = None) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is not None and visible_to is not None:
        try:
            invoicing.get_document(session, payment.invoice_id, visible_to=visible_to)
        except NotFound:
            payment = None
    if payment is None:
        raise not_found("el pago", "Payment", payment_id)
    return payment


def reverse_payment(session: Session, actor: Actor, payment_id: int, reason: str) -> Payment:
    payment = get_payment(session, payment_id)
    invoice = invoicing.get_document(session, payment.invoice_id, for_update=True)
    if payment.status != "active":
        raise Conflict(Msg(f"El pago {payment.id} ya fue revertido.", f"Payment {payment.id} is already reversed."))
    if len(reason.strip()) < 5:
        raise ValidationFailed.on(
            "reason", "reversal.reason", "Indique el motivo de la reversión.", "Give the reason for the reversal."
        )
    payment.status = "reversed"
    payment.reversal_reason = reason.strip()
    payment.reversed_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "payment",
        payment.id,
        "reversed",
        before={"status": "active"},
        after={"status": "reversed", "reversal_reason": payment.reversal_reason},
        parent=("invoice", invoice.id),
    )
    invoicing.apply_settlement(
        session, actor, invoice, paid_total=_paid_sum(session, invoice.id), cause="payment_reversed"
    )
    return payment


def payments_of(session: Session, invoice_id: int, visible_to: int | None = None) -> list[Payment]:
    invoicing.get_document(session, invoice_id, visible_to=visible_to)
    return list(session.scalars(select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)))


# --- as the surfaces show them ------------------------------------------------------------------


def payment_view(session: Session, payment: Payment) -> PaymentOut:
    """The payment with its invoice's status and balance as they are now."""
    invoice = invoicing.get_document(session, payment.invoice_id)
    out = PaymentOut.model_validate(payment)
    return out.model_copy(update={"invoice_status": invoice.status, "invoice_balance": invoice.balance})


def find_payment_view(session: Session, payment_id: int, visible_to: int | None = None) -> PaymentOut:
    return payment_view(session, get_payment(session, payment_id, visible_to=visible_to))


def register_payment_view(session: Session, actor: Actor, invoice_id: int, data: PaymentIn) -> PaymentOut:
    return payment_view(session, register_payment(session, actor, invoice_id, data))


def reverse_payment_view(session: Session, actor: Actor, payment_id: int, reason: str) -> PaymentOut:
    return payment_view(session, reverse_payment(session, actor, payment_id, reason))
