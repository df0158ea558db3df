"""The printable invoice: the document with the payments received so far, as PDF."""

from __future__ import annotations

from sqlalchemy.orm import Session

from facturo.invoicing import service
from facturo.invoicing.payment_schemas import METHOD_LABELS_ES, Method
from facturo.invoicing.payments import payments_of
from facturo.organisation import service as organisation


def invoice_pdf(session: Session, invoice_id: int, visible_to: int | None = None) -> tuple[str, bytes]:
    """The file name and the bytes of the invoice's PDF (active payments only: a reversed one was
    never received)."""
    # The PDF stack (fpdf2, Pillow, fonts) is a quarter of the app's import time: load it on the
    # first PDF, not at start.
    from facturo.invoicing.pdf import PaymentLine, render_invoice_pdf

    doc = service.get_document(session, invoice_id, visible_to=visible_to)
    issuer = organisation.own_issuer(session)
    received = [
        PaymentLine(
            received_on=p.received_on,
            method_label=", ".join(METHOD_LABELS_ES[Method(s.method)] for s in p.splits),
            amount=p.amount,
        )
        for p in payments_of(session, invoice_id)
        if p.status == "active"
    ]
    name = doc.full_number or f"borrador-{doc.id}"
    return f"{name}.pdf", render_invoice_pdf(doc, issuer, payments=received)
