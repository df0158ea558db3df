"""Usage billing over HTTP: messages, billing runs, one-by-one records, the data view and reset."""

from __future__ import annotations

import tempfile
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from facturo.kit.access import Permission
from facturo.kit.db import own_units
from facturo.kit.downloads import content_disposition
from facturo.kit.errors import ValidationFailed
from facturo.kit.schemas import NO_NUL, IsoDate
from facturo.surface.rest.deps import CurrentActor, DbSession, Keyset, PathId, QueryId
from facturo.surface.rest.errors import language
from facturo.surface.rest.responses import model_json
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.schemas import ListOut
from facturo.surface.rest.security import requires
from facturo.usage import consumption_list, service
from facturo.usage.schemas import (
    BillingRunIn,
    BillingRunOut,
    BillingRunRecordOut,
    CancelIn,
    CategoryIn,
    ConfigurationIn,
    ImportReportOut,
    InstanceIn,
    OverviewOut,
    ResourceIn,
    UsageCustomerIn,
)
from facturo.usage.views import billing_view, customer_created, report_out

router = APIRouter(prefix="/api/v1/usage", tags=["usage"], route_class=UnitOfWorkRoute)
InstanceCode = Annotated[str, Path(min_length=1, max_length=40, pattern=NO_NUL)]


# The raw body is copied to disk past this size, so a large message never sits in memory.
_SPOOL_BYTES = 1024 * 1024


async def _receive_message(request: Request, spool: IO[bytes]) -> tuple[IO[bytes], str]:
    """The XML of a raw body (copied into ``spool`` as it arrives) or the one file of a multipart
    upload (spooled to disk by Starlette). The body size limit applies while it streams."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=5)
        upload = next((v for v in form.values() if not isinstance(v, str)), None)
        if upload is None:
            raise ValidationFailed.on(
                "file",
                "message.no_file",
                "Adjunte el archivo XML del mensaje (campo «file»).",
                "Attach the message's XML file (field “file”).",
            )
        return upload.file, upload.filename or ""
    async for chunk in request.stream():
        spool.write(chunk)
    spool.seek(0)
    return spool, ""


@router.post(
    "/messages",
    response_model=ImportReportOut,
    dependencies=[requires(Permission.USAGE_IMPORT)],
    openapi_extra={
        "requestBody": {
            "content": {
                "application/xml": {"schema": {"type": "string"}},
                "multipart/form-data": {
                    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
                },
            }
        }
    },
)
@own_units
async def import_message(
    request: Request,
    actor: CurrentActor,
    effective_from: Annotated[
        AwareDatetime | None,
        Query(description="When the prices and compositions of a configuration message take effect (default: now)."),
    ] = None,
) -> ImportReportOut:
    """Import an IPC2 message (`archivoConfiguraciones` or `listadoConsumos`, detected from the document).
    The answer is a summary (exact counts, the first problems of each kind); the full per-line report
    is at `report_url`. The message is checked before anything is written, and written in one short
    transaction."""
    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
        source, filename = await _receive_message(request, spool)
        report = await run_in_threadpool(
            service.import_message,
            request.app.state.database,
            actor,
            source,
            filename=filename,
            effective_from=effective_from,
        )
    return report_out(report, language(request))


@router.get(
    "/messages/{message_id}/problems",
    dependencies=[requires(Permission.USAGE_IMPORT)],
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "array"}}},
            "description": "Every duplicate, warning and rejection of the message, by line.",
        }
    },
)
def message_problems(
    request: Request,
    message_id: PathId,
    format: Annotated[Literal["csv", "json"], Query(description="csv (default) or json.")] = "csv",
) -> StreamingResponse:
    """The full report of an imported message: every duplicate, warning and rejection, by line."""
    download = service.report_download(request.app.state.database, message_id, format, language(request))
    return StreamingResponse(
        download.chunks,
        media_type=download.media_type,
        headers={"Content-Disposition": content_disposition(download.filename)},
    )


@router.post("/billing-runs", response_model=BillingRunOut, dependencies=[requires(Permission.BILLING_RUN)])
def run_billing(session: DbSession, actor: CurrentActor, data: BillingRunIn) -> Response:
    """Bill the unbilled consumptions of a date range (inclusive), one invoice per customer.
    With `dry_run` nothing is written and the answer shows what a run would create."""
    found = billing_view(session, actor, data.date_from, data.date_to, dry_run=data.dry_run)
    code = status.HTTP_201_CREATED if found.run_id is not None else status.HTTP_200_OK
    return model_json(found, status_code=code)


@router.get("/billing-runs", response_model=list[BillingRunRecordOut], dependencies=[requires(Permission.REPORTS_READ)])
def list_billing_runs(
    session: DbSession, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[BillingRunRecordOut]:
    return [BillingRunRecordOut.model_validate(run) for run in service.list_runs(session, limit)]


@router.get(
    "/consumptions",
    response_model=ListOut[consumption_list.ConsumptionOut],
    dependencies=[requires(Permission.REPORTS_READ)],
)
def list_consumptions(
    session: DbSession,
    paging: Keyset,
    customer_id: QueryId = None,
    instance_id: QueryId = None,
    date_from: Annotated[IsoDate | None, Query(alias="from", description="Business date from (inclusive).")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="Business date to (inclusive).")] = None,
) -> ListOut[consumption_list.ConsumptionOut]:
    """Consumptions as stored, newest business day first, in keyset pages (docs/api.md, "Pagination")."""
    flt = consumption_list.ConsumptionFilter(customer_id, instance_id, date_from, date_to)
    return ListOut.of(consumption_list.list_consumptions(session, paging, flt))


@router.get("", response_model=OverviewOut, dependencies=[requires(Permission.REPORTS_READ)])
def usage_overview(session: DbSession) -> OverviewOut:
    """Everything stored: resources, categories with configurations, customers with instances and
    their unbilled consumption."""
    return OverviewOut.model_validate(service.overview(session))


@router.post(
    "/resources",
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.USAGE_IMPORT)],
)
def create_resource(session: DbSession, actor: CurrentActor, data: ResourceIn) -> dict[str, Any]:
    resource = service.create_resource(session, actor, data)
    return {"id": resource.id, "code": resource.code}


@router.post("/categories", status_code=status.HTTP_201_CREATED, dependencies=[requires(Permission.USAGE_IMPORT)])
def create_category(session: DbSession, actor: CurrentActor, data: CategoryIn) -> dict[str, Any]:
    category = service.create_category(session, actor, data)
    return {"id": category.id, "code": category.code}


@router.post("/configurations", status_code=status.HTTP_201_CREATED, dependencies=[requires(Permission.USAGE_IMPORT)])
def create_configuration(session: DbSession, actor: CurrentActor, data: ConfigurationIn) -> dict[str, Any]:
    configuration = service.create_configuration(session, actor, data)
    return {"id": configuration.id, "code": configuration.code}


@router.post("/customers", status_code=status.HTTP_201_CREATED, dependencies=[requires(Permission.USAGE_IMPORT)])
def create_customer(request: Request, session: DbSession, actor: CurrentActor, data: UsageCustomerIn) -> dict[str, Any]:
    created = customer_created(session, actor, data, language(request))
    return {"id": created.customer_id, "portal_login": created.portal_login, "warnings": created.warnings}


@router.post("/instances", status_code=status.HTTP_201_CREATED, dependencies=[requires(Permission.USAGE_IMPORT)])
def create_instance(session: DbSession, actor: CurrentActor, data: InstanceIn) -> dict[str, Any]:
    instance = service.create_instance(session, actor, data)
    return {"id": instance.id, "code": instance.code, "state": instance.state}


@router.post("/instances/{code}/cancel", dependencies=[requires(Permission.USAGE_IMPORT)])
def cancel_instance(session: DbSession, actor: CurrentActor, code: InstanceCode, data: CancelIn) -> dict[str, Any]:
    instance = service.cancel_instance(session, actor, code, data.end_date)
    end = instance.end_date
    return {"code": instance.code, "state": instance.state, "end_date": end.isoformat() if end else None}


@router.post("/reset", dependencies=[requires(Permission.ORGANISATION_WRITE)])
def reset_usage(session: DbSession, actor: CurrentActor) -> dict[str, Any]:
    """Wipe usage data (not invoices). Only when the server runs with FACTURO_ALLOW_RESET=1."""
    return {"removed": service.reset_usage(session, actor)}
