"""The customer portal: a customer's own invoices (with their lines, payments, credit notes and
PDF), its payments and its cloud consumption.

The customer always comes from the credential (``principal.customer_id``), never from the request;
every read goes through a service with ``visible_to``, so another customer's invoice answers 404
exactly like one that does not exist. Staff users are sent to the dashboard."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from facturo.invoicing.documents_pdf import invoice_pdf
from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.pagination import PageParams
from facturo.kit.schemas import MAX_ID
from facturo.portal import service as portal
from facturo.surface.web.labels import INSTANCE_STATES, INVOICE_STATUSES, PAYMENT_METHODS
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READ = [page_requires(Permission.INVOICES_READ)]
InvoiceId = Annotated[int, Path(ge=1, le=MAX_ID)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]
INVOICES_PER_PAGE = 25
PAYMENT_INVOICES_PER_PAGE = 20


def _customer_id(request: Request) -> int | None:
    request.state.menu_key = "portal"
    return current(request).customer_id


def _page(request: Request, template: str, frame: portal.Frame, context: dict[str, Any]) -> Response:
    data = {
        "customer": frame.customer,
        "status_labels": INVOICE_STATUSES,
        "method_labels": PAYMENT_METHODS,
        "today": frame.today,
        "currency": frame.currency,
        "is_overdue": portal.is_overdue,
    }
    data.update(context)
    return render(request, template, data)


@router.get("/portal", dependencies=READ)
def portal_invoices(request: Request, page: PageNumber = 1) -> Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    found = portal.invoices_page(request.state.session, customer_id, PageParams(page, INVOICES_PER_PAGE))
    return _page(
        request,
        "portal/invoices.html",
        found.frame,
        {
            "invoices": found.invoices,
            "outstanding": found.outstanding,
            "overdue": found.overdue,
            "due_soon": found.due_soon,
            "due_soon_days": portal.DUE_SOON_DAYS,
        },
    )


@router.get("/portal/invoices/{invoice_id}", dependencies=READ)
def portal_invoice(request: Request, invoice_id: InvoiceId) -> Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    found = portal.invoice_page(request.state.session, customer_id, invoice_id)
    return _page(
        request,
        "portal/invoice.html",
        found.frame,
        {"doc": found.doc, "payments": found.payments, "credit_notes": found.credit_notes, "credited": found.credited},
    )


@router.get("/portal/invoices/{invoice_id}/pdf", dependencies=READ)
def portal_invoice_pdf(request: Request, invoice_id: InvoiceId) -> Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    filename, content = invoice_pdf(request.state.session, invoice_id, visible_to=customer_id)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "private, no-store"},
    )


@router.get("/portal/payments", dependencies=READ)
def portal_payments(request: Request, page: PageNumber = 1) -> Response:
    """The payments on the customer's invoices, newest invoices first, a page of invoices at a time."""
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    found = portal.payments_page(request.state.session, customer_id, PageParams(page, PAYMENT_INVOICES_PER_PAGE))
    return _page(request, "portal/payments.html", found.frame, {"invoices": found.invoices, "groups": found.groups})


@router.get("/portal/consumption", dependencies=READ)
def portal_consumption(request: Request) -> Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        return redirect("/dashboard")
    found = portal.consumption_page(request.state.session, customer_id)
    return _page(
        request,
        "portal/consumption.html",
        found.frame,
        {
            "instances": found.instances,
            "instance_states": INSTANCE_STATES,
            "unbilled_total": found.unbilled_total,
            "unbilled_hours": found.unbilled_hours,
        },
    )
