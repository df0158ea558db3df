"""The reports service: the one entry point the API and the CLI use.

* ``invoice_detail`` / ``sales_report`` build a report (the JSON the API returns);
* ``export_invoice_detail`` / ``export_sales`` render that very report as CSV, PDF or JSON bytes,
  so every format shows the same figures;
* ``invoice_detail_output`` / ``sales_output`` do both in one call, for a surface that shows the
  report and offers its files; ``report_choice`` is what the page choosing a report starts from.

Everything here only reads: no flush, no commit.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from facturo.kit.errors import Msg, NotFound
from facturo.organisation import service as organisation
from facturo.reports import queries
from facturo.reports.csv_export import detail_csv, sales_csv
from facturo.reports.invoice_detail import NotUsageInvoice, invoice_detail
from facturo.reports.sales import sales_report
from facturo.reports.schemas import InvoiceDetailReport, ReportFormat, SalesReport

__all__ = [
    "NotUsageInvoice",
    "ReportChoice",
    "ReportFile",
    "ReportFormat",
    "ReportOutput",
    "export_invoice_detail",
    "export_sales",
    "invoice_detail",
    "invoice_detail_output",
    "report_choice",
    "resolve_invoice",
    "sales_output",
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
    # The PDF stack loads on the first PDF asked for, not when the app starts (docs/architecture.md).
    from facturo.reports.pdf import render_detail_pdf, render_sales_pdf

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


R = TypeVar("R", InvoiceDetailReport, SalesReport)


@dataclass(frozen=True, slots=True)
class ReportOutput(Generic[R]):
    """A report and the files asked for, rendered from it (so they show the very same figures)."""

    report: R
    files: dict[ReportFormat, ReportFile] = field(default_factory=dict)


def invoice_detail_output(
    session: Session,
    invoice: int | str,
    *,
    visible_to: int | None = None,
    formats: Collection[ReportFormat] = (),
) -> ReportOutput[InvoiceDetailReport]:
    """The detail of an invoice given by id, or by the number a person reads (``resolve_invoice``),
    with its files in ``formats``."""
    invoice_id = invoice if isinstance(invoice, int) else resolve_invoice(session, invoice)
    report = invoice_detail(session, invoice_id, visible_to=visible_to)
    return ReportOutput(report, {fmt: export_invoice_detail(session, report, fmt) for fmt in formats})


def this_year(session: Session) -> tuple[date, date]:
    """From the first of January to today, in the organisation's time zone."""
    today = organisation.business_today(session)
    return today.replace(month=1, day=1), today


def sales_output(
    session: Session, period: tuple[date, date] | None = None, formats: Collection[ReportFormat] = ()
) -> ReportOutput[SalesReport]:
    """The sales analysis of ``period`` (this year so far when ``None``), with its files in ``formats``."""
    date_from, date_to = period if period is not None else this_year(session)
    report = sales_report(session, date_from, date_to)
    return ReportOutput(report, {fmt: export_sales(session, report, fmt) for fmt in formats})


@dataclass(frozen=True, slots=True)
class ReportChoice:
    """Where choosing a report starts: this year's range, and the invoice a number names (when given)."""

    this_year: tuple[date, date]
    invoice_id: int | None = None
    not_found: Msg | None = None


def report_choice(session: Session, number: str = "") -> ReportChoice:
    """This year's range, and with a ``number`` the invoice it names, or why none does."""
    year = this_year(session)
    if not number:
        return ReportChoice(year)
    try:
        return ReportChoice(year, resolve_invoice(session, number))
    except NotFound as exc:
        return ReportChoice(year, not_found=exc.message)
