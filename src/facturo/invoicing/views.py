"""Turning documents into API/CLI views (derived fields such as ``overdue`` computed here once).

The views are built with ``model_construct``: their values come from the database through typed
columns (exact ``Decimal`` amounts, aware UTC datetimes, dates), so validating them again on every
read would only cost time (it was a third of an invoice read). What a client sends is validated by
the input schemas; what we store is checked when it is written. ``tests/invoicing/test_read_views.py``
proves the views equal the validated ones, field for field and byte for byte in JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from facturo.invoicing.drafts import HEAD_COLUMNS, LINE_COLUMNS, DocumentRead
from facturo.invoicing.lifecycle import is_overdue
from facturo.invoicing.models import Invoice, InvoiceLine, balance_of, full_number_of
from facturo.invoicing.schemas import InvoiceOut, InvoiceSummaryOut, LineOut

_construct_invoice = InvoiceOut.model_construct
_construct_line = LineOut.model_construct


def _line_of(line: InvoiceLine) -> LineOut:
    return _construct_line(**{name: getattr(line, name) for name in LINE_COLUMNS})


def invoice_out(doc: Invoice, today: date) -> InvoiceOut:
    head = {name: getattr(doc, name) for name in HEAD_COLUMNS}
    head["series_code"] = doc.series.code if doc.series is not None else None
    head["series_prefix"] = doc.series.prefix if doc.series is not None else None
    return _view(head, [_line_of(line) for line in doc.lines], today)


def invoice_read_out(read: DocumentRead, today: date) -> InvoiceOut:
    """``invoice_out`` of a document read as plain columns (``drafts.read_document``)."""
    return _view(read.head, [_construct_line(**line) for line in read.lines], today)


def _view(head: Mapping[str, Any], lines: list[LineOut], today: date) -> InvoiceOut:
    """The view of one document from its columns (``HEAD_COLUMNS`` plus its series' code and prefix),
    with the derived figures computed by the same rules as the model's properties."""
    status, due_date = head["status"], head["due_date"]
    balance = balance_of(
        head["document_type"], status, head["currency"], head["total"], head["credited_total"], head["paid_total"]
    )
    copied = {name: head[name] for name in HEAD_COLUMNS}
    return _construct_invoice(
        **copied,
        series_code=head["series_code"],
        full_number=full_number_of(head["series_prefix"], head["number"]),
        balance=balance,
        overdue=is_overdue(status, due_date, balance, today),
        lines=lines,
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
