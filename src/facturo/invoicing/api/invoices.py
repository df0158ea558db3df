from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from facturo.audit.schemas import HistoryEntryOut
from facturo.invoicing import documents, service
from facturo.invoicing.documents_pdf import invoice_pdf as printable_invoice
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
from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.schemas import IsoDate
from facturo.surface.rest.deps import CurrentActor, DbSession, Keyset, PathId, QueryId
from facturo.surface.rest.responses import model_json
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.schemas import ListOut
from facturo.surface.rest.security import CurrentPrincipal, requires

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"], route_class=UnitOfWorkRoute)


@router.get("", response_model=ListOut[InvoiceSummaryOut], dependencies=[requires(Permission.INVOICES_READ)])
def list_invoices(
    session: DbSession,
    principal: CurrentPrincipal,
    paging: Keyset,
    status_: Annotated[service.Status | None, Query(alias="status")] = None,
    customer_id: QueryId = None,
    date_from: Annotated[IsoDate | None, Query(alias="from", description="Issue date from (inclusive).")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="Issue date to (inclusive).")] = None,
    document_type: Annotated[str | None, Query(pattern="^(invoice|credit_note)$")] = None,
    overdue: Annotated[bool, Query(description="Only open invoices past their due date.")] = False,
) -> ListOut[InvoiceSummaryOut]:
    """Newest first (drafts on top); keyset pages: follow ``next_cursor`` (docs/api.md, "Pagination")."""
    flt = service.InvoiceFilter(
        status=status_,
        customer_id=customer_id,
        date_from=date_from,
        date_to=date_to,
        document_type=document_type,
        visible_to=principal.customer_id,
    )
    return ListOut.of(documents.invoice_list_view(session, paging, flt, overdue=overdue))


@router.get("/alerts", response_model=AlertsOut, dependencies=[requires(Permission.INVOICES_READ)])
def invoice_alerts(
    session: DbSession, principal: CurrentPrincipal, due_soon_days: Annotated[int, Query(ge=0, le=90)] = 7
) -> AlertsOut:
    return documents.alerts_view(session, due_soon_days, visible_to=principal.customer_id)


@router.post(
    "",
    response_model=InvoiceOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.INVOICES_WRITE)],
)
def create_draft(session: DbSession, actor: CurrentActor, data: DraftIn) -> InvoiceOut:
    return documents.create_draft_view(session, actor, data)


@router.get("/{invoice_id:int}", response_model=InvoiceOut, dependencies=[requires(Permission.INVOICES_READ)])
def get_invoice(session: DbSession, principal: CurrentPrincipal, invoice_id: PathId) -> Response:
    return model_json(documents.invoice_view(session, invoice_id, visible_to=principal.customer_id))


@router.patch("/{invoice_id:int}", response_model=InvoiceOut, dependencies=[requires(Permission.INVOICES_WRITE)])
def update_draft(session: DbSession, actor: CurrentActor, invoice_id: PathId, data: DraftPatch) -> InvoiceOut:
    return documents.update_draft_view(session, actor, invoice_id, data)


@router.delete(
    "/{invoice_id:int}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[requires(Permission.INVOICES_WRITE)]
)
def delete_draft(session: DbSession, actor: CurrentActor, invoice_id: PathId) -> None:
    service.delete_draft(session, actor, invoice_id)


@router.post("/{invoice_id:int}/issue", response_model=InvoiceOut, dependencies=[requires(Permission.INVOICES_ISSUE)])
def issue_invoice(
    session: DbSession, actor: CurrentActor, invoice_id: PathId, data: IssueIn | None = None
) -> InvoiceOut:
    return documents.issue_invoice_view(session, actor, invoice_id, data.issue_date if data else None)


@router.post("/{invoice_id:int}/void", response_model=InvoiceOut, dependencies=[requires(Permission.INVOICES_VOID)])
def void_invoice(session: DbSession, actor: CurrentActor, invoice_id: PathId, data: VoidIn) -> InvoiceOut:
    return documents.void_invoice_view(session, actor, invoice_id, data.reason)


@router.post(
    "/{invoice_id:int}/credit-notes",
    response_model=InvoiceOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.INVOICES_ISSUE)],
)
def create_credit_note(session: DbSession, actor: CurrentActor, invoice_id: PathId, data: CreditNoteIn) -> InvoiceOut:
    return documents.credit_note_view(session, actor, invoice_id, data).note


@router.get(
    "/{invoice_id:int}/credit-notes",
    response_model=list[InvoiceSummaryOut],
    dependencies=[requires(Permission.INVOICES_READ)],
)
def list_credit_notes(session: DbSession, principal: CurrentPrincipal, invoice_id: PathId) -> list[InvoiceSummaryOut]:
    return documents.credit_notes_view(session, invoice_id, visible_to=principal.customer_id)


@router.get(
    "/{invoice_id:int}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The invoice as PDF."}},
    dependencies=[requires(Permission.INVOICES_READ)],
)
def invoice_pdf(session: DbSession, principal: CurrentPrincipal, invoice_id: PathId) -> Response:
    filename, content = printable_invoice(session, invoice_id, visible_to=principal.customer_id)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition(filename, inline=True)},
    )


@router.get(
    "/{invoice_id:int}/history", response_model=list[HistoryEntryOut], dependencies=[requires(Permission.HISTORY_READ)]
)
def invoice_history(session: DbSession, invoice_id: PathId) -> list[HistoryEntryOut]:
    return [HistoryEntryOut.model_validate(r) for r in service.invoice_history(session, invoice_id)]
