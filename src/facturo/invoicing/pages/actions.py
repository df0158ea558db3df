"""What is done to an issued invoice: issue (a draft), void with a reason, credit notes, payments
split over several methods, and reversing a payment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from facturo.invoicing import documents, screens, service
from facturo.invoicing.pages import forms as forms
from facturo.invoicing.pages.common import Column, DbPathId, Text, say, session_of, texts
from facturo.invoicing.payment_schemas import Method, ReversalIn
from facturo.invoicing.schemas import VoidIn
from facturo.kit.access import Permission
from facturo.kit.errors import Conflict, ValidationFailed
from facturo.kit.numbers import plain
from facturo.surface.web import i18n
from facturo.surface.web.formatting import money
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _refused(invoice_id: int, exc: ValidationFailed | Conflict, session: Session) -> Response:
    """A refused action without a form of its own: nothing is kept, the detail says why."""
    session.rollback()
    message = exc.message.in_language(i18n.current_language())
    return redirect(f"/invoices/{invoice_id}", kind="error", message=message)


@router.post("/invoices/{invoice_id}/issue", dependencies=[page_requires(Permission.INVOICES_ISSUE)])
def issue_invoice(request: Request, invoice_id: DbPathId) -> Response:
    session = session_of(request)
    try:
        doc = service.issue_invoice(session, current(request).actor, invoice_id)
    except (ValidationFailed, Conflict) as exc:
        return _refused(invoice_id, exc, session)
    message = say("issued", number=doc.full_number)
    return redirect(f"/invoices/{doc.id}", kind="success", message=message)


def _reason_page(
    request: Request, template: str, context: dict[str, Any], reason: str = "", problems: forms.Problems | None = None
) -> Response:
    status = 422 if problems else 200
    return render(request, template, {**context, "reason": reason, "errors": texts(problems or {})}, status)


def _reason_problems(exc: ValidationFailed, session: Session) -> forms.Problems:
    session.rollback()
    return forms.service_problems(exc, lambda loc: "reason")


@router.get("/invoices/{invoice_id}/void", dependencies=[page_requires(Permission.INVOICES_VOID)])
def void_form(request: Request, invoice_id: DbPathId) -> Response:
    doc = documents.invoice_view(session_of(request), invoice_id, visible_to=current(request).customer_id)
    return _reason_page(request, "invoices/void.html", {"doc": doc})


@router.post("/invoices/{invoice_id}/void", dependencies=[page_requires(Permission.INVOICES_VOID)])
def void_invoice(request: Request, invoice_id: DbPathId, reason: Text = "") -> Response:
    session, principal = session_of(request), current(request)
    text, problems = forms.parse_reason(VoidIn, reason)
    tried = screens.void_attempt(session, principal.actor, invoice_id, text, principal.customer_id)
    if tried.refused is not None:
        problems = _reason_problems(tried.refused, session)
    elif tried.done is not None:
        message = say("voided", number=tried.screen.full_number)
        return redirect(f"/invoices/{invoice_id}", kind="success", message=message)
    return _reason_page(request, "invoices/void.html", {"doc": tried.screen}, forms.clean(reason), problems=problems)


def _credit_page(
    request: Request, shown: screens.CreditNoteScreen, form: forms.CreditForm, problems: forms.Problems | None = None
) -> Response:
    context = {"doc": shown.doc, "rows": shown.rows, "form": form, "errors": texts(problems or {})}
    return render(request, "invoices/credit_note.html", context, 422 if problems else 200)


@router.get("/invoices/{invoice_id}/credit-note", dependencies=[page_requires(Permission.INVOICES_ISSUE)])
def credit_note_form(request: Request, invoice_id: DbPathId) -> Response:
    shown = screens.credit_note_screen(session_of(request), invoice_id, current(request).customer_id)
    return _credit_page(request, shown, forms.CreditForm())


@router.post("/invoices/{invoice_id}/credit-note", dependencies=[page_requires(Permission.INVOICES_ISSUE)])
def create_credit_note(
    request: Request,
    invoice_id: DbPathId,
    line_number: Column,
    credit_quantity: Column,
    kind: Text = "items",
    reason: Text = "",
    amount_description: Text = "",
    amount: Text = "",
) -> Response:
    session, principal = session_of(request), current(request)
    form = forms.CreditForm.posted(kind, reason, line_number, credit_quantity, amount_description, amount)
    parsed = forms.parse_credit(form)
    tried = screens.credit_note_attempt(session, principal.actor, invoice_id, parsed.note, principal.customer_id)
    if parsed.note is None:
        return _credit_page(request, tried.screen, form, parsed.problems)
    if tried.refused is not None:
        session.rollback()
        return _credit_page(request, tried.screen, form, forms.credit_service_problems(tried.refused, parsed))
    assert tried.done is not None
    message = say("credited", number=tried.done.full_number)
    return redirect(f"/invoices/{invoice_id}", kind="success", message=message)


def _payment_page(
    request: Request, shown: screens.PaymentScreen, form: forms.PaymentForm, problems: forms.Problems | None = None
) -> Response:
    context = {
        "doc": shown.doc,
        "form": form,
        "methods": [m.value for m in Method],
        "errors": texts(problems or {}),
    }
    return render(request, "invoices/payment.html", context, 422 if problems else 200)


@router.get("/invoices/{invoice_id}/payments/new", dependencies=[page_requires(Permission.PAYMENTS_WRITE)])
def payment_form(request: Request, invoice_id: DbPathId) -> Response:
    shown = screens.payment_screen(session_of(request), invoice_id, current(request).customer_id)
    first = plain(shown.doc.balance, 2) if shown.doc.balance > 0 else ""
    splits = [forms.SplitForm("cash", first), forms.SplitForm("credit_card"), forms.SplitForm("bank_transfer")]
    form = forms.PaymentForm(received_on=shown.today.isoformat(), splits=splits)
    return _payment_page(request, shown, form)


@router.post("/invoices/{invoice_id}/payments", dependencies=[page_requires(Permission.PAYMENTS_WRITE)])
def register_payment(
    request: Request,
    invoice_id: DbPathId,
    split_method: Column,
    split_amount: Column,
    split_reference: Column,
    received_on: Text = "",
    notes: Text = "",
    action: Text = "save",
) -> Response:
    session, principal = session_of(request), current(request)
    form = forms.PaymentForm.posted(received_on, notes, split_method, split_amount, split_reference)
    parsed = None if action == "add_split" else forms.parse_payment(form)
    data = parsed.payment if parsed is not None else None
    tried = screens.payment_attempt(session, principal.actor, invoice_id, data, principal.customer_id)
    if parsed is None:
        if len(form.splits) < forms.MAX_SPLITS:
            form.splits.append(forms.SplitForm(method=""))
        return _payment_page(request, tried.screen, form)
    if parsed.payment is None:
        return _payment_page(request, tried.screen, form, parsed.problems)
    if tried.refused is not None:
        session.rollback()
        return _payment_page(request, tried.screen, form, forms.payment_service_problems(tried.refused, parsed))
    assert tried.done is not None
    message = say("paid", amount=money(tried.done.amount, tried.done.currency))
    return redirect(f"/invoices/{invoice_id}", kind="success", message=message)


@router.get("/payments/{payment_id}/reverse", dependencies=[page_requires(Permission.PAYMENTS_WRITE)])
def reverse_form(request: Request, payment_id: DbPathId) -> Response:
    shown = screens.reversal_screen(session_of(request), payment_id, current(request).customer_id)
    return _reason_page(request, "invoices/reverse.html", {"payment": shown.payment, "doc": shown.doc})


@router.post("/payments/{payment_id}/reverse", dependencies=[page_requires(Permission.PAYMENTS_WRITE)])
def reverse_payment(request: Request, payment_id: DbPathId, reason: Text = "") -> Response:
    session, principal = session_of(request), current(request)
    text, problems = forms.parse_reason(ReversalIn, reason)
    tried = screens.reversal_attempt(session, principal.actor, payment_id, text, principal.customer_id)
    payment = tried.screen.payment
    if tried.refused is not None:
        problems = _reason_problems(tried.refused, session)
    elif tried.done is not None:
        message = say("reversed", amount=money(payment.amount, payment.currency))
        return redirect(f"/invoices/{payment.invoice_id}", kind="success", message=message)
    context = {"payment": payment, "doc": tried.screen.doc}
    return _reason_page(request, "invoices/reverse.html", context, forms.clean(reason), problems=problems)
