"""``facturo usage report …``: the usage reports on the command line (tables, JSON, CSV and PDF files)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from facturo.kit.display import day, moment
from facturo.kit.display import exact_money as rate
from facturo.kit.display import percentage as percent
from facturo.kit.money import format_money
from facturo.kit.numbers import exact as number
from facturo.reports import service
from facturo.reports.schemas import InvoiceDetailReport, ReportFormat, SalesReport
from facturo.surface.console.context import JsonOption, console, emit_json, fail, option_date, table, unit_of_work

app = typer.Typer(help="Usage reports: invoice detail and sales analysis (reportes de consumo).", no_args_is_help=True)

CsvOption = typer.Option(None, "--csv", help="Also write the report as CSV to this file.", dir_okay=False)
PdfOption = typer.Option(None, "--pdf", help="Also write the report as PDF to this file.", dir_okay=False)


def _write(target: Path, found: service.ReportFile, label: str) -> None:
    try:
        target.write_bytes(found.content)
    except OSError as exc:
        fail(f"No se pudo escribir {target}: {exc.strerror or exc}.", 1)
    # Plain text on stderr: stdout stays clean for --json, and a long path is never wrapped.
    typer.echo(f"{label} escrito en {target} ({len(found.content):,} bytes).", err=True)


def _formats(csv_file: Path | None, pdf_file: Path | None) -> tuple[ReportFormat, ...]:
    return tuple(fmt for fmt, target in ((ReportFormat.CSV, csv_file), (ReportFormat.PDF, pdf_file)) if target)


def _write_files(files: dict[ReportFormat, service.ReportFile], csv_file: Path | None, pdf_file: Path | None) -> None:
    if csv_file:
        _write(csv_file, files[ReportFormat.CSV], "CSV")
    if pdf_file:
        _write(pdf_file, files[ReportFormat.PDF], "PDF")


@app.command("detail")
def detail(
    invoice: str = typer.Argument(..., metavar="INVOICE_NUMBER_OR_ID", help="A-00000007, or the numeric id."),
    as_json: bool = JsonOption,
    csv_file: Path | None = CsvOption,
    pdf_file: Path | None = PdfOption,
) -> None:
    """Detail of a usage invoice: each instance's consumptions and each resource's contribution."""
    with unit_of_work(write=False) as session:
        found = service.invoice_detail_output(session, invoice, formats=_formats(csv_file, pdf_file))
    _write_files(found.files, csv_file, pdf_file)
    if as_json:
        emit_json(found.report)
    elif not (csv_file or pdf_file):
        _print_detail(found.report)


@app.command("sales")
def sales(
    date_from: str = typer.Option(..., "--from", help="First issue date, YYYY-MM-DD (inclusive)."),
    date_to: str = typer.Option(..., "--to", help="Last issue date, YYYY-MM-DD (inclusive)."),
    as_json: bool = JsonOption,
    csv_file: Path | None = CsvOption,
    pdf_file: Path | None = PdfOption,
) -> None:
    """Usage sales of a range of issue dates, by category and configuration and by resource."""
    start, end = option_date(date_from, "--from"), option_date(date_to, "--to")
    with unit_of_work(write=False) as session:
        found = service.sales_output(session, (start, end), _formats(csv_file, pdf_file))
    _write_files(found.files, csv_file, pdf_file)
    if as_json:
        emit_json(found.report)
    elif not (csv_file or pdf_file):
        _print_sales(found.report)


def _print_detail(report: InvoiceDetailReport) -> None:
    cur = report.currency
    reason = f" ({escape(report.void_reason)})" if report.void_reason else ""
    flag = f" · [bold red]ANULADA[/]{reason}" if report.void else ""
    console.print(
        f"[bold]Detalle de consumo · Factura {escape(report.full_number)}[/]{flag}\n"
        f"Cliente: {escape(report.customer_name)} · NIT {escape(report.customer_nit)} · "
        f"Emisión: {day(report.issue_date)}\n"
        f"{report.consumption_count} consumos · {number(report.hours)} horas · "
        f"Total: [bold]{format_money(report.total, cur)}[/]  (horas en {report.timezone})"
    )
    for line in report.lines:
        console.print(
            f"\n[bold]Línea {line.line_number}[/]: instancia {escape(line.instance_code)} "
            f"«{escape(line.instance_name)}» · configuración {escape(line.configuration_code)} "
            f"«{escape(line.configuration_name)}» · categoría {escape(line.category_code)} "
            f"«{escape(line.category_name)}»\n"
            f"{number(line.hours)} h × {rate(line.hour_rate, cur)}/h = {format_money(line.total, cur)}"
        )
        table(
            "Consumos",
            ["Fecha y hora", "Horas", "Costo exacto", "Monto"],
            [
                (moment(c.consumed_at), number(c.hours), number(c.exact_cost), format_money(c.amount, cur))
                for c in line.consumptions
            ],
            right=("Horas", "Costo exacto", "Monto"),
        )
        table(
            "Recursos",
            ["Recurso", "Nombre", "Cantidad", "Precio/hora", "Tarifa/hora", "Monto"],
            [
                (
                    escape(r.code),
                    escape(r.name),
                    number(r.quantity),
                    rate(r.price_per_hour, cur),
                    rate(r.hour_rate, cur),
                    format_money(r.amount, cur),
                )
                for r in line.resources
            ],
            right=("Cantidad", "Precio/hora", "Tarifa/hora", "Monto"),
        )
    table(
        "Aporte por recurso (toda la factura)",
        ["Recurso", "Nombre", "Monto", "%"],
        [
            (escape(r.code), escape(r.name), format_money(r.amount, cur), percent(r.share_percent))
            for r in report.resources
        ],
        right=("Monto", "%"),
    )


def _print_sales(report: SalesReport) -> None:
    cur, t = report.currency, report.totals
    console.print(
        f"[bold]Análisis de ventas[/] del {day(report.date_from)} al {day(report.date_to)}\n"
        f"{t.invoice_count} facturas · {t.line_count} líneas · {t.consumption_count} consumos · "
        f"{number(t.hours)} horas\n"
        f"Ventas brutas: [bold]{format_money(t.revenue, cur)}[/] · "
        f"notas de crédito ({t.credit_note_count}): {format_money(t.credited, cur)} · "
        f"ventas netas: {format_money(t.net, cur)}"
    )
    if not report.categories:
        console.print("No hay facturas de consumo emitidas en el período.")
        return
    rows: list[tuple[str, ...]] = []
    for cat in report.categories:
        rows.append(
            (
                f"[bold]{escape(cat.code)}[/]",
                escape(cat.name),
                str(cat.invoice_count),
                number(cat.hours),
                format_money(cat.revenue, cur),
                percent(cat.share_percent),
            )
        )
        rows.extend(
            (
                f"  {escape(conf.code)}",
                escape(conf.name),
                str(conf.invoice_count),
                number(conf.hours),
                format_money(conf.revenue, cur),
                percent(conf.share_percent),
            )
            for conf in cat.configurations
        )
    table(
        "Por categoría y configuración",
        ["Código", "Nombre", "Facturas", "Horas", "Monto", "%"],
        rows,
        right=("Facturas", "Horas", "Monto", "%"),
    )
    table(
        "Por recurso",
        ["Recurso", "Nombre", "Monto", "%"],
        [
            (escape(r.code), escape(r.name), format_money(r.amount, cur), percent(r.share_percent))
            for r in report.resources
        ],
        right=("Monto", "%"),
    )
