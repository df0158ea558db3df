"""Report pages (docs/reports.md): choose a report, the sales analysis of a range of issue dates
(charts and tables) and the usage detail of one invoice, each with PDF and CSV downloads that are
the very bytes the API serves.

Thin adapters (docs/web.md): parse the input, call one reports service function, render. The
invoice detail is a view of one invoice, so it needs ``invoices:read`` and a portal user sees only
its own customer's invoices (another customer's answers 404, as in the API).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.errors import ValidationFailed
from facturo.kit.money import ZERO
from facturo.kit.schemas import MAX_ID
from facturo.reports import service
from facturo.reports.schemas import InvoiceDetailReport, ReportFormat, SalesReport
from facturo.surface.web import i18n
from facturo.surface.web.charts import Bar
from facturo.surface.web.forms import date_range, problems
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.labels import INVOICE_STATUSES, RESOURCE_KINDS, translated
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

READ_REPORTS = [page_requires(Permission.REPORTS_READ)]
READ_INVOICE = [page_requires(Permission.INVOICES_READ)]
InvoiceId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryText = Annotated[str, Query()]
MAX_BARS = 12


def _area(request: Request) -> None:
    request.state.menu_key = "reports"


def _labels() -> dict[str, dict[str, str]]:
    return {
        "statuses": translated(INVOICE_STATUSES),
        "resource_kinds": translated(RESOURCE_KINDS),
    }


# --- input ----------------------------------------------------------------------------------------


def _file(found: service.ReportFile) -> Response:
    """As the API serves it: a PDF opens in the browser, a CSV downloads."""
    return Response(
        found.content,
        media_type=found.media_type,
        headers={
            "Content-Disposition": content_disposition(found.filename, inline=found.media_type == "application/pdf"),
            "Cache-Control": "private, no-store",
        },
    )


def bars(items: Sequence[tuple[str, Decimal]]) -> list[Bar]:
    """Chart bars, highest first as given; past ``MAX_BARS`` the rest are summed into one bar."""
    shown = [Bar(label, value) for label, value in items[:MAX_BARS]]
    rest = items[MAX_BARS:]
    if rest:
        shown.append(Bar(_("Other (%(count)s)") % {"count": len(rest)}, sum((v for _l, v in rest), ZERO)))
    return shown


# --- choose -----------------------------------------------------------------------------------------


def _choose(
    request: Request,
    choice: service.ReportChoice,
    number: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    _area(request)
    start, end = choice.this_year
    return render(
        request,
        "reports/index.html",
        {"values": {"from": start.isoformat(), "to": end.isoformat(), "number": number}, "errors": errors or {}},
        status,
    )


@router.get("/reports", dependencies=READ_REPORTS)
def reports_home(request: Request) -> Response:
    return _choose(request, service.report_choice(request.state.session))


@router.get("/reports/invoices", dependencies=READ_REPORTS)
def find_invoice(request: Request, number: QueryText = "") -> Response:
    """The invoice detail by the number a person reads on the invoice (A-00000003) or its id."""
    reference = number.strip()[:100]
    choice = service.report_choice(request.state.session, reference)
    if not reference:
        return _choose(request, choice, "", {"number": _("This field is required.")}, 422)
    if choice.invoice_id is None:
        message = choice.not_found.in_language(i18n.current_language()) if choice.not_found else ""
        return _choose(request, choice, reference, {"number": message}, 404)
    return redirect(f"/reports/invoices/{choice.invoice_id}")


# --- sales ------------------------------------------------------------------------------------------


def _sales_page(
    request: Request,
    values: dict[str, str],
    report: SalesReport | None,
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    _area(request)
    context: dict[str, Any] = {"values": values, "errors": errors, "report": report}
    if report is not None:
        query = urlencode({"from": report.date_from.isoformat(), "to": report.date_to.isoformat()})
        context |= {
            "query": query,
            "category_bars": bars([(c.name or c.code, c.revenue) for c in report.categories]),
            "resource_bars": bars([(r.name or r.code, r.amount) for r in report.resources]),
            "labels": _labels(),
        }
    return render(request, "reports/sales.html", context, status)


def _sales(
    request: Request, date_from: str | None, date_to: str | None, formats: tuple[ReportFormat, ...] = ()
) -> service.ReportOutput[SalesReport] | Response:
    """The sales report of the range (this year when neither end is given), or the form with its
    errors (422)."""
    period: tuple[date, date] | None = None
    values = {"from": "", "to": ""}  # this year's range is always a valid one
    if date_from is not None or date_to is not None:
        values = {"from": (date_from or "")[:40], "to": (date_to or "")[:40]}
        start, end, errors = date_range(date_from or "", date_to or "")
        if start is None or end is None:
            return _sales_page(request, values, None, errors, 422)
        period = (start, end)
    try:
        return service.sales_output(request.state.session, period, formats)
    except ValidationFailed as exc:
        return _sales_page(request, values, None, problems(exc, "to"), 422)


@router.get("/reports/sales", dependencies=READ_REPORTS)
def sales(
    request: Request,
    date_from: Annotated[str | None, Query(alias="from")] = None,
    date_to: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    found = _sales(request, date_from, date_to)
    if isinstance(found, Response):
        return found
    report = found.report
    values = {"from": report.date_from.isoformat(), "to": report.date_to.isoformat()}
    return _sales_page(request, values, report, {})


def _sales_file(request: Request, date_from: str, date_to: str, fmt: ReportFormat) -> Response:
    # The files have no "this year" default: an empty range is the form's error.
    found = _sales(request, date_from, date_to, (fmt,))
    if isinstance(found, Response):
        return found
    return _file(found.files[fmt])


@router.get("/reports/sales.pdf", dependencies=READ_REPORTS)
def sales_pdf(
    request: Request,
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
) -> Response:
    return _sales_file(request, date_from, date_to, ReportFormat.PDF)


@router.get("/reports/sales.csv", dependencies=READ_REPORTS)
def sales_csv(
    request: Request,
    date_from: Annotated[str, Query(alias="from")] = "",
    date_to: Annotated[str, Query(alias="to")] = "",
) -> Response:
    return _sales_file(request, date_from, date_to, ReportFormat.CSV)


# --- invoice detail -----------------------------------------------------------------------------------


def _detail(
    request: Request, invoice_id: int, formats: tuple[ReportFormat, ...] = ()
) -> service.ReportOutput[InvoiceDetailReport] | Response:
    """The detail report, or a page saying the invoice has none (it did not come from usage billing)."""
    _area(request)
    principal = current(request)
    try:
        return service.invoice_detail_output(
            request.state.session, invoice_id, visible_to=principal.customer_id, formats=formats
        )
    except service.NotUsageInvoice as exc:
        portal = principal.customer_id is not None
        return render(
            request,
            "reports/not_usage.html",
            {
                "message": exc.message.in_language(i18n.current_language()),
                "invoice_link": f"/portal/invoices/{invoice_id}" if portal else f"/invoices/{invoice_id}",
            },
            409,
        )


# The file routes come first: "/reports/invoices/3.pdf" must not be read as an invoice id "3.pdf".
@router.get("/reports/invoices/{invoice_id}.pdf", dependencies=READ_INVOICE)
def invoice_detail_pdf(request: Request, invoice_id: InvoiceId) -> Response:
    found = _detail(request, invoice_id, (ReportFormat.PDF,))
    if isinstance(found, Response):
        return found
    return _file(found.files[ReportFormat.PDF])


@router.get("/reports/invoices/{invoice_id}.csv", dependencies=READ_INVOICE)
def invoice_detail_csv(request: Request, invoice_id: InvoiceId) -> Response:
    found = _detail(request, invoice_id, (ReportFormat.CSV,))
    if isinstance(found, Response):
        return found
    return _file(found.files[ReportFormat.CSV])


@router.get("/reports/invoices/{invoice_id}", dependencies=READ_INVOICE)
def invoice_detail(request: Request, invoice_id: InvoiceId) -> Response:
    found = _detail(request, invoice_id)
    if isinstance(found, Response):
        return found
    report = found.report
    principal = current(request)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "resource_bars": bars([(r.name or r.code, r.amount) for r in report.resources]),
            "labels": _labels(),
            "invoice_link": f"/portal/invoices/{invoice_id}"
            if principal.customer_id is not None
            else f"/invoices/{invoice_id}",
        },
    )
