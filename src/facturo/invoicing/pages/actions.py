"""What is done to an issued invoice: issue (a draft), void with a reason, credit notes, payments
split over several methods, and reversing a payment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from facturo.invoicing import payments as payments
from facturo.invoicing import service
from facturo.invoicing.pages import forms as forms
from facturo.invoicing.pages import views as views
from facturo.invoicing.pages.common import Column, DbPathId, Text, current_document, say, session_of, texts
from facturo.invoicing.payment_schemas import Method, PaymentOut, ReversalIn
from facturo.invoicing.schemas import VoidIn
from facturo.invoicing.views import invoice_out
from facturo.kit.access import Permission
from facturo.kit.errors import Conflict, ValidationFailed
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


@router.get("/invoices/{invoice_id}/void", dependencies=[page_requires(Permission.INVOICES_VOID)])
def void_form(request: Request, invoice_id: DbPathId) -> Response:
    doc = invoice_out(current_document(request, invoice_id), views.business_today(session_of(request)))
    return _reason_page(request, "invoices/void.html", {"doc": doc})


@router.post("/invoices/{invoice_id}/void", dependencies=[page_requires(Permission.INVOICES_VOID)])
def void_invoice(request: Request, invoice_id: DbPathId, reason: Text = "") -> Response:
    session = session_of(request)
    doc = current_document(request, invoice_id)
    text, problems = forms.parse_reason(VoidIn, reason)
    if text is not None:
        try:
            service.void_invoice(session, current(request).actor, invoice_id, text)
        except ValidationFailed as exc:
            session.rollback()
            problems = forms.service_problems(exc, lambda loc: "reason")
        else:
            message = say("voided", number=doc.full_number)
            return redirect(f"/invoices/{invoice_id}", kind="success", message=message)
    out = invoice_out(current_document(request, invoice_id), views.business_today(session))
    return _reason_page(request, "invoices/void.html", {"doc": out}, forms.clean(reason), problems=problems)


def _credit_page(
    request: Request, invoice_id: int, form: forms.CreditForm, problems: forms.Problems | None = None
) -> Response:
    session = session_of(request)
    doc = current_document(request, invoice_id)
    notes = service.credit_notes_of(session, doc.id)
    context = {
        "doc": invoice_out(doc, views.business_today(session)),
        "rows": views.credit_rows(doc, notes),
        "form": form,
        "errors": texts(problems or {}),
    }
    return render(request, "invoices/credit_note.html", context, 422 if problems else 200)


@router.get("/invoices/{invoice_id}/credit-note", dependencies=[page_requires(Permission.INVOICES_ISSUE)])
def credit_note_form(request: Request, invoice_id: DbPathId) -> Response:
    return _credit_page(request, invoice_id, forms.CreditForm())


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
    session = session_of(request)
    current_document(request, invoice_id)
    form = forms.CreditForm.posted(kind, reason, line_number, credit_quantity, amount_description, amount)
    parsed = forms.parse_credit(form)
    if parsed.note is None:
        return _credit_page(request, invoice_id, form, parsed.problems)
    try:
        note = service.create_credit_note(session, current(request).actor, invoice_id, parsed.note)
    except ValidationFailed as exc:
        session.rollback()
        return _credit_page(request, invoice_id, form, forms.credit_service_problems(exc, parsed))
    message = say("credited", number=note.full_number)
    return redirect(f"/invoices/{invoice_id}", kind="success", message=message)


def _payment_page(
    request: Request, invoice_id: int, form: forms.PaymentForm, problems: forms.Problems | None = None
) -> Response:
    session = session_of(request)
    context = {
        "doc": invoice_out(current_document(request, invoice_id), views.business_today(session)),
        "form": form,
        "methods": [m.value for m in Method],
        "errors": texts(problems or {}),
    }
    return render(request, "invoices/payment.html", context, 422 if problems else 200)


@router.get("/invoices/{invoice_id}/payments/new", dependencies=[page_requires(Permission.PAYMENTS_WRITE)])
def payment_form(request: Request, invoice_id: DbPathId) -> Response:
    doc = current_document(request, invoice_id)
    today = views.business_today(session_of(request))
    first = forms.plain(doc.balance, 2) if doc.balance > 0 else ""
    splits = [forms.SplitForm("cash", first), forms.SplitForm("credit_card"), forms.SplitForm("bank_transfer")]
    return _payment_page(request, invoice_id, forms.PaymentForm(received_on=today.isoformat(), splits=splits))


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
    session = session_of(request)
    current_document(request, invoice_id)
    form = forms.PaymentForm.posted(received_on, notes, split_method, split_amount, split_reference)
    if action == "add_split":
        if len(form.splits) < forms.MAX_SPLITS:
            form.splits.append(forms.SplitForm(method=""))
        return _payment_page(request, invoice_id, form)
    parsed = forms.parse_payment(form)
    if parsed.payment is None:
        return _payment_page(request, invoice_id, form, parsed.problems)
    try:
        payment = payments.register_payment(session, current(request).actor, invoice_id, parsed.payment)
    except ValidationFailed as exc:
        session.rollback()
        return _payment_page(request, invoice_id, form, forms.payment_service_problems(exc, parsed))
    message = say("paid", amount=money(payment.amount, payment.currency))
    return redirect(f"/invoices/{invoice_id}", kind="success", message=message)


def _payment(request: Request, payment_id: int) -> PaymentOut:
    found = payments.get_payment(session_of(request), payment_id, visible_to=current(request).customer_id)
    return PaymentOut.model_validate(found)


@router.get("/payments/{payment_id}/reverse", dependencies=[page_requires(Permission.PAYMENTS_WRITE)])
def reverse_form(request: Request, payment_id: DbPathId) -> Response:
    payment = _payment(request, payment_id)
    doc = invoice_out(current_document(request, payment.invoice_id), views.business_today(session_of(request)))
    return _reason_page(request, "invoices/reverse.html", {"payment": payment, "doc": doc})


@router.post("/payments/{payment_id}/reverse", dependencies=[page_requires(Permission.PAYMENTS_WRITE)])
def reverse_payment(request: Request, payment_id: DbPathId, reason: Text = "") -> Response:
    session = session_of(request)
    payment = _payment(request, payment_id)
    text, problems = forms.parse_reason(ReversalIn, reason)
    if text is not None:
        try:
            payments.reverse_payment(session, current(request).actor, payment_id, text)
        except ValidationFailed as exc:
            session.rollback()
            problems = forms.service_problems(exc, lambda loc: "reason")
        else:
            message = say("reversed", amount=money(payment.amount, payment.currency))
            return redirect(f"/invoices/{payment.invoice_id}", kind="success", message=message)
    doc = invoice_out(current_document(request, payment.invoice_id), views.business_today(session))
    context = {"payment": _payment(request, payment_id), "doc": doc}
    return _reason_page(request, "invoices/reverse.html", context, forms.clean(reason), problems=problems)
