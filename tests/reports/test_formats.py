"""JSON, CSV and PDF show the same figures: each export, fetched from the API, is parsed back
(csv module, pypdf) and compared with the API's JSON, figure by figure."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pypdf import PdfReader

from facturo.invoicing import service as invoicing
from facturo.kit.money import format_money
from facturo.reports.charts import MAX_BARS, Bar, bar_chart
from facturo.reports.pdf_layout import ReportPDF
from facturo.usage.billing import BillingResult
from tests.api.helpers import ok
from tests.conftest import RollbackDatabase
from tests.factories import ACTOR, make_issuer
from tests.reports import (
    MONEY,
    NUBE_SALES,
    bill_nube,
    bill_thirds,
    csv_rows,
    invoice_of,
    mount_reports,
    pdf_text,
)


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    return mount_reports(app)


@pytest.fixture
def billed(db: RollbackDatabase, client: TestClient) -> BillingResult:
    with db.unit_of_work() as session:
        make_issuer(session)
        return bill_nube(session)


def fm(amount: str) -> str:
    return format_money(Decimal(amount))


def rate(value: str) -> str:
    """Prices and rates keep every decimal they have, with at least two."""
    exact = Decimal(value)
    return format_money(exact) if exact == exact.quantize(Decimal("0.01")) else f"Q{exact:,f}"


def num(value: str) -> str:
    return f"{Decimal(value):,f}"


def when(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")


def fetch(client: TestClient, url: str, fmt: str, media_type: str, disposition: str) -> bytes:
    answer = client.get(url, params={"format": fmt})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(media_type)
    assert answer.headers["content-disposition"].startswith(f'{disposition}; filename="')
    return answer.content


def assert_money_in_pdf(expected: list[str], text: str) -> None:
    found = Counter(MONEY.findall(text))
    missing = Counter(expected) - found
    assert not missing, missing


# --- invoice detail ------------------------------------------------------------------------------


def assert_detail_csv(data: dict[str, Any], content: bytes) -> None:
    rows = csv_rows(content)
    kinds = [r["tipo"] for r in rows]
    assert kinds[0] == "factura"
    (head,) = [r for r in rows if r["tipo"] == "factura"]
    assert (head["factura"], head["estado"], head["código"], head["nombre"]) == (
        data["full_number"],
        data["status"],
        data["customer_nit"],
        data["customer_name"],
    )
    assert (head["fecha_hora"], head["horas"], head["monto"]) == (data["issue_date"], data["hours"], data["total"])
    lines = [r for r in rows if r["tipo"] == "línea"]
    assert [
        (r["línea"], r["instancia"], r["configuración"], r["categoría"], r["horas"], r["tarifa_hora"], r["monto"])
        for r in lines
    ] == [
        (
            str(ln["line_number"]),
            ln["instance_code"],
            ln["configuration_code"],
            ln["category_code"],
            ln["hours"],
            ln["hour_rate"],
            ln["total"],
        )
        for ln in data["lines"]
    ]
    consumptions = [r for r in rows if r["tipo"] == "consumo"]
    assert [
        (r["línea"], r["código"], r["fecha_hora"], r["horas"], r["costo_exacto"], r["monto"]) for r in consumptions
    ] == [
        (str(ln["line_number"]), str(c["id"]), c["consumed_at"], c["hours"], c["exact_cost"], c["amount"])
        for ln in data["lines"]
        for c in ln["consumptions"]
    ]
    resources = [r for r in rows if r["tipo"] == "recurso"]
    assert [
        (
            r["línea"],
            r["código"],
            r["nombre"],
            r["cantidad"],
            r["precio_hora"],
            r["tarifa_hora"],
            r["costo_exacto"],
            r["monto"],
        )
        for r in resources
    ] == [
        (
            str(ln["line_number"]),
            r["code"],
            r["name"],
            r["quantity"],
            r["price_per_hour"],
            r["hour_rate"],
            r["exact_cost"],
            r["amount"],
        )
        for ln in data["lines"]
        for r in ln["resources"]
    ]
    totals = [r for r in rows if r["tipo"] == "total_recurso"]
    assert [(r["código"], r["nombre"], r["monto"], r["porcentaje"]) for r in totals] == [
        (r["code"], r["name"], r["amount"], r["share_percent"]) for r in data["resources"]
    ]
    # Read back as numbers, the parts still add up.
    assert sum(Decimal(r["monto"]) for r in totals) == Decimal(data["total"])
    for line in data["lines"]:
        n = str(line["line_number"])
        for part in (consumptions, resources):
            assert sum(Decimal(r["monto"]) for r in part if r["línea"] == n) == Decimal(line["total"])


def assert_detail_pdf(data: dict[str, Any], content: bytes) -> None:
    text = pdf_text(content)
    lines = text.splitlines()
    assert f"Factura {data['full_number']}" in lines
    for expected in (
        f"Cliente: {data['customer_name']}",
        f"NIT: {data['customer_nit']}",
        f"Total: {fm(data['total'])}",
        f"Horas: {num(data['hours'])}",
        f"Consumos: {data['consumption_count']}",
    ):
        assert expected in lines, expected
    money = [data["total"]]
    for line in data["lines"]:
        assert f"Línea {line['line_number']}: instancia {line['instance_code']} «{line['instance_name']}»" in lines
        assert f"Total de la línea: {fm(line['total'])}" in lines
        assert f"Tarifa por hora: {rate(line['hour_rate'])}" in lines
        for c in line["consumptions"]:
            row = f"{when(c['consumed_at'])} {num(c['hours'])} {num(c['exact_cost'])} {fm(c['amount'])}"
            assert row in lines, row
        for r in line["resources"]:
            row = (
                f"{r['code']} {r['name']} {num(r['quantity'])} {rate(r['price_per_hour'])} {rate(r['hour_rate'])} "
                f"{fm(r['amount'])}"
            )
            assert row in lines, row
        money += (
            [line["total"]] + [c["amount"] for c in line["consumptions"]] + [r["amount"] for r in line["resources"]]
        )
    for r in data["resources"]:
        assert f"{r['code']} {r['name']} {fm(r['amount'])} {r['share_percent']} %" in lines
        assert f"{r['name']} {fm(r['amount'])}" in lines  # the chart's label
        money.append(r["amount"])
    assert_money_in_pdf([fm(m) for m in money], text)


def test_the_invoice_detail_is_the_same_in_json_csv_and_pdf(client: TestClient, billed: BillingResult) -> None:
    url = f"/api/v1/reports/invoices/{invoice_of(billed, '8830514-1')}"
    data = ok(client.get(url))
    assert data["total"] == "8842.61"
    assert ok(client.get(url, params={"format": "json"})) == data
    assert_detail_csv(data, fetch(client, url, "csv", "text/csv", "attachment"))
    assert_detail_pdf(data, fetch(client, url, "pdf", "application/pdf", "inline"))


def test_the_allocation_case_is_the_same_in_every_format(client: TestClient, db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        make_issuer(session)
        invoice_id = bill_thirds(session)
    url = f"/api/v1/reports/invoices/{invoice_id}"
    data = ok(client.get(url))
    assert [c["amount"] for c in data["lines"][0]["consumptions"]] == ["33.34", "33.33", "33.33"]
    assert [c["hour_rate"] for c in data["lines"][0]["resources"]] == ["11.1111"] * 3
    assert_detail_csv(data, fetch(client, url, "csv", "text/csv", "attachment"))
    pdf = fetch(client, url, "pdf", "application/pdf", "inline")
    assert_detail_pdf(data, pdf)
    assert "Tarifa por hora: Q33.3333" in pdf_text(pdf)  # an hourly rate is never printed rounded


# --- sales ---------------------------------------------------------------------------------------


def assert_sales_csv(data: dict[str, Any], content: bytes) -> None:
    rows = csv_rows(content)
    assert {(r["desde"], r["hasta"]) for r in rows} == {(data["date_from"], data["date_to"])}
    categories = [r for r in rows if r["tipo"] == "categoría"]
    assert [
        (r["categoría"], r["nombre"], r["facturas"], r["líneas"], r["horas"], r["monto"], r["porcentaje"])
        for r in categories
    ] == [
        (
            c["code"],
            c["name"],
            str(c["invoice_count"]),
            str(c["line_count"]),
            c["hours"],
            c["revenue"],
            c["share_percent"],
        )
        for c in data["categories"]
    ]
    configurations = [r for r in rows if r["tipo"] == "configuración"]
    assert [
        (r["categoría"], r["configuración"], r["nombre"], r["facturas"], r["horas"], r["monto"]) for r in configurations
    ] == [
        (c["code"], k["code"], k["name"], str(k["invoice_count"]), k["hours"], k["revenue"])
        for c in data["categories"]
        for k in c["configurations"]
    ]
    resources = [r for r in rows if r["tipo"] == "recurso"]
    assert [(r["recurso"], r["nombre"], r["monto"], r["porcentaje"]) for r in resources] == [
        (r["code"], r["name"], r["amount"], r["share_percent"]) for r in data["resources"]
    ]
    t = data["totals"]
    (gross,) = [r for r in rows if r["tipo"] == "total_bruto"]
    (credits,) = [r for r in rows if r["tipo"] == "notas_de_crédito"]
    (net,) = [r for r in rows if r["tipo"] == "total_neto"]
    assert (gross["facturas"], gross["líneas"], gross["horas"], gross["monto"]) == (
        str(t["invoice_count"]),
        str(t["line_count"]),
        t["hours"],
        t["revenue"],
    )
    assert (credits["facturas"], credits["monto"], net["monto"]) == (
        str(t["credit_note_count"]),
        t["credited"],
        t["net"],
    )
    revenue = Decimal(gross["monto"])
    assert sum(Decimal(r["monto"]) for r in categories) == revenue
    assert sum(Decimal(r["monto"]) for r in configurations) == revenue
    assert sum(Decimal(r["monto"]) for r in resources) == revenue


def assert_sales_pdf(data: dict[str, Any], content: bytes) -> None:
    text = pdf_text(content)
    lines = text.splitlines()
    t = data["totals"]
    for expected in (
        f"Facturas emitidas: {t['invoice_count']}",
        f"Horas: {num(t['hours'])}",
        f"Ventas brutas: {fm(t['revenue'])}",
        f"Notas de crédito ({t['credit_note_count']}): {fm(t['credited'])}",
        f"Ventas netas: {fm(t['net'])}",
    ):
        assert expected in lines, expected
    positions = []
    money = [t["revenue"], t["revenue"], t["revenue"], t["credited"], t["net"]]
    for c in data["categories"]:
        row = (
            f"{c['code']} {c['name']} {c['invoice_count']} {c['line_count']} {num(c['hours'])} {fm(c['revenue'])} "
            f"{c['share_percent']} %"
        )
        assert row in lines, row
        positions.append(text.index(row))
        assert f"{c['name']} {fm(c['revenue'])}" in lines  # the chart's label
        money += [c["revenue"], c["revenue"]]
        for k in c["configurations"]:
            row = (
                f"{k['code']} {k['name']} {k['invoice_count']} {k['line_count']} {num(k['hours'])} "
                f"{fm(k['revenue'])} {k['share_percent']} %"
            )
            assert any(line.strip() == row for line in lines), row
            money.append(k["revenue"])
    assert positions == sorted(positions), "categories in the order of the JSON (highest revenue first)"
    for r in data["resources"]:
        assert f"{r['code']} {r['name']} {fm(r['amount'])} {r['share_percent']} %" in lines
        assert f"{r['name']} {fm(r['amount'])}" in lines  # the chart's label
        money += [r["amount"], r["amount"]]
    assert_money_in_pdf([fm(m) for m in money], text)


def test_the_sales_analysis_is_the_same_in_json_csv_and_pdf(client: TestClient, billed: BillingResult) -> None:
    url = "/api/v1/reports/sales"
    params = {"from": "2023-01-01", "to": "2023-12-31"}
    data = ok(client.get(url, params=params))
    assert data["totals"]["revenue"] == str(NUBE_SALES)
    assert [c["code"] for c in data["categories"]] == ["DATOS", "IA", "WEB"]
    for fmt, media_type, disposition, check in (
        ("csv", "text/csv", "attachment", assert_sales_csv),
        ("pdf", "application/pdf", "inline", assert_sales_pdf),
    ):
        answer = client.get(url, params=params | {"format": fmt})
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith(media_type)
        assert answer.headers["content-disposition"] == (
            f'{disposition}; filename="ventas-2023-01-01-a-2023-12-31.{fmt}"'
        )
        check(data, answer.content)


def test_an_empty_period_still_renders_every_format(client: TestClient, billed: BillingResult) -> None:
    params = {"from": "2020-01-01", "to": "2020-12-31"}
    data = ok(client.get("/api/v1/reports/sales", params=params))
    assert (data["categories"], data["resources"], data["totals"]["revenue"]) == ([], [], "0.00")
    csv_answer = client.get("/api/v1/reports/sales", params=params | {"format": "csv"})
    assert_sales_csv(data, csv_answer.content)
    pdf = client.get("/api/v1/reports/sales", params=params | {"format": "pdf"}).content
    assert "No hay facturas de consumo emitidas en el período." in pdf_text(pdf)


# --- the chart -----------------------------------------------------------------------------------

_FILLED_RECT = re.compile(rb"([\d.]+) ([\d.]+) ([\d.]+) (-?[\d.]+) re f")


def _bars(content: bytes) -> list[float]:
    stream = PdfReader(io.BytesIO(content)).pages[0].get_contents()
    assert stream is not None
    return [float(m.group(3)) for m in _FILLED_RECT.finditer(stream.get_data())]


def test_bars_are_rectangles_proportional_to_the_amounts() -> None:
    pdf = ReportPDF("Prueba", "Organización")
    pdf.add_page()
    values = [Decimal("1000.00"), Decimal("500.00"), Decimal("250.00"), Decimal("0.00")]
    bar_chart(pdf, "Ingresos", [Bar(f"Barra {i}", v) for i, v in enumerate(values)], "GTQ")
    content = bytes(pdf.output())
    widths = _bars(content)
    assert len(widths) == 3  # a zero bar draws no ink
    assert widths[0] / widths[1] == pytest.approx(2, rel=1e-3)
    assert widths[0] / widths[2] == pytest.approx(4, rel=1e-3)
    text = pdf_text(content)
    assert "Barra 0 Q1,000.00" in text and "Barra 3 Q0.00" in text


def test_a_long_tail_of_bars_is_grouped_as_others() -> None:
    pdf = ReportPDF("Prueba", "Organización")
    pdf.add_page()
    bars = [Bar(f"R{i}", Decimal(100 - i)) for i in range(MAX_BARS + 3)]
    bar_chart(pdf, "Ingresos", bars, "GTQ")
    content = bytes(pdf.output())
    assert len(_bars(content)) == MAX_BARS + 1
    others = sum(b.value for b in bars[MAX_BARS:])
    assert f"Otros (3) {format_money(others)}" in pdf_text(content)


def test_a_void_invoice_is_flagged_in_every_format(
    client: TestClient, db: RollbackDatabase, billed: BillingResult
) -> None:
    invoice_id = invoice_of(billed, "3181726-5")
    with db.unit_of_work() as session:
        invoicing.void_invoice(session, ACTOR, invoice_id, "Facturada por error")
    url = f"/api/v1/reports/invoices/{invoice_id}"
    data = ok(client.get(url))
    assert (data["void"], data["status"], data["void_reason"], data["total"]) == (
        True,
        "void",
        "Facturada por error",
        "1615.68",
    )
    assert {r["estado"] for r in csv_rows(fetch(client, url, "csv", "text/csv", "attachment"))} == {"void"}
    text = pdf_text(fetch(client, url, "pdf", "application/pdf", "inline"))
    assert "FACTURA ANULADA: Facturada por error" in text
    assert "Estado: anulada" in text
    assert_detail_pdf(data, fetch(client, url, "pdf", "application/pdf", "inline"))


def test_the_same_report_renders_to_the_same_bytes(client: TestClient, billed: BillingResult) -> None:
    detail = (f"/api/v1/reports/invoices/{invoice_of(billed, '8830514-1')}", {})
    sales = ("/api/v1/reports/sales", {"from": "2023-01-01", "to": "2023-12-31"})
    for url, params in (detail, sales):
        for fmt in ("csv", "pdf"):
            first = client.get(url, params=params | {"format": fmt})
            assert first.status_code == 200, first.text
            assert client.get(url, params=params | {"format": fmt}).content == first.content
