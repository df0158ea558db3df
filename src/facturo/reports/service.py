"""The reports service: the one entry point the API and the CLI use.

* ``invoice_detail`` / ``sales_report`` build a report (the JSON the API returns);
* ``export_invoice_detail`` / ``export_sales`` render that very report as CSV, PDF or JSON bytes,
  so every format shows the same figures.

Everything here only reads: no flush, no commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from facturo.kit.errors import Msg, NotFound
from facturo.organisation import service as organisation
from facturo.reports import queries
from facturo.reports.csv_export import detail_csv, sales_csv
from facturo.reports.invoice_detail import NotUsageInvoice, invoice_detail
from facturo.reports.pdf import render_detail_pdf, render_sales_pdf
from facturo.reports.sales import MAX_RANGE_DAYS, check_range, sales_report
from facturo.reports.schemas import InvoiceDetailReport, ReportFormat, SalesReport

__all__ = [
    "MAX_RANGE_DAYS",
    "NotUsageInvoice",
    "ReportFile",
    "ReportFormat",
    "check_range",
    "export_invoice_detail",
    "export_sales",
    "invoice_detail",
    "resolve_invoice",
    "sales_report",
]

MEDIA_TYPES = {
    ReportFormat.JSON: "application/json",
    ReportFormat.CSV: "text/csv; charset=utf-8",
    ReportFormat.PDF: "application/pdf",
}


@dataclass(frozen=True, slots=True)
class ReportFile:
    filename: str
    media_type: str
    content: bytes


def resolve_invoice(session: Session, reference: str) -> int:
    """The id of the invoice a person names by number (``A-00000007``) or by id (``7``)."""
    found = queries.find_invoice_id(session, reference)
    if found is None:
        raise NotFound(Msg(f"No existe la factura {reference}.", f"Invoice {reference} does not exist."))
    return found


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "reporte"


def _render(report: InvoiceDetailReport | SalesReport, fmt: ReportFormat, session: Session) -> bytes:
    if fmt is ReportFormat.JSON:
        return report.model_dump_json(indent=2).encode("utf-8")
    if fmt is ReportFormat.CSV:
        return detail_csv(report) if isinstance(report, InvoiceDetailReport) else sales_csv(report)
    issuer = organisation.own_issuer(session)
    if isinstance(report, InvoiceDetailReport):
        return render_detail_pdf(report, issuer.name, issuer.nit)
    return render_sales_pdf(report, issuer.name, issuer.nit)


def export_invoice_detail(session: Session, report: InvoiceDetailReport, fmt: ReportFormat) -> ReportFile:
    filename = f"detalle-consumo-{_safe(report.full_number or str(report.invoice_id))}.{fmt.value}"
    return ReportFile(filename, MEDIA_TYPES[fmt], _render(report, fmt, session))


def export_sales(session: Session, report: SalesReport, fmt: ReportFormat) -> ReportFile:
    filename = f"ventas-{report.date_from.isoformat()}-a-{report.date_to.isoformat()}.{fmt.value}"
    return ReportFile(filename, MEDIA_TYPES[fmt], _render(report, fmt, session))
