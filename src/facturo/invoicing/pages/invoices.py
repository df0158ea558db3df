"""The invoice pages: the list with its filters, the draft editor (``pages_editor``: lines, product
lookup, totals recomputed on the server as you type), the detail with its actions and history,
issuing, voiding, credit notes, payments split over several methods and their reversal
(``pages_actions``), and the PDF.

Every page is a thin adapter (docs/web.md): parse the form (``pages_forms``), call the one query
or command of ``invoicing.screens`` / ``invoicing.editing`` that gathers what the page shows, render
(``pages_views`` shapes it). Staff only: portal users have their own pages. The words the Python
side shows are declared here, where the catalog test finds them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from facturo.invoicing import screens
from facturo.invoicing.documents_pdf import invoice_pdf as printable_invoice
from facturo.invoicing.pages import actions as pages_actions
from facturo.invoicing.pages import editor as pages_editor
from facturo.invoicing.pages import forms as forms
from facturo.invoicing.pages import views as views
from facturo.invoicing.pages.common import (
    MESSAGES,
    PROBLEMS,
    DbPathId,
    QueryText,
    can,
    invoice_area,
    session_of,
    texts,
)
from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.pagination import MAX_CURSOR_LENGTH, KeysetParams
from facturo.kit.schemas import MAX_ID
from facturo.surface.web.i18n import N_
from facturo.surface.web.routing import PageRoute, current, page_requires, render

PROBLEMS.update(
    {
        "required": N_("This field is required."),
        "number": N_("Enter a number, such as 1234.50."),
        "positive": N_("Must be greater than zero."),
        "not_negative": N_("Cannot be negative."),
        "too_large": N_("The value is too large."),
        "decimals": N_("Too many digits or decimals."),
        "date": N_("Enter a valid date."),
        "too_long": N_("The text is too long."),
        "too_many": N_("There are too many rows."),
        "too_many_lines": N_("An invoice can have at most 500 lines."),
        "choice": N_("Choose one of the options."),
        "customer": N_("Choose a customer."),
        "tax_rate": N_("Enter a rate between 0 and 100."),
        "reason": N_("Give a reason of at least 5 characters."),
        "free_line": N_("A line without a product needs a description and a unit price."),
        "unknown_product": N_("No product has this code."),
        "ambiguous_product": N_("Several products match; choose one from the list."),
        "inactive_product": N_("This product is inactive."),
        "credit_kind": N_("Choose a full credit, or enter quantities or an amount to credit."),
        "invalid": N_("This value is not valid."),
    }
)

MESSAGES.update(
    {
        "draft_saved": N_("The draft was saved."),
        "drafts_only": N_("Only drafts can be changed; correct an issued invoice with a credit note."),
        "draft_deleted": N_("The draft was deleted."),
        "issued": N_("Invoice %(number)s was issued."),
        "voided": N_("Invoice %(number)s was voided."),
        "credited": N_("Credit note %(number)s was issued."),
        "paid": N_("A payment of %(amount)s was registered."),
        "reversed": N_("The payment of %(amount)s was reversed."),
    }
)

router = APIRouter(route_class=PageRoute, include_in_schema=False, dependencies=[Depends(invoice_area)])


# --- the list ----------------------------------------------------------------------------------


@router.get("/invoices", dependencies=[page_requires(Permission.INVOICES_READ)])
def invoice_list(
    request: Request,
    status: QueryText = "",
    customer: QueryText = "",
    date_from: Annotated[str, Query(alias="from", max_length=40)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=40)] = "",
    document_type: Annotated[str, Query(alias="type", max_length=40)] = "",
    overdue: QueryText = "",
    page: QueryText = "",
    cursor: Annotated[str, Query(max_length=MAX_CURSOR_LENGTH)] = "",
) -> Response:
    session = session_of(request)
    filters = views.ListFilters(
        forms.clean(status), forms.clean(customer), forms.clean(date_from), forms.clean(date_to),
        forms.clean(overdue) in {"1", "on", "true"}, forms.clean(document_type),
    )  # fmt: skip
    flt, problems = filters.parse(current(request).customer_id)
    # Keyset pages ("Más antiguas" follows the cursor); an old ?page=N link still opens its page.
    number = forms.whole_number(page, 1_000_000)
    after = forms.clean(cursor) or None
    shown = screens.invoice_list_screen(
        session,
        KeysetParams(limit=50, cursor=after, offset_page=number if number and number > 1 and not after else None),
        flt,
        overdue=filters.overdue,
        customer=forms.whole_number(filters.customer, MAX_ID),
    )
    context = {
        "filters": filters,
        "found": shown.found,
        "first_page": after is None and not (number and number > 1),
        "customers": shown.customers,
        "statuses": views.STATUSES,
        "errors": texts(problems),
        "can": can(current(request)),
    }
    return render(request, "invoices/list.html", context, 422 if problems else 200)


# --- the draft editor --------------------------------------------------------------------------


# The editor's fixed paths (/invoices/new, /invoices/preview…) come before /invoices/{invoice_id}.
router.include_router(pages_editor.router)
router.include_router(pages_actions.router)


# --- the detail and the PDF --------------------------------------------------------------------


@router.get("/invoices/{invoice_id}", dependencies=[page_requires(Permission.INVOICES_READ)])
def invoice_detail(request: Request, invoice_id: DbPathId) -> Response:
    principal = current(request)
    allowed = can(principal)
    shown = screens.invoice_detail_screen(
        session_of(request), invoice_id, principal.customer_id, with_history=allowed["history"]
    )
    context = {
        "doc": shown.doc,
        "payments": shown.payments,
        "notes": shown.notes,
        "credited": shown.credited,
        "events": views.timeline(shown.history),
        "can": allowed,
        "price": views.price_text,
    }
    return render(request, "invoices/detail.html", context)


@router.get("/invoices/{invoice_id}/pdf", dependencies=[page_requires(Permission.INVOICES_READ)])
def invoice_pdf(request: Request, invoice_id: DbPathId) -> Response:
    """The same bytes as the API's PDF, as a download."""
    filename, content = printable_invoice(session_of(request), invoice_id, visible_to=current(request).customer_id)
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": content_disposition(filename)}
    )
