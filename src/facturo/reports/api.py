"""Report endpoints. JSON by default; ``?format=csv`` or ``?format=pdf`` returns the same report as a
file (docs/reports.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.schemas import IsoDate
from facturo.reports import service
from facturo.reports.schemas import InvoiceDetailReport, ReportFormat, SalesReport
from facturo.surface.rest.deps import DbSession, PathId
from facturo.surface.rest.openapi_responses import errors
from facturo.surface.rest.responses import model_json
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.security import CurrentPrincipal, requires

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], route_class=UnitOfWorkRoute)

FormatQuery = Annotated[
    ReportFormat,
    Query(alias="format", description="json (default), csv (UTF-8 with BOM) or pdf."),
]
_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The report: JSON, or a CSV or PDF file with the same figures.",
        "content": {"text/csv": {}, "application/pdf": {}},
    }
}


def _file(found: service.ReportFile) -> Response:
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": content_disposition(found.filename, inline=found.media_type == "application/pdf")
        },
    )


def _files(fmt: ReportFormat) -> tuple[ReportFormat, ...]:
    """The files to render: none for JSON, which is the report itself."""
    return () if fmt is ReportFormat.JSON else (fmt,)


def _answer(
    found: service.ReportOutput[InvoiceDetailReport] | service.ReportOutput[SalesReport], fmt: ReportFormat
) -> Response:
    if fmt is ReportFormat.JSON:
        return model_json(found.report)
    return _file(found.files[fmt])


# A view of one invoice, so it needs what reading the invoice needs: a portal customer (or a
# customer-scoped token) gets its own invoices' detail, and another customer's answers 404.
@router.get(
    "/invoices/{invoice_id}",
    response_model=InvoiceDetailReport,
    responses={**_FILES, **errors(409)},
    dependencies=[requires(Permission.INVOICES_READ)],
)
def invoice_detail_report(
    session: DbSession,
    principal: CurrentPrincipal,
    invoice_id: PathId,
    fmt: FormatQuery = ReportFormat.JSON,
) -> Response:
    """A usage invoice line by line: each instance's consumptions and each resource's contribution."""
    found = service.invoice_detail_output(session, invoice_id, visible_to=principal.customer_id, formats=_files(fmt))
    return _answer(found, fmt)


@router.get(
    "/sales",
    response_model=SalesReport,
    responses={**_FILES, **errors(409)},
    dependencies=[requires(Permission.REPORTS_READ)],
)
def sales_report(
    session: DbSession,
    date_from: Annotated[IsoDate, Query(alias="from", description="First issue date, YYYY-MM-DD (inclusive).")],
    date_to: Annotated[IsoDate, Query(alias="to", description="Last issue date, YYYY-MM-DD (inclusive).")],
    fmt: FormatQuery = ReportFormat.JSON,
) -> Response:
    """Usage sales of a range of issue dates by category and configuration, and by resource."""
    return _answer(service.sales_output(session, (date_from, date_to), _files(fmt)), fmt)
