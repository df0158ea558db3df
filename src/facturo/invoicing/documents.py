"""Invoices and credit notes as the surfaces show them: every read and write here answers with the
view (``InvoiceOut``, ``InvoiceSummaryOut``…), its derived fields (``overdue``) taken against the
organisation's business date, which is read here once instead of in each adapter."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from facturo.audit.schemas import HistoryEntryOut
from facturo.invoicing import service
from facturo.invoicing.drafts import read_document
from facturo.invoicing.lookups import Reference, ResolvedReferences, invoice_history, resolve_references
from facturo.invoicing.schemas import AlertsOut, CreditNoteIn, DraftIn, DraftPatch, InvoiceOut, InvoiceSummaryOut
from facturo.invoicing.verification import ChainReport, verify_all
from facturo.invoicing.views import invoice_out, invoice_read_out, invoice_summary
from facturo.kit.actor import Actor
from facturo.kit.pagination import KeysetPage, KeysetParams
from facturo.organisation import service as organisation

business_today = organisation.business_today


def invoice_view(session: Session, invoice_id: int, visible_to: int | None = None) -> InvoiceOut:
    """One document to show (the API's hot read): one query of plain columns, a view built once."""
    return invoice_read_out(read_document(session, invoice_id, visible_to=visible_to), business_today(session))


def invoice_list_view(
    session: Session, params: KeysetParams, flt: service.InvoiceFilter, *, overdue: bool = False
) -> KeysetPage[InvoiceSummaryOut]:
    """A keyset page of documents; ``overdue`` keeps only those past their due date today."""
    today = business_today(session)
    if overdue:
        flt = dataclasses.replace(flt, overdue_on=today)
    return service.browse_invoices(session, params, flt).map(lambda doc: invoice_summary(doc, today))


def alerts_view(session: Session, due_soon_days: int = 7, visible_to: int | None = None) -> AlertsOut:
    found = service.alerts(session, business_today(session), due_soon_days, visible_to=visible_to)
    return AlertsOut(
        today=found.today,
        due_soon_days=found.due_soon_days,
        overdue=[invoice_summary(d, found.today) for d in found.overdue],
        due_soon=[invoice_summary(d, found.today) for d in found.due_soon],
        overdue_total=found.overdue_total,
        due_soon_total=found.due_soon_total,
    )


def credit_notes_view(session: Session, invoice_id: int, visible_to: int | None = None) -> list[InvoiceSummaryOut]:
    today = business_today(session)
    return [invoice_summary(d, today) for d in service.credit_notes_of(session, invoice_id, visible_to=visible_to)]


def create_draft_view(session: Session, actor: Actor, data: DraftIn) -> InvoiceOut:
    return invoice_out(service.create_draft(session, actor, data), business_today(session))


def update_draft_view(session: Session, actor: Actor, invoice_id: int, patch: DraftPatch) -> InvoiceOut:
    return invoice_out(service.update_draft(session, actor, invoice_id, patch), business_today(session))


def issue_invoice_view(session: Session, actor: Actor, invoice_id: int, issue_date: date | None = None) -> InvoiceOut:
    return invoice_out(service.issue_invoice(session, actor, invoice_id, issue_date), business_today(session))


def void_invoice_view(session: Session, actor: Actor, invoice_id: int, reason: str) -> InvoiceOut:
    return invoice_out(service.void_invoice(session, actor, invoice_id, reason), business_today(session))


@dataclass(frozen=True)
class CreditNoteIssued:
    note: InvoiceOut
    invoice: InvoiceOut  # the credited invoice, its balance and status after the note


def credit_note_view(session: Session, actor: Actor, invoice_id: int, data: CreditNoteIn) -> CreditNoteIssued:
    today = business_today(session)
    note = invoice_out(service.create_credit_note(session, actor, invoice_id, data), today)
    return CreditNoteIssued(note, invoice_out(service.get_document(session, invoice_id), today))


# --- drafts named by text (the command line, files) --------------------------------------------


@dataclass(frozen=True)
class NamedReferences:
    """The customer, series and products of a draft as a person wrote them (id, NIT or code)."""

    customer: Reference | None = None
    series: Reference | None = None
    products: Sequence[Reference] = ()


def create_named_draft(
    session: Session, actor: Actor, named: NamedReferences, build: Callable[[ResolvedReferences], DraftIn]
) -> InvoiceOut:
    """A draft whose references are resolved first; ``build`` makes the draft from their ids (the
    caller's own validation of what was typed runs there, after the references are known)."""
    found = resolve_references(session, customer=named.customer, series=named.series, products=named.products)
    return create_draft_view(session, actor, build(found))


def update_named_draft(
    session: Session,
    actor: Actor,
    invoice_id: int,
    named: NamedReferences,
    build: Callable[[ResolvedReferences], DraftPatch],
) -> InvoiceOut:
    """``create_named_draft`` for the changes to a draft."""
    found = resolve_references(session, customer=named.customer, series=named.series, products=named.products)
    return update_draft_view(session, actor, invoice_id, build(found))


# --- history and the hash chain ----------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceHistory:
    entries: list[HistoryEntryOut]
    timezone: str  # the organisation's, to show the moments in


def history_view(session: Session, invoice_id: int) -> InvoiceHistory:
    entries = [HistoryEntryOut.model_validate(r) for r in invoice_history(session, invoice_id)]
    return InvoiceHistory(entries, organisation.business_timezone(session))


def verify_own_chains(session: Session) -> list[ChainReport]:
    """The hash chain of each of our organisation's series."""
    return verify_all(session, organisation.own_issuer(session).id)
