from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from facturo.audit import service as audit
from facturo.audit.schemas import HistoryEntryOut
from facturo.invoicing import payments as payments
from facturo.invoicing import service
from facturo.invoicing.schemas import (
    AlertsOut,
    CreditNoteIn,
    DraftIn,
    DraftPatch,
    InvoiceOut,
    InvoiceSummaryOut,
    IssueIn,
    VoidIn,
)
from facturo.invoicing.views import invoice_out, invoice_summary
from facturo.kit import clock
from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.schemas import IsoDate
from facturo.organisation import service as organisation
from facturo.surface.rest.deps import CurrentActor, DbSession, Paging, PathId, QueryId
from facturo.surface.rest.responses import model_json
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.schemas import PageOut
from facturo.surface.rest.security import CurrentPrincipal, requires

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"], route_class=UnitOfWorkRoute)


def _today(session: DbSession) -> date:
    return clock.today(organisation.business_timezone(session))


@router.get("", response_model=PageOut[InvoiceSummaryOut], dependencies=[requires(Permission.INVOICES_READ)])
def list_invoices(
    session: DbSession,
    principal: CurrentPrincipal,
    paging: Paging,
    status_: Annotated[service.Status | None, Query(alias="status")] = None,
    customer_id: QueryId = None,
    date_from: Annotated[IsoDate | None, Query(alias="from", description="Issue date from (inclusive).")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="Issue date to (inclusive).")] = None,
    document_type: Annotated[str | None, Query(pattern="^(invoice|credit_note)$")] = None,
    overdue: Annotated[bool, Query(description="Only open invoices past their due date.")] = False,
) -> PageOut[InvoiceSummaryOut]:
    today = _today(session)
    flt = service.InvoiceFilter(
        status=status_,
        customer_id=customer_id,
        date_from=date_from,
        date_to=date_to,
        document_type=document_type,
        overdue_on=today if overdue else None,
        visible_to=principal.customer_id,
    )
    page = service.list_invoices(session, paging, flt)
    return PageOut.of(page.map(lambda doc: invoice_summary(doc, today)))


@router.get("/alerts", response_model=AlertsOut, dependencies=[requires(Permission.INVOICES_READ)])
def invoice_alerts(
    session: DbSession, principal: CurrentPrincipal, due_soon_days: Annotated[int, Query(ge=0, le=90)] = 7
) -> AlertsOut:
    found = service.alerts(session, _today(session), due_soon_days, visible_to=principal.customer_id)
    return AlertsOut(
        today=found.today,
        due_soon_days=found.due_soon_days,
        overdue=[invoice_summary(d, found.today) for d in found.overdue],
        due_soon=[invoice_summary(d, found.today) for d in found.due_soon],
        overdue_total=found.overdue_total,
        due_soon_total=found.due_soon_total,
    )


@router.post(
    "",
    response_model=InvoiceOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.INVOICES_WRITE)],
)
def create_draft(session: DbSession, actor: CurrentActor, data: DraftIn) -> InvoiceOut:
    return invoice_out(service.create_draft(session, actor, data), _today(session))


@router.get("/{invoice_id:int}", response_model=InvoiceOut, dependencies=[requires(Permission.INVOICES_READ)])
def get_invoice(session: DbSession, principal: CurrentPrincipal, invoice_id: PathId) -> Response:
    doc = service.get_document(session, invoice_id, visible_to=principal.customer_id)
    return model_json(invoice_out(doc, _today(session)))


@router.patch("/{invoice_id:int}", response_model=InvoiceOut, dependencies=[requires(Permission.INVOICES_WRITE)])
def update_draft(session: DbSession, actor: CurrentActor, invoice_id: PathId, data: DraftPatch) -> InvoiceOut:
    return invoice_out(service.update_draft(session, actor, invoice_id, data), _today(session))


@router.delete(
    "/{invoice_id:int}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[requires(Permission.INVOICES_WRITE)]
)
def delete_draft(session: DbSession, actor: CurrentActor, invoice_id: PathId) -> None:
    service.delete_draft(session, actor, invoice_id)


@router.post("/{invoice_id:int}/issue", response_model=InvoiceOut, dependencies=[requires(Permission.INVOICES_ISSUE)])
def issue_invoice(
    session: DbSession, actor: CurrentActor, invoice_id: PathId, data: IssueIn | None = None
) -> InvoiceOut:
    doc = service.issue_invoice(session, actor, invoice_id, data.issue_date if data else None)
    return invoice_out(doc, _today(session))


@router.post("/{invoice_id:int}/void", response_model=InvoiceOut, dependencies=[requires(Permission.INVOICES_VOID)])
def void_invoice(session: DbSession, actor: CurrentActor, invoice_id: PathId, data: VoidIn) -> InvoiceOut:
    return invoice_out(service.void_invoice(session, actor, invoice_id, data.reason), _today(session))


@router.post(
    "/{invoice_id:int}/credit-notes",
    response_model=InvoiceOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.INVOICES_ISSUE)],
)
def create_credit_note(session: DbSession, actor: CurrentActor, invoice_id: PathId, data: CreditNoteIn) -> InvoiceOut:
    return invoice_out(service.create_credit_note(session, actor, invoice_id, data), _today(session))


@router.get(
    "/{invoice_id:int}/credit-notes",
    response_model=list[InvoiceSummaryOut],
    dependencies=[requires(Permission.INVOICES_READ)],
)
def list_credit_notes(session: DbSession, principal: CurrentPrincipal, invoice_id: PathId) -> list[InvoiceSummaryOut]:
    today = _today(session)
    notes = service.credit_notes_of(session, invoice_id, visible_to=principal.customer_id)
    return [invoice_summary(d, today) for d in notes]


@router.get(
    "/{invoice_id:int}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The invoice as PDF."}},
    dependencies=[requires(Permission.INVOICES_READ)],
)
def invoice_pdf(session: DbSession, principal: CurrentPrincipal, invoice_id: PathId) -> Response:
    filename, content = payments.invoice_pdf(session, invoice_id, visible_to=principal.customer_id)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(filename, inline=True)},
    )


@router.get(
    "/{invoice_id:int}/history", response_model=list[HistoryEntryOut], dependencies=[requires(Permission.HISTORY_READ)]
)
def invoice_history(session: DbSession, invoice_id: PathId) -> list[HistoryEntryOut]:
    service.get_document(session, invoice_id)
    return [HistoryEntryOut.model_validate(r) for r in audit.history_of(session, "invoice", invoice_id)]
