"""Turning documents into API/CLI views (derived fields such as ``overdue`` computed here once).

The views are built with ``model_construct``: their values come from the database through typed
columns (exact ``Decimal`` amounts, aware UTC datetimes, dates), so validating them again on every
read would only cost time (it was a third of an invoice read). What a client sends is validated by
the input schemas; what we store is checked when it is written. ``tests/invoicing/test_read_views.py``
proves the views equal the validated ones, field for field and byte for byte in JSON.
"""

from __future__ import annotations

from datetime import date
from typing import Literal, cast

from facturo.invoicing.drafts import LINE_COLUMNS, DocumentRead
from facturo.invoicing.lifecycle import is_overdue
from facturo.invoicing.models import Invoice, InvoiceLine, balance_of, full_number_of
from facturo.invoicing.schemas import InvoiceOut, InvoiceSummaryOut, LineOut

DocumentType = Literal["invoice", "credit_note"]
_construct_invoice = InvoiceOut.model_construct
_construct_line = LineOut.model_construct


def _line_of(line: InvoiceLine) -> LineOut:
    return _construct_line(**{name: getattr(line, name) for name in LINE_COLUMNS})


def invoice_out(doc: Invoice, today: date) -> InvoiceOut:
    balance = doc.balance
    return _construct_invoice(
        id=doc.id,
        document_type=cast(DocumentType, doc.document_type),
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
        balance=balance,
        overdue=is_overdue(doc.status, doc.due_date, balance, today),
        issued_at=doc.issued_at,
        voided_at=doc.voided_at,
        void_reason=doc.void_reason,
        content_hash=doc.content_hash,
        lines=[_line_of(line) for line in doc.lines],
    )


def invoice_read_out(read: DocumentRead, today: date) -> InvoiceOut:
    """``invoice_out`` of a document read as plain columns (``drafts.read_document``)."""
    head = read.head
    status, due_date = head["status"], head["due_date"]
    balance = balance_of(
        head["document_type"], status, head["currency"], head["total"], head["credited_total"], head["paid_total"]
    )
    return _construct_invoice(
        id=head["id"],
        document_type=head["document_type"],
        status=status,
        series_code=head["series_code"],
        number=head["number"],
        full_number=full_number_of(head["series_prefix"], head["number"]),
        customer_id=head["customer_id"],
        customer_nit=head["customer_nit"],
        customer_name=head["customer_name"],
        customer_address=head["customer_address"],
        currency=head["currency"],
        issue_date=head["issue_date"],
        due_date=due_date,
        notes=head["notes"],
        credited_invoice_id=head["credited_invoice_id"],
        reason=head["reason"],
        subtotal=head["subtotal"],
        tax_total=head["tax_total"],
        total=head["total"],
        credited_total=head["credited_total"],
        paid_total=head["paid_total"],
        balance=balance,
        overdue=is_overdue(status, due_date, balance, today),
        issued_at=head["issued_at"],
        voided_at=head["voided_at"],
        void_reason=head["void_reason"],
        content_hash=head["content_hash"],
        lines=[_construct_line(**line) for line in read.lines],
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
