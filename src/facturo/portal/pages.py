"""The customer portal: a customer's own invoices (with their lines, payments, credit notes and
PDF), its payments and its cloud consumption.

The customer always comes from the credential (``principal.customer_id``), never from the request;
every read goes through a service with ``visible_to``, so another customer's invoice answers 404
exactly like one that does not exist. Staff users are sent to the dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from facturo.customers import service as customers
from facturo.invoicing import payments as payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.invoicing.payment_models import Payment
from facturo.kit import clock
from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.pagination import PageParams
from facturo.kit.schemas import MAX_ID
from facturo.organisation import service as organisation
from facturo.reports.dashboard import DUE_SOON_DAYS, owed
from facturo.surface.web.i18n import N_
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render
from facturo.usage import queries as usage
from facturo.usage.views import instance_row

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READ = [page_requires(Permission.INVOICES_READ)]
InvoiceId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
INVOICES_PER_PAGE = 25
PAYMENT_INVOICES_PER_PAGE = 20

STATUS_LABELS = {
    "draft": N_("Draft"),
    "issued": N_("Issued"),
    "partially_paid": N_("Partially paid"),
    "paid": N_("Paid"),
    "credited": N_("Credited"),
    "void": N_("Void"),
}
METHOD_LABELS = {
    "cash": N_("Cash"),
    "credit_card": N_("Credit card"),
    "debit_card": N_("Debit card"),
    "bank_transfer": N_("Bank transfer"),
    "cheque": N_("Cheque"),
    "paypal": N_("PayPal"),
    "neteller": N_("Neteller"),
}
INSTANCE_STATES = {"vigente": N_("In force"), "cancelada": N_("Cancelled")}


def _customer_id(request: Request) -> int | None:
    request.state.menu_key = "portal"
    return current(request).customer_id


def _today(request: Request) -> tuple[date, str]:
    """Today in the organisation's time zone, and its currency."""
    issuer = organisation.own_issuer(request.state.session)
    return clock.today(issuer.timezone), issuer.currency


def _page(request: Request, template: str, customer_id: int, context: dict[str, Any]) -> Response:
    customer = customers.get_customer(request.state.session, customer_id)
    data = {"customer": customer, "status_labels": STATUS_LABELS, "method_labels": METHOD_LABELS}
    data.update(context)
    if "today" not in data:
        data["today"], data["currency"] = _today(request)
    data["is_overdue"] = invoicing.is_overdue
    return render(request, template, data)


@router.get("/portal", dependencies=READ)
def portal_invoices(request: Request, page: PageNumber = 1) -> Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    session = request.state.session
    found = invoicing.list_invoices(
        session, PageParams(page, INVOICES_PER_PAGE), invoicing.InvoiceFilter(visible_to=customer_id)
    )
    today, currency = _today(request)
    outstanding, overdue, due_soon = owed(session, today, visible_to=customer_id)
    return _page(
        request,
        "portal/invoices.html",
        customer_id,
        {
            "invoices": found,
            "today": today,
            "currency": currency,
            "outstanding": outstanding,
            "overdue": overdue,
            "due_soon": due_soon,
            "due_soon_days": DUE_SOON_DAYS,
        },
    )


@router.get("/portal/invoices/{invoice_id}", dependencies=READ)
def portal_invoice(request: Request, invoice_id: InvoiceId) -> Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    session = request.state.session
    doc = invoicing.get_document(session, invoice_id, visible_to=customer_id)
    received = payments.payments_of(session, invoice_id, visible_to=customer_id)
    notes = invoicing.credit_notes_of(session, invoice_id, visible_to=customer_id)
    credited = None
    if doc.credited_invoice_id is not None:
        credited = invoicing.get_document(session, doc.credited_invoice_id, visible_to=customer_id)
    return _page(
        request,
        "portal/invoice.html",
        customer_id,
        {"doc": doc, "payments": received, "credit_notes": notes, "credited": credited},
    )


@router.get("/portal/invoices/{invoice_id}/pdf", dependencies=READ)
def portal_invoice_pdf(request: Request, invoice_id: InvoiceId) -> Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    filename, content = payments.invoice_pdf(request.state.session, invoice_id, visible_to=customer_id)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "private, no-store"},
    )


@dataclass(frozen=True, slots=True)
class InvoicePayments:
    invoice: Invoice
    payments: list[Payment]


@router.get("/portal/payments", dependencies=READ)
def portal_payments(request: Request, page: PageNumber = 1) -> Response:
    """The payments on the customer's invoices, newest invoices first, a page of invoices at a time."""
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    session = request.state.session
    found = invoicing.list_invoices(
        session, PageParams(page, PAYMENT_INVOICES_PER_PAGE), invoicing.InvoiceFilter(visible_to=customer_id)
    )
    groups = [
        InvoicePayments(doc, payments.payments_of(session, doc.id, visible_to=customer_id)) for doc in found.items
    ]
    return _page(
        request,
        "portal/payments.html",
        customer_id,
        {"invoices": found, "groups": [g for g in groups if g.payments]},
    )


@router.get("/portal/consumption", dependencies=READ)
def portal_consumption(request: Request) -> Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    overview = usage.overview(request.state.session, customer_id=customer_id)
    instances = [instance_row(item) for owner in overview["customers"] for item in owner["instances"]]
    return _page(
        request,
        "portal/consumption.html",
        customer_id,
        {
            "instances": instances,
            "instance_states": INSTANCE_STATES,
            "unbilled_total": sum((i.unbilled_estimate for i in instances), Decimal(0)),
            "unbilled_hours": sum((i.unbilled_hours for i in instances), Decimal(0)),
        },
    )
