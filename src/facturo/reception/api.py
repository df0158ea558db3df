"""Reception over HTTP: hand in documents (one, many, a zip), follow a submission, search the
index, read a document's findings, download its original, summarise an issuer."""

from __future__ import annotations

import tempfile
from contextlib import AsyncExitStack
from decimal import Decimal
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from facturo.kit.access import Permission
from facturo.kit.db import own_units
from facturo.kit.downloads import content_disposition
from facturo.kit.errors import ValidationFailed
from facturo.kit.schemas import IsoDate
from facturo.reception import views
from facturo.reception.formats.facturo_json import json_schema
from facturo.reception.queries import DocumentFilters
from facturo.reception.schemas import DocumentDetailOut, DocumentOut, IssuerSummaryOut, ReceiptOut, SubmissionOut
from facturo.surface.rest.deps import DbSession, Keyset, PathId, QueryId
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.schemas import ListOut
from facturo.surface.rest.security import CurrentPrincipal, requires

router = APIRouter(prefix="/api/v1/reception", tags=["reception"], route_class=UnitOfWorkRoute)

_SPOOL_BYTES = 1024 * 1024
_MAX_FILES = 1000
Nit = Annotated[str | None, Query(max_length=20, pattern=r"^[0-9A-Za-z-]+$")]


async def _uploads(request: Request, stack: AsyncExitStack) -> list[tuple[str, IO[bytes]]]:
    """The files of the request: each part of a multipart upload, or the raw body as one file
    (a document, a JSON array or a zip), spooled to disk past a megabyte as it streams in."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=_MAX_FILES, max_fields=10)
        except HTTPException as error:  # Starlette's answer to a broken or oversized multipart body
            raise ValidationFailed.on(
                "file",
                "reception.multipart",
                f"No se pudo leer el envío multipart (hasta {_MAX_FILES} archivos; o envíe un zip): {error.detail}",
                f"The multipart upload could not be read (up to {_MAX_FILES} files; or send a zip): {error.detail}",
            ) from None
        stack.push_async_callback(form.close)
        uploads: list[tuple[str, IO[bytes]]] = [
            (v.filename or f"archivo-{i}", v.file)
            for i, (_, v) in enumerate(form.multi_items(), 1)
            if not isinstance(v, str)
        ]
        if not uploads:
            raise ValidationFailed.on(
                "file",
                "reception.no_file",
                "Adjunte uno o más documentos o un zip.",
                "Attach one or more documents or a zip.",
            )
        return uploads
    # The exit stack closes the spool once the files have been read.
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES))  # noqa: SIM115
    async for chunk in request.stream():
        spool.write(chunk)
    if not spool.tell():
        raise ValidationFailed.on(
            "body", "reception.empty", "El cuerpo de la solicitud está vacío.", "The request body is empty."
        )
    spool.seek(0)
    name = request.headers.get("x-file-name", "") or "documento"
    return [(name[:300], spool)]


@router.post(
    "/documents",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ReceiptOut,
    dependencies=[requires(Permission.RECEPTION_SUBMIT)],
    openapi_extra={
        "requestBody": {
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                # Any bytes are received: JSON that is not a document is stored and rejected with
                # its reason (JSON-*), never refused at the door.
                "application/json": {"schema": {}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"files": {"type": "array", "items": {"type": "string", "format": "binary"}}},
                    }
                },
            }
        }
    },
)
@own_units
async def submit_documents(request: Request, principal: CurrentPrincipal) -> JSONResponse:
    """Hand in e-invoices: a raw body (one FEL/UBL XML, a facturo JSON document or array, or a zip of
    up to 100,000 documents) or a multipart upload of many files. Each original is archived and
    recorded as `received` before anything else; workers then validate and index it. The answer
    (202) lists each document's id and status; the same bytes again report the first document
    (`duplicate: true`) and create nothing. Follow progress at `/api/v1/reception/submissions/{id}`."""
    async with AsyncExitStack() as stack:
        uploads = await _uploads(request, stack)
        receipt = await run_in_threadpool(
            views.receive_files,
            request.app.state.database,
            request.app.state.reception_archive,
            uploads,
            actor=principal.actor,
            channel="api",
            allowed_issuer_nits=principal.issuer_nits,
        )
    workers = getattr(request.app.state, "reception_workers", None)
    if workers is not None:
        workers.notify()
    return JSONResponse(receipt.model_dump(mode="json"), status_code=status.HTTP_202_ACCEPTED)


@router.get(
    "/submissions/{submission_id}", response_model=SubmissionOut, dependencies=[requires(Permission.RECEPTION_SUBMIT)]
)
def get_submission(session: DbSession, principal: CurrentPrincipal, submission_id: PathId) -> SubmissionOut:
    """A submission's counts and progress: `received` documents are still waiting for a worker.
    Its documents are listed by `GET /api/v1/reception/documents?submission_id=…`."""
    return views.submission_view(session, submission_id, principal.actor, principal.reception_scope())


Status = Annotated[Literal["received", "accepted", "rejected"] | None, Query(alias="status")]
Format = Annotated[Literal["fel", "ubl", "json", "unknown"] | None, Query(alias="format")]
Text = Annotated[str | None, Query(max_length=60, pattern=r"^[0-9A-Za-z_. -]+$")]
# Written as plain decimals (12.50), within what the index holds (12 whole digits, 6 decimals).
# A query string carries text, so the amount is the plain-decimal text the index can hold (12 whole
# digits, 6 decimals), never a number in exponent form.
Amount = Annotated[
    str | None,
    Query(pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,6})?$", examples=["100.00"], description="A plain decimal: 1250.50"),
]
From = Annotated[IsoDate | None, Query(alias="from")]
To = Annotated[IsoDate | None, Query(alias="to")]


def _search(
    principal: CurrentPrincipal,
    issuer_nit: Nit = None,
    receiver_id: Nit = None,
    date_from: From = None,
    date_to: To = None,
    document_type: Text = None,
    status_: Status = None,
    format_: Format = None,
    total_min: Amount = None,
    total_max: Amount = None,
    rule: Text = None,
    submission_id: QueryId = None,
) -> DocumentFilters:
    """The search's query parameters, shared by the list and its CSV, within the credential's issuers."""
    return DocumentFilters(
        issuer_nit=issuer_nit,
        receiver_id=receiver_id.upper() if receiver_id else None,
        date_from=date_from,
        date_to=date_to,
        document_type=document_type,
        status=status_,
        format=format_,
        total_min=Decimal(total_min) if total_min is not None else None,
        total_max=Decimal(total_max) if total_max is not None else None,
        rule=rule,
        submission_id=submission_id,
        visible_issuer_nits=principal.issuer_nits,
    )


Search = Annotated[DocumentFilters, Depends(_search)]


@router.get("/documents", response_model=ListOut[DocumentOut], dependencies=[requires(Permission.RECEPTION_READ)])
def list_documents(session: DbSession, filters: Search, params: Keyset) -> ListOut[DocumentOut]:
    """Search the index, newest issue date first, by cursor pages (docs/api.md "Pagination")."""
    return ListOut.of(views.document_list(session, filters, params))


@router.get(
    "/documents.csv",
    dependencies=[requires(Permission.RECEPTION_READ)],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_documents(session: DbSession, filters: Search) -> StreamingResponse:
    """Every document of a search as CSV (the same filters as the list; cells are formula-safe)."""
    return StreamingResponse(
        views.documents_csv(session, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition("documentos-recibidos.csv")},
    )


@router.get(
    "/documents/{document_id}", response_model=DocumentDetailOut, dependencies=[requires(Permission.RECEPTION_READ)]
)
def get_document(session: DbSession, principal: CurrentPrincipal, document_id: PathId) -> DocumentDetailOut:
    """A document's index fields and every finding (rule id, severity, location, message)."""
    return views.document_view(session, document_id, principal.reception_scope())


@router.get(
    "/documents/{document_id}/original",
    dependencies=[requires(Permission.RECEPTION_READ)],
    responses={
        200: {
            "content": {"application/xml": {}, "application/json": {}, "application/octet-stream": {}},
            "description": "The exact bytes received.",
        }
    },
)
def get_original(request: Request, session: DbSession, principal: CurrentPrincipal, document_id: PathId) -> Response:
    """The exact bytes received; `X-Content-SHA256` carries their hash."""
    download = views.original_download(
        session, request.app.state.reception_archive, document_id, principal.reception_scope()
    )
    return Response(
        download.data,
        media_type=download.media_type,
        headers={"X-Content-SHA256": download.sha256, "Content-Disposition": content_disposition(download.filename)},
    )


@router.get(
    "/issuers/{issuer_nit}/summary",
    response_model=IssuerSummaryOut,
    dependencies=[requires(Permission.RECEPTION_SUMMARY_READ)],
)
def issuer_summary(
    session: DbSession,
    principal: CurrentPrincipal,
    issuer_nit: Annotated[str, Path(max_length=20, pattern=r"^[0-9A-Za-z-]+$")],
    date_from: Annotated[IsoDate, Query(alias="from")],
    date_to: Annotated[IsoDate, Query(alias="to")],
) -> IssuerSummaryOut:
    """One issuer over a date range: documents by type and status, and the accepted taxable, IVA
    and grand totals per currency with credit notes netted."""
    return views.issuer_summary_view(session, issuer_nit, date_from, date_to, principal.reception_scope())


@router.get("/schemas/facturo.invoice-1.json", include_in_schema=True)
def facturo_json_schema() -> dict[str, Any]:
    """The JSON Schema of a facturo.invoice/1 document (an array of them is accepted too)."""
    return json_schema()
