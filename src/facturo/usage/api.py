"""Usage billing over HTTP: messages, billing runs, one-by-one records, the data view and reset."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import AwareDatetime
from starlette.concurrency import run_in_threadpool

from facturo.api.deps import CurrentActor, DbSession
from facturo.api.errors import language
from facturo.api.responses import model_json
from facturo.api.routing import UnitOfWorkRoute
from facturo.api.security import requires
from facturo.auth.permissions import Permission
from facturo.kit.errors import ValidationFailed
from facturo.usage import service
from facturo.usage.ipc2.messages import MAX_MESSAGE_BYTES
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
from facturo.usage.views import billing_out, report_out

router = APIRouter(prefix="/api/v1/usage", tags=["usage"], route_class=UnitOfWorkRoute)
InstanceCode = Annotated[str, Path(min_length=1, max_length=40)]


async def _message_bytes(request: Request) -> tuple[bytes, str]:
    """The XML from a raw body or from the one file of a multipart upload."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=5, max_part_size=MAX_MESSAGE_BYTES)
        upload = next((v for v in form.values() if not isinstance(v, str)), None)
        if upload is None:
            raise ValidationFailed.on(
                "file",
                "message.no_file",
                "Adjunte el archivo XML del mensaje (campo «file»).",
                "Attach the message's XML file (field “file”).",
            )
        return await upload.read(), upload.filename or ""
    return await request.body(), ""


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
async def import_message(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    effective_from: Annotated[
        AwareDatetime | None,
        Query(description="When the prices and compositions of a configuration message take effect (default: now)."),
    ] = None,
) -> ImportReportOut:
    """Import an IPC2 message (`archivoConfiguraciones` or `listadoConsumos`, detected from the document)."""
    data, filename = await _message_bytes(request)
    report = await run_in_threadpool(
        service.import_message, session, actor, data, filename=filename, effective_from=effective_from
    )
    return report_out(report, language(request))


@router.post("/billing-runs", response_model=BillingRunOut, dependencies=[requires(Permission.BILLING_RUN)])
def run_billing(session: DbSession, actor: CurrentActor, data: BillingRunIn) -> Response:
    """Bill the unbilled consumptions of a date range (inclusive), one invoice per customer.
    With `dry_run` nothing is written and the answer shows what a run would create."""
    result = service.run_billing(session, actor, data.date_from, data.date_to, dry_run=data.dry_run)
    code = status.HTTP_201_CREATED if result.run_id is not None else status.HTTP_200_OK
    return model_json(billing_out(result), status_code=code)


@router.get("/billing-runs", response_model=list[BillingRunRecordOut], dependencies=[requires(Permission.REPORTS_READ)])
def list_billing_runs(
    session: DbSession, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[BillingRunRecordOut]:
    return [BillingRunRecordOut.model_validate(run) for run in service.list_runs(session, limit)]


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
    customer_id, report = service.create_customer(session, actor, data)
    lang = language(request)
    return {
        "id": customer_id,
        "portal_login": report.counts["portal_login"],
        "warnings": [service.problem_json(p, lang) for p in report.warnings],
    }


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
