"""What each portal page shows, gathered in one query per page for one customer: its invoices with
what it owes, one invoice with its payments and credit notes, its payments, its cloud consumption;
each with the customer, today in the organisation's time zone and the currency.

Every read goes through the owning domain's service with ``visible_to=customer_id``, so another
customer's invoice answers 404 exactly like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from facturo.customers import service as customers
from facturo.invoicing import payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.service import is_overdue
from facturo.kit import clock
from facturo.kit.pagination import Page, PageParams
from facturo.organisation import service as organisation
from facturo.reports.dashboard import DUE_SOON_DAYS, Owed, owed
from facturo.usage import queries as usage
from facturo.usage.views import InstanceRow, instance_row

if TYPE_CHECKING:  # only to name the rows the services return
    from facturo.customers.models import Customer
    from facturo.invoicing.models import Invoice
    from facturo.invoicing.payment_models import Payment

__all__ = [
    "DUE_SOON_DAYS",
    "ConsumptionPage",
    "InvoicePage",
    "InvoicePayments",
    "InvoicesPage",
    "PaymentsPage",
    "consumption_page",
    "invoice_page",
    "invoices_page",
    "is_overdue",
    "payments_page",
]


@dataclass(frozen=True, slots=True)
class Frame:
    """What every portal page shows around its content."""

    customer: Customer
    today: date
    currency: str


def _frame(session: Session, customer_id: int) -> Frame:
    customer = customers.get_customer(session, customer_id)
    issuer = organisation.own_issuer(session)
    return Frame(customer, clock.today(issuer.timezone), issuer.currency)


@dataclass(frozen=True, slots=True)
class InvoicesPage:
    frame: Frame
    invoices: Page[Invoice]
    outstanding: Owed
    overdue: Owed
    due_soon: Owed


def invoices_page(session: Session, customer_id: int, params: PageParams) -> InvoicesPage:
    """A page of the customer's invoices, newest first, with what it owes, is overdue and falls due soon."""
    found = invoicing.list_invoices(session, params, invoicing.InvoiceFilter(visible_to=customer_id))
    frame = _frame(session, customer_id)
    outstanding, overdue, due_soon = owed(session, frame.today, visible_to=customer_id)
    return InvoicesPage(frame, found, outstanding, overdue, due_soon)


@dataclass(frozen=True, slots=True)
class InvoicePage:
    frame: Frame
    doc: Invoice
    payments: list[Payment]
    credit_notes: list[Invoice]
    credited: Invoice | None


def invoice_page(session: Session, customer_id: int, invoice_id: int) -> InvoicePage:
    """One of the customer's documents with its payments, its credit notes and, for a credit note,
    the invoice it credits."""
    doc = invoicing.get_document(session, invoice_id, visible_to=customer_id)
    received = payments.payments_of(session, invoice_id, visible_to=customer_id)
    notes = invoicing.credit_notes_of(session, invoice_id, visible_to=customer_id)
    credited = None
    if doc.credited_invoice_id is not None:
        credited = invoicing.get_document(session, doc.credited_invoice_id, visible_to=customer_id)
    return InvoicePage(_frame(session, customer_id), doc, received, list(notes), credited)


@dataclass(frozen=True, slots=True)
class InvoicePayments:
    invoice: Invoice
    payments: list[Payment]


@dataclass(frozen=True, slots=True)
class PaymentsPage:
    frame: Frame
    invoices: Page[Invoice]
    groups: list[InvoicePayments]


def payments_page(session: Session, customer_id: int, params: PageParams) -> PaymentsPage:
    """The payments on a page of the customer's invoices (newest first); invoices without payments
    are left out of the groups."""
    found = invoicing.list_invoices(session, params, invoicing.InvoiceFilter(visible_to=customer_id))
    groups = [
        InvoicePayments(doc, payments.payments_of(session, doc.id, visible_to=customer_id)) for doc in found.items
    ]
    return PaymentsPage(_frame(session, customer_id), found, [g for g in groups if g.payments])


@dataclass(frozen=True, slots=True)
class ConsumptionPage:
    frame: Frame
    instances: list[InstanceRow]

    @property
    def unbilled_total(self) -> Decimal:
        return sum((i.unbilled_estimate for i in self.instances), Decimal(0))

    @property
    def unbilled_hours(self) -> Decimal:
        return sum((i.unbilled_hours for i in self.instances), Decimal(0))


def consumption_page(session: Session, customer_id: int) -> ConsumptionPage:
    """The customer's instances with their consumption not yet billed (estimated at today's rates)."""
    overview = usage.overview(session, customer_id=customer_id)
    instances = [instance_row(item) for owner in overview["customers"] for item in owner["instances"]]
    return ConsumptionPage(_frame(session, customer_id), instances)
