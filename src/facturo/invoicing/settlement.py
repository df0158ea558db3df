"""Balances: what was credited and paid against an invoice, and the status that follows."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.invoicing.lifecycle import LABELS_ES, SETTLEMENT, Status, ensure_transition, settlement_status
from facturo.invoicing.models import Invoice
from facturo.kit.actor import Actor
from facturo.kit.errors import InvalidTransition, Msg
from facturo.kit.money import format_money


def credited_sum(session: Session, invoice_id: int) -> Decimal:
    # SUM keeps the column's type, so the scaled integers come back as an exact Decimal.
    total = session.scalar(
        select(func.sum(Invoice.total)).where(
            Invoice.credited_invoice_id == invoice_id, Invoice.document_type == "credit_note"
        )
    )
    return total if total is not None else Decimal(0)


def ensure_settleable(doc: Invoice, what_es: str, what_en: str) -> None:
    if doc.document_type != "invoice" or Status(doc.status) not in SETTLEMENT:
        status = LABELS_ES.get(Status(doc.status), doc.status)
        raise InvalidTransition(
            Msg(
                f"No se puede {what_es} una factura {status}.",
                f"Cannot {what_en} an invoice that is {doc.status}.",
            )
        )


def describe_balance(doc: Invoice) -> tuple[str, str]:
    amount = format_money(doc.balance, doc.currency)
    return amount, format_money(doc.balance, doc.currency, "en_US")


def apply_settlement(
    session: Session,
    actor: Actor,
    doc: Invoice,
    *,
    paid_total: Decimal | None = None,
    credited_total: Decimal | None = None,
    cause: str,
) -> Invoice:
    """Store new paid/credited totals and move the status accordingly."""
    before = {
        "status": doc.status,
        "paid_total": str(doc.paid_total),
        "credited_total": str(doc.credited_total),
    }
    if paid_total is not None:
        doc.paid_total = paid_total
    if credited_total is not None:
        doc.credited_total = credited_total
    target = settlement_status(doc.total, doc.credited_total, doc.paid_total)
    ensure_transition(doc.status, target)
    doc.status = target
    session.flush()
    after = {
        "status": doc.status,
        "paid_total": str(doc.paid_total),
        "credited_total": str(doc.credited_total),
    }
    audit.record(session, actor, "invoice", doc.id, cause, before=before, after=after)
    return doc
