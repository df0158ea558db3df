"""The draft editor: new and edit, add and remove lines, product lookup, the totals preview the
script asks for as you type, save and delete. Without JavaScript, the editor's buttons post the
form and the page comes back recalculated on the server."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from facturo.invoicing import editing, service
from facturo.invoicing.pages import forms as forms
from facturo.invoicing.pages import views as views
from facturo.invoicing.pages.common import Column, DbPathId, QueryText, Text, say, session_of, texts
from facturo.invoicing.schemas import DraftIn, DraftPatch, LineIn
from facturo.kit.access import Permission
from facturo.kit.schemas import MAX_ID
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


@dataclass(frozen=True)
class EditorForm:
    """The editor's form and what parsing made of it, as ``editing`` reads them."""

    form: forms.DraftForm
    parsed: forms.ParsedDraft

    @classmethod
    def of(cls, form: forms.DraftForm, resolve: editing.Resolve) -> EditorForm:
        return cls(form, forms.parse_draft(form, resolve))

    @property
    def typed_products(self) -> Sequence[str]:
        return [line.product for line in self.form.lines]

    @property
    def lines(self) -> Mapping[int, LineIn]:
        return self.parsed.lines

    @property
    def problems(self) -> Mapping[str, object]:
        return self.parsed.problems

    @property
    def customer_query(self) -> str:
        return self.form.customer_q

    @property
    def customer_id(self) -> int | None:
        return forms.whole_number(self.form.customer_id, MAX_ID)

    def draft_in(self) -> DraftIn:
        return self.parsed.draft_in()

    def draft_patch(self) -> DraftPatch:
        return self.parsed.draft_patch()

    def line_problems(self) -> forms.Problems:
        """A recalculation shows the lines' own problems, not yet "choose a customer"."""
        return {key: value for key, value in self.parsed.problems.items() if key.startswith("line-")}


Read = Callable[[editing.Resolve, editing.StoredDraft | None], EditorForm]


def _posted(form: forms.DraftForm) -> Read:
    return lambda resolve, _stored: EditorForm.of(form, resolve)


def _editor(
    request: Request,
    editor: editing.DraftEditor[EditorForm],
    problems: forms.Problems | None = None,
    status: int = 200,
) -> Response:
    doc, given = editor.doc, editor.input
    assert given is not None and editor.preview is not None
    context = {
        "form": given.form,
        "doc": doc,
        "errors": texts(given.line_problems() if problems is None else problems),
        "preview": views.preview(editor.preview),
        "customers": editor.customers,
        "products": views.product_choices(editor.products),
        "action": "/invoices" if doc is None else f"/invoices/{doc.id}",
    }
    return render(request, "invoices/editor.html", context, status)


def _drafts_only(editor: editing.DraftEditor[EditorForm]) -> Response:
    assert editor.doc is not None
    return redirect(f"/invoices/{editor.doc.id}", kind="error", message=say("drafts_only"))


def _save(request: Request, form: forms.DraftForm, action: str, invoice_id: int | None) -> Response:
    session, principal = session_of(request), current(request)
    save = action == "save"
    read = _posted(form if save else _apply(form, action))
    tried = editing.save_draft(
        session, principal.actor, read, save=save, invoice_id=invoice_id, visible_to=principal.customer_id
    )
    editor = tried.screen
    if not editor.editable:
        return _drafts_only(editor)
    if not save:
        return _editor(request, editor)
    assert editor.input is not None
    if editor.input.problems:
        return _editor(request, editor, editor.input.parsed.problems, 422)
    if tried.refused is not None:
        session.rollback()
        return _editor(request, editor, forms.draft_service_problems(tried.refused, editor.input.parsed), 422)
    assert tried.done is not None
    return redirect(f"/invoices/{tried.done.id}", kind="success", message=say("draft_saved"))


@router.get("/invoices/new", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def new_invoice(request: Request, customer: QueryText = "") -> Response:
    form = forms.DraftForm(customer_id=forms.clean(customer), lines=[forms.LineForm()])
    return _editor(request, editing.draft_editor(session_of(request), _posted(form)))


@router.get("/invoices/products", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def product_lookup(request: Request, q: QueryText = "") -> Response:
    """The editor's product list as you type (JSON for invoice-editor.js)."""
    found = editing.active_products(session_of(request), forms.clean(q), 50)
    return JSONResponse(views.product_choices(found))


@router.post("/invoices/preview", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def preview_totals(request: Request, lines: PostedLines) -> Response:
    """The totals as the server computes them (rounding policy), for the editor's live display."""
    form = forms.DraftForm.posted({}, lines)
    shown = editing.preview_totals(session_of(request), lambda resolve: EditorForm.of(form, resolve))
    return JSONResponse(views.preview_json(views.preview(shown.preview), texts(shown.input.line_problems())))


@router.post("/invoices", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def create_invoice(request: Request, form: PostedDraft, action: Text = "save") -> Response:
    return _save(request, form, action, None)


def _stored_form(resolve: editing.Resolve, stored: editing.StoredDraft | None) -> EditorForm:
    assert stored is not None
    return EditorForm.of(views.draft_form(stored), resolve)


@router.get("/invoices/{invoice_id}/edit", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def edit_invoice(request: Request, invoice_id: DbPathId) -> Response:
    editor = editing.draft_editor(
        session_of(request),
        _stored_form,
        invoice_id=invoice_id,
        visible_to=current(request).customer_id,
        from_stored=True,
    )
    return _editor(request, editor) if editor.editable else _drafts_only(editor)


@router.post("/invoices/{invoice_id}", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def save_invoice(request: Request, invoice_id: DbPathId, form: PostedDraft, action: Text = "save") -> Response:
    return _save(request, form, action, invoice_id)


@router.post("/invoices/{invoice_id}/delete", dependencies=[page_requires(Permission.INVOICES_WRITE)])
def delete_invoice(request: Request, invoice_id: DbPathId) -> Response:
    service.delete_draft(session_of(request), current(request).actor, invoice_id)
    return redirect("/invoices", kind="success", message=say("draft_deleted"))
