"""The reports as CSV: one flat table each, with a ``tipo`` column saying what every row is, so a
spreadsheet can filter it. Written with ``kit.csv`` (UTF-8 with BOM, formula injection neutralised);
amounts and exact figures are written exactly as the JSON carries them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from facturo.kit.csv import csv_bytes
from facturo.reports.schemas import InvoiceDetailReport, SalesReport

Row = dict[str, Any]

DETAIL_HEADER = (
    "tipo",
    "factura",
    "estado",
    "línea",
    "instancia",
    "configuración",
    "categoría",
    "código",
    "nombre",
    "fecha_hora",
    "horas",
    "tarifa_hora",
    "cantidad",
    "precio_hora",
    "costo_exacto",
    "monto",
    "porcentaje",
)

SALES_HEADER = (
    "tipo",
    "desde",
    "hasta",
    "categoría",
    "configuración",
    "recurso",
    "nombre",
    "facturas",
    "líneas",
    "horas",
    "monto",
    "porcentaje",
)


def _table(rows: Sequence[Row], header: Sequence[str]) -> bytes:
    for row in rows:
        unknown = set(row) - set(header)
        if unknown:  # a misspelt column would silently vanish from the export
            raise ValueError(f"unknown CSV columns: {sorted(unknown)}")
    return csv_bytes([[row.get(column) for column in header] for row in rows], header)


def detail_rows(report: InvoiceDetailReport) -> list[Row]:
    invoice = {"factura": report.full_number, "estado": report.status}
    rows: list[Row] = [
        {
            "tipo": "factura",
            **invoice,
            "código": report.customer_nit,
            "nombre": report.customer_name,
            "fecha_hora": report.issue_date,
            "horas": report.hours,
            "monto": report.total,
        }
    ]
    for line in report.lines:
        where = {
            **invoice,
            "línea": line.line_number,
            "instancia": line.instance_code,
            "configuración": line.configuration_code,
            "categoría": line.category_code,
        }
        rows.append(
            {
                "tipo": "línea",
                **where,
                "nombre": line.instance_name,
                "fecha_hora": line.first_at,
                "horas": line.hours,
                "tarifa_hora": line.hour_rate,
                "monto": line.total,
            }
        )
        rows.extend(
            {
                "tipo": "consumo",
                **where,
                "código": c.id,
                "fecha_hora": c.consumed_at,
                "horas": c.hours,
                "tarifa_hora": line.hour_rate,
                "costo_exacto": c.exact_cost,
                "monto": c.amount,
            }
            for c in line.consumptions
        )
        rows.extend(
            {
                "tipo": "recurso",
                **where,
                "código": r.code,
                "nombre": r.name,
                "horas": line.hours,
                "tarifa_hora": r.hour_rate,
                "cantidad": r.quantity,
                "precio_hora": r.price_per_hour,
                "costo_exacto": r.exact_cost,
                "monto": r.amount,
            }
            for r in line.resources
        )
    rows.extend(
        {
            "tipo": "total_recurso",
            **invoice,
            "código": t.code,
            "nombre": t.name,
            "monto": t.amount,
            "porcentaje": t.share_percent,
        }
        for t in report.resources
    )
    return rows


def detail_csv(report: InvoiceDetailReport) -> bytes:
    return _table(detail_rows(report), DETAIL_HEADER)


def sales_rows(report: SalesReport) -> list[Row]:
    span = {"desde": report.date_from, "hasta": report.date_to}
    rows: list[Row] = []
    for cat in report.categories:
        rows.append(
            {
                "tipo": "categoría",
                **span,
                "categoría": cat.code,
                "nombre": cat.name,
                "facturas": cat.invoice_count,
                "líneas": cat.line_count,
                "horas": cat.hours,
                "monto": cat.revenue,
                "porcentaje": cat.share_percent,
            }
        )
        rows.extend(
            {
                "tipo": "configuración",
                **span,
                "categoría": cat.code,
                "configuración": conf.code,
                "nombre": conf.name,
                "facturas": conf.invoice_count,
                "líneas": conf.line_count,
                "horas": conf.hours,
                "monto": conf.revenue,
                "porcentaje": conf.share_percent,
            }
            for conf in cat.configurations
        )
    rows.extend(
        {
            "tipo": "recurso",
            **span,
            "recurso": res.code,
            "nombre": res.name,
            "monto": res.amount,
            "porcentaje": res.share_percent,
        }
        for res in report.resources
    )
    t = report.totals
    rows.append(
        {
            "tipo": "total_bruto",
            **span,
            "nombre": "Facturas emitidas",
            "facturas": t.invoice_count,
            "líneas": t.line_count,
            "horas": t.hours,
            "monto": t.revenue,
        }
    )
    rows.append(
        {
            "tipo": "notas_de_crédito",
            **span,
            "nombre": "Notas de crédito del período",
            "facturas": t.credit_note_count,
            "monto": t.credited,
        }
    )
    rows.append({"tipo": "total_neto", **span, "nombre": "Ventas netas", "monto": t.net})
    return rows


def sales_csv(report: SalesReport) -> bytes:
    return _table(sales_rows(report), SALES_HEADER)
