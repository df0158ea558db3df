"""Turning documents into API/CLI views (derived fields such as ``overdue`` computed here once)."""

from __future__ import annotations

from datetime import date

from facturo.invoicing.lifecycle import is_overdue
from facturo.invoicing.models import Invoice
from facturo.invoicing.schemas import InvoiceOut, InvoiceSummaryOut, LineOut


def invoice_out(doc: Invoice, today: date) -> InvoiceOut:
    return InvoiceOut(
        id=doc.id,
        document_type=doc.document_type,
        status=doc.status,
        series_code=doc.series.code if doc.series else None,
        number=doc.number,
        full_number=doc.full_number,
        customer_id=doc.customer_id,
        customer_nit=doc.customer_nit,
        customer_name=doc.customer_name,
        customer_address=doc.customer_address,
        currency=doc.currency,
        issue_date=doc.issue_date,
        due_date=doc.due_date,
        notes=doc.notes,
        credited_invoice_id=doc.credited_invoice_id,
        reason=doc.reason,
        subtotal=doc.subtotal,
        tax_total=doc.tax_total,
        total=doc.total,
        credited_total=doc.credited_total,
        paid_total=doc.paid_total,
        balance=doc.balance,
        overdue=is_overdue(doc.status, doc.due_date, doc.balance, today),
        issued_at=doc.issued_at,
        voided_at=doc.voided_at,
        void_reason=doc.void_reason,
        content_hash=doc.content_hash,
        lines=[LineOut.model_validate(line) for line in doc.lines],
    )


def invoice_summary(doc: Invoice, today: date) -> InvoiceSummaryOut:
    return InvoiceSummaryOut(
        id=doc.id,
        document_type=doc.document_type,
        status=doc.status,
        full_number=doc.full_number,
        customer_id=doc.customer_id,
        customer_name=doc.customer_name,
        issue_date=doc.issue_date,
        due_date=doc.due_date,
        total=doc.total,
        balance=doc.balance,
        overdue=is_overdue(doc.status, doc.due_date, doc.balance, today),
    )
