"""The draft editor: new and edit, add and remove lines, product lookup, the totals preview the
script asks for as you type, save and delete. Without JavaScript, the editor's buttons post the
form and the page comes back recalculated on the server."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from facturo.invoicing import service
from facturo.invoicing.models import Invoice
from facturo.invoicing.pages import forms as forms
from facturo.invoicing.pages import views as views
from facturo.invoicing.pages.common import (
    Column,
    DbPathId,
    QueryText,
    Text,
    current_document,
    say,
    session_of,
    texts,
)
from facturo.kit.access import Permission
from facturo.kit.errors import ValidationFailed
from facturo.organisation import service as organisation
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _posted_lines(
    line_product: Column,
    line_description: Column,
    line_unit: Column,
    line_quantity: Column,
    line_unit_price: Column,
    line_discount: Column,
    line_tax_rate: Column,
    line_includes: Column,
) -> dict[str, list[str]]:
    """The editor's line inputs (posted as parallel lists, one entry per row) by field name."""
    values = [line_product, line_description, line_unit, line_quantity]
    values += [line_unit_price, line_discount, line_tax_rate, line_includes]
    return dict(zip(forms.LINE_FIELDS, values, strict=True))


PostedLines = Annotated[dict[str, list[str]], Depends(_posted_lines)]


def _posted_draft(
    lines: PostedLines,
    customer_id: Text = "",
    customer_q: Text = "",
    due_date: Text = "",
    notes: Text = "",
) -> forms.DraftForm:
    header = {"customer_id": customer_id, "customer_q": customer_q, "due_date": due_date, "notes": notes}
    return forms.DraftForm.posted(header, lines)


PostedDraft = Annotated[forms.DraftForm, Depends(_posted_draft)]


def _apply(form: forms.DraftForm, action: str) -> forms.DraftForm:
    """The editor's buttons that change only the form (they work without JavaScript)."""
    if action == "add_line" and len(form.lines) < forms.MAX_LINES:
        form.lines.append(forms.LineForm())
    elif action.startswith("remove:") and (row := forms.whole_number(action[7:], len(form.lines))) is not None:
        del form.lines[row - 1]
    if not form.lines:
        form.lines.append(forms.LineForm())
    return form


def _editor(
    request: Request,
    form: forms.DraftForm,
    doc: Invoice | None,
    problems: forms.Problems | None = None,
    status: int = 200,
    lookup: views.ProductLookup | None = None,
) -> Response:
    session = session_of(request)
    lookup = lookup or views.ProductLookup(session)
    parsed = forms.parse_draft(form, lookup)
    if problems is None:  # a recalculation: the lines' own problems, not yet "choose a customer"
        problems = {key: value for key, value in parsed.problems.items() if key.startswith("line-")}
    context = {
        "form": form,
        "doc": doc,
        "errors": texts(problems),
        "preview": views.preview(form, parsed, lookup, organisation.own_issuer(session).currency),
        "customers": views.customer_choices(session, form.customer_q, form.customer_id),
        "products": views.product_choices(session),
        "action": "/invoices" if doc is None else f"/invoices/{doc.id}",
    }
    return render(request, "invoices/editor.html", context, status)


def _save(request: Request, form: forms.DraftForm, action: str, doc: Invoice | None) -> Response:
    if action != "save":
        return _editor(request, _apply(form, action), doc)
    session = session_of(request)
    lookup = views.ProductLookup(session)
    parsed = forms.parse_draft(form, lookup)
    if parsed.problems:
        return _editor(request, form, doc, parsed.problems, 422, lookup)
    actor = current(request).actor
    try:
        if doc is None:
            saved = service.create_draft(session, actor, parsed.draft_in())
        else:
            saved = service.update_draft(session, actor, doc.id, parsed.draft_patch())
    except ValidationFailed as exc:
        session.rollback()
        return _editor(request, form, doc, forms.draft_service_problems(exc, parsed), 422, lookup)
    return redirect(f"/invoices/{saved.id}", kind="success", message=say("draft_saved"))


def _draft_only(request: Request, invoice_id: int) -> Invoice | Response:
    doc = current_document(request, invoice_id)
    if doc.status != service.Status.DRAFT:
        message = say("drafts_only")
        return redirect(f"/invoices/{doc.id}", kind="error", message=message)
    return doc


@router.get("/invoices/new", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def new_invoice(request: Request, customer: QueryText = "") -> Response:
    return _editor(request, forms.DraftForm(customer_id=forms.clean(customer), lines=[forms.LineForm()]), None)


@router.get("/invoices/products", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def product_lookup(request: Request, q: QueryText = "") -> Response:
    """The editor's product list as you type (JSON for invoice-editor.js)."""
    return JSONResponse(views.product_choices(session_of(request), q, 50))


@router.post("/invoices/preview", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def preview_totals(request: Request, lines: PostedLines) -> Response:
    """The totals as the server computes them (rounding policy), for the editor's live display."""
    session = session_of(request)
    form = forms.DraftForm.posted({}, lines)
    lookup = views.ProductLookup(session)
    parsed = forms.parse_draft(form, lookup)
    shown = views.preview(form, parsed, lookup, organisation.own_issuer(session).currency)
    shown_problems = texts({key: value for key, value in parsed.problems.items() if key.startswith("line-")})
    return JSONResponse(views.preview_json(shown, shown_problems))


@router.post("/invoices", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def create_invoice(request: Request, form: PostedDraft, action: Text = "save") -> Response:
    return _save(request, form, action, None)


@router.get("/invoices/{invoice_id}/edit", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def edit_invoice(request: Request, invoice_id: DbPathId) -> Response:
    doc = _draft_only(request, invoice_id)
    if isinstance(doc, Response):
        return doc
    return _editor(request, views.draft_form(session_of(request), doc), doc)


@router.post("/invoices/{invoice_id}", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def save_invoice(request: Request, invoice_id: DbPathId, form: PostedDraft, action: Text = "save") -> Response:
    doc = _draft_only(request, invoice_id)
    if isinstance(doc, Response):
        return doc
    return _save(request, form, action, doc)


@router.post("/invoices/{invoice_id}/delete", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def delete_invoice(request: Request, invoice_id: DbPathId) -> Response:
    service.delete_draft(session_of(request), current(request).actor, invoice_id)
    return redirect("/invoices", kind="success", message=say("draft_deleted"))
