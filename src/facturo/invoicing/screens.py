"""What each invoice page shows, gathered in one query: the list with its customer choices, the
detail with its payments, credit notes and history, and the forms of the actions on an issued
invoice (void, credit note, payment, reversal) together with the write they post.

A form's write is an *attempt*: the page is read first, then the write is tried. A write the
service refuses (``ValidationFailed``) is returned, not raised, so the page can roll back and show
the form again with what it read before, which is what the database holds after the rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from facturo.audit.schemas import HistoryEntryOut
from facturo.customers import service as customers
from facturo.invoicing import payments, service
from facturo.invoicing.documents import business_today, invoice_list_view
from facturo.invoicing.models import Invoice
from facturo.invoicing.payment_models import Payment
from facturo.invoicing.payment_schemas import PaymentIn, PaymentOut
from facturo.invoicing.schemas import CreditNoteIn, InvoiceOut, InvoiceSummaryOut
from facturo.invoicing.views import invoice_out
from facturo.kit.actor import Actor
from facturo.kit.errors import NotFound, ValidationFailed
from facturo.kit.pagination import KeysetPage, KeysetParams, PageParams

S = TypeVar("S")
R = TypeVar("R")

ZERO = Decimal(0)


@dataclass(frozen=True)
class Attempt(Generic[S, R]):
    screen: S  # the page as read before the write
    done: R | None = None  # what the write made, when it was tried and kept
    refused: ValidationFailed | None = None  # why the service refused it (the caller rolls back)


def _attempt(screen: S, write: Callable[[], R] | None) -> Attempt[S, R]:
    if write is None:
        return Attempt(screen)
    try:
        return Attempt(screen, done=write())
    except ValidationFailed as exc:
        return Attempt(screen, refused=exc)


# --- choosing a customer -----------------------------------------------------------------------


def customer_choices(
    session: Session, query: str, selected: int | None, active: bool | None = True
) -> list[tuple[str, str]]:
    """Customers matching the search (by name or NIT) as (id, label), with the chosen one always present."""
    found = customers.search_customers(session, PageParams(size=200), query=query[:100] or None, active=active).items
    choices = [(str(c.id), f"{c.name} ({c.nit})") for c in found]
    if selected is not None and str(selected) not in {value for value, _ in choices}:
        try:
            chosen = customers.get_customer(session, selected)
        except NotFound:
            return choices
        choices.insert(0, (str(chosen.id), f"{chosen.name} ({chosen.nit})"))
    return choices


# --- the list and the detail -------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceListScreen:
    found: KeysetPage[InvoiceSummaryOut]
    customers: list[tuple[str, str]]  # the customer filter's choices


def invoice_list_screen(
    session: Session, params: KeysetParams, flt: service.InvoiceFilter, *, overdue: bool, customer: int | None
) -> InvoiceListScreen:
    """A keyset page of documents (``overdue``: only those past due today) and the customer
    filter's choices, inactive customers included (their invoices are still listed)."""
    found = invoice_list_view(session, params, flt, overdue=overdue)
    return InvoiceListScreen(found, customer_choices(session, "", customer, active=None))


@dataclass(frozen=True)
class InvoiceDetailScreen:
    doc: InvoiceOut
    payments: list[PaymentOut]
    notes: list[InvoiceOut]  # the credit notes issued against it
    credited: InvoiceOut | None  # for a credit note, the invoice it credits
    history: list[HistoryEntryOut]


def invoice_detail_screen(
    session: Session, invoice_id: int, visible_to: int | None = None, *, with_history: bool = False
) -> InvoiceDetailScreen:
    doc = service.get_document(session, invoice_id, visible_to=visible_to)
    today = business_today(session)
    invoice = doc.document_type == "invoice"
    history = service.invoice_history(session, doc.id) if with_history else []
    return InvoiceDetailScreen(
        doc=invoice_out(doc, today),
        payments=[PaymentOut.model_validate(p) for p in payments.payments_of(session, doc.id)] if invoice else [],
        notes=[invoice_out(n, today) for n in service.credit_notes_of(session, doc.id)] if invoice else [],
        credited=invoice_out(service.get_document(session, doc.credited_invoice_id), today)
        if doc.credited_invoice_id
        else None,
        history=[HistoryEntryOut.model_validate(r) for r in history],
    )


# --- voiding -----------------------------------------------------------------------------------


def void_attempt(
    session: Session, actor: Actor, invoice_id: int, reason: str | None, visible_to: int | None = None
) -> Attempt[InvoiceOut, Invoice]:
    """The invoice, voided with ``reason`` when one is given."""
    doc = invoice_out(service.get_document(session, invoice_id, visible_to=visible_to), business_today(session))
    write = None if reason is None else (lambda: service.void_invoice(session, actor, invoice_id, reason))
    return _attempt(doc, write)


# --- credit notes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditRow:
    line_number: int
    description: str
    unit: str
    quantity: Decimal
    credited: Decimal
    total: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.credited


def credit_rows(doc: Invoice, notes: Iterable[Invoice]) -> list[CreditRow]:
    """Each invoiced line with what earlier credit notes already took back."""
    credited: dict[int, Decimal] = {}
    for note in notes:
        for line in note.lines:
            if line.credited_line_id is not None:
                credited[line.credited_line_id] = credited.get(line.credited_line_id, ZERO) + line.quantity
    return [
        CreditRow(ln.line_number, ln.description, ln.unit, ln.quantity, credited.get(ln.id, ZERO), ln.total_amount)
        for ln in doc.lines
    ]


@dataclass(frozen=True)
class CreditNoteScreen:
    doc: InvoiceOut
    rows: list[CreditRow]


def credit_note_screen(session: Session, invoice_id: int, visible_to: int | None = None) -> CreditNoteScreen:
    """The credit note form of an invoice: what each line has left to credit."""
    doc = service.get_document(session, invoice_id, visible_to=visible_to)
    notes = service.credit_notes_of(session, doc.id)
    return CreditNoteScreen(invoice_out(doc, business_today(session)), credit_rows(doc, notes))


def credit_note_attempt(
    session: Session, actor: Actor, invoice_id: int, data: CreditNoteIn | None, visible_to: int | None = None
) -> Attempt[CreditNoteScreen, Invoice]:
    """The credit note form, and the note issued when ``data`` is given."""
    screen = credit_note_screen(session, invoice_id, visible_to)
    write = None if data is None else (lambda: service.create_credit_note(session, actor, invoice_id, data))
    return _attempt(screen, write)


# --- payments ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentScreen:
    doc: InvoiceOut
    today: date  # the date a new payment is received on unless told otherwise


def payment_screen(session: Session, invoice_id: int, visible_to: int | None = None) -> PaymentScreen:
    today = business_today(session)
    return PaymentScreen(invoice_out(service.get_document(session, invoice_id, visible_to=visible_to), today), today)


def payment_attempt(
    session: Session, actor: Actor, invoice_id: int, data: PaymentIn | None, visible_to: int | None = None
) -> Attempt[PaymentScreen, Payment]:
    """The payment form of an invoice, and the payment registered when ``data`` is given."""
    screen = payment_screen(session, invoice_id, visible_to)
    write = None if data is None else (lambda: payments.register_payment(session, actor, invoice_id, data))
    return _attempt(screen, write)


@dataclass(frozen=True)
class ReversalScreen:
    payment: PaymentOut
    doc: InvoiceOut  # the invoice it was paid on


def reversal_screen(session: Session, payment_id: int, visible_to: int | None = None) -> ReversalScreen:
    payment = PaymentOut.model_validate(payments.get_payment(session, payment_id, visible_to=visible_to))
    doc = service.get_document(session, payment.invoice_id, visible_to=visible_to)
    return ReversalScreen(payment, invoice_out(doc, business_today(session)))


def reversal_attempt(
    session: Session, actor: Actor, payment_id: int, reason: str | None, visible_to: int | None = None
) -> Attempt[ReversalScreen, Payment]:
    """The reversal form of a payment, and the payment reversed when ``reason`` is given."""
    screen = reversal_screen(session, payment_id, visible_to)
    write = None if reason is None else (lambda: payments.reverse_payment(session, actor, payment_id, reason))
    return _attempt(screen, write)
