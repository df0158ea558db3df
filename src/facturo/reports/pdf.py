"""The reports as printable A4 PDFs, in Spanish. Every figure is printed from the report model as
it is, formatted with ``kit.money``; nothing is recomputed, so the PDF agrees with the JSON and CSV."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from facturo.invoicing.lifecycle import LABELS_ES, Status
from facturo.kit.display import DASH, day, exact_money, moment, percentage
from facturo.kit.money import format_money
from facturo.kit.numbers import exact
from facturo.reports.charts import Bar, bar_chart
from facturo.reports.pdf_layout import ReportPDF
from facturo.reports.schemas import DetailLine, InvoiceDetailReport, ResourceTotal, SalesReport


def _status(value: str) -> str:
    try:
        return LABELS_ES[Status(value)]
    except ValueError:
        return value


def render_detail_pdf(report: InvoiceDetailReport, organisation: str, organisation_nit: str) -> bytes:
    cur = report.currency
    title = f"Detalle de consumo - Factura {report.full_number}"
    pdf = ReportPDF(title, organisation, void=report.void)
    pdf.stable_date(report.issue_date)
    pdf.add_page()
    pdf.title_block("Detalle de consumo", f"Factura {report.full_number}", f"{organisation} · NIT {organisation_nit}")
    if report.void:
        reason = f": {report.void_reason}" if report.void_reason.strip() else ""
        pdf.banner(f"FACTURA ANULADA{reason}")
    pdf.facts(
        [
            ("Cliente:", report.customer_name or DASH),
            ("NIT:", report.customer_nit or DASH),
            ("Fecha de emisión:", day(report.issue_date)),
            ("Estado:", _status(report.status)),
            ("Consumos:", str(report.consumption_count)),
            ("Horas:", exact(report.hours)),
            ("Total:", format_money(report.total, cur)),
        ]
    )
    pdf.note(
        f"Horas en la zona horaria {report.timezone}. Cada monto asignado reparte el total de su línea por "
        "el método del mayor residuo, de modo que los montos suman el total de la línea al centavo."
    )
    for line in report.lines:
        _detail_line(pdf, line, cur)

    pdf.heading("Aporte por recurso (toda la factura)")
    _resource_grid(pdf, report.resources, report.total, cur)
    bar_chart(pdf, "Aporte por recurso", [Bar(r.name or r.code, r.amount) for r in report.resources], cur)
    return bytes(pdf.output())


def _resource_grid(pdf: ReportPDF, resources: Sequence[ResourceTotal], total: Decimal, cur: str) -> None:
    pdf.grid(
        ("Recurso", "Nombre", "Monto", "%"),
        (30, 80, 40, 25),
        ("LEFT", "LEFT", "RIGHT", "RIGHT"),
        [(r.code, r.name, format_money(r.amount, cur), percentage(r.share_percent)) for r in resources],
        total=("Total", "", format_money(total, cur), ""),
    )


def _detail_line(pdf: ReportPDF, line: DetailLine, cur: str) -> None:
    pdf.heading(f"Línea {line.line_number}: instancia {line.instance_code} «{line.instance_name}»", 10.5)
    pdf.facts(
        [
            ("Configuración:", f"{line.configuration_code} «{line.configuration_name}»"),
            ("Categoría:", f"{line.category_code} «{line.category_name}»"),
            ("Período:", f"{moment(line.first_at)} a {moment(line.last_at)}"),
            ("Horas:", exact(line.hours)),
            ("Tarifa por hora:", exact_money(line.hour_rate, cur)),
            ("Total de la línea:", format_money(line.total, cur)),
        ],
        label_w=36,
    )
    if line.consumptions:
        pdf.grid(
            ("Fecha y hora", "Horas", "Costo exacto", "Monto asignado"),
            (45, 30, 50, 45),
            ("LEFT", "RIGHT", "RIGHT", "RIGHT"),
            [
                (moment(c.consumed_at), exact(c.hours), exact(c.exact_cost), format_money(c.amount, cur))
                for c in line.consumptions
            ],
            total=("Total", exact(line.hours), "", format_money(line.total, cur)),
        )
    else:
        pdf.note(f"Los {line.consumption_count} consumos de esta línea ya no están en la base de datos.")
    pdf.grid(
        ("Recurso", "Nombre", "Cantidad", "Precio por hora", "Tarifa por hora", "Monto asignado"),
        (18, 52, 20, 28, 28, 32),
        ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        [
            (
                r.code,
                r.name,
                exact(r.quantity),
                exact_money(r.price_per_hour, cur),
                exact_money(r.hour_rate, cur),
                format_money(r.amount, cur),
            )
            for r in line.resources
        ],
        total=("Total", "", "", "", exact_money(line.hour_rate, cur), format_money(line.total, cur)),
    )


def render_sales_pdf(report: SalesReport, organisation: str, organisation_nit: str) -> bytes:
    cur = report.currency
    span = f"del {day(report.date_from)} al {day(report.date_to)}"
    pdf = ReportPDF(f"Análisis de ventas {span}", organisation)
    pdf.stable_date(report.date_to)
    pdf.add_page()
    pdf.title_block("Análisis de ventas", f"Facturación por consumo {span}", f"{organisation} · NIT {organisation_nit}")
    t = report.totals
    pdf.facts(
        [
            ("Facturas emitidas:", str(t.invoice_count)),
            ("Líneas:", str(t.line_count)),
            ("Consumos:", str(t.consumption_count)),
            ("Horas:", exact(t.hours)),
            ("Ventas brutas:", format_money(t.revenue, cur)),
            (f"Notas de crédito ({t.credit_note_count}):", format_money(t.credited, cur)),
            ("Ventas netas:", format_money(t.net, cur)),
        ],
        label_w=46,
    )
    pdf.note(
        "Ventas brutas: facturas de consumo emitidas (no anuladas) con fecha en el período. Las notas de "
        "crédito del período se muestran aparte y no se descuentan de las categorías ni de los recursos."
    )
    if not report.categories:
        pdf.note("No hay facturas de consumo emitidas en el período.")
        return bytes(pdf.output())

    bar_chart(pdf, "Ingresos por categoría", [Bar(c.name or c.code, c.revenue) for c in report.categories], cur)
    pdf.heading("Ventas por categoría y configuración")
    rows: list[tuple[str, ...]] = []
    bold: set[int] = set()
    for cat in report.categories:
        bold.add(len(rows))
        rows.append(
            (
                f"{cat.code} {cat.name}",
                str(cat.invoice_count),
                str(cat.line_count),
                exact(cat.hours),
                format_money(cat.revenue, cur),
                percentage(cat.share_percent),
            )
        )
        rows.extend(
            (
                f"   {conf.code} {conf.name}",
                str(conf.invoice_count),
                str(conf.line_count),
                exact(conf.hours),
                format_money(conf.revenue, cur),
                percentage(conf.share_percent),
            )
            for conf in cat.configurations
        )
    pdf.grid(
        ("Categoría / configuración", "Facturas", "Líneas", "Horas", "Monto", "%"),
        (70, 20, 18, 24, 34, 20),
        ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        rows,
        bold_rows=frozenset(bold),
        total=("Total", str(t.invoice_count), str(t.line_count), exact(t.hours), format_money(t.revenue, cur), ""),
    )

    bar_chart(pdf, "Ingresos por recurso", [Bar(r.name or r.code, r.amount) for r in report.resources], cur)
    pdf.heading("Ventas por recurso")
    _resource_grid(pdf, report.resources, t.revenue, cur)
    return bytes(pdf.output())
