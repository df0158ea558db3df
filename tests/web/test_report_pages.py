"""The report pages: the sales analysis of 2023 with its charts and tables, the usage detail of an
invoice, the PDF and CSV downloads (the very bytes of the API), bad dates answered on the form,
portal scoping, and an invoice that has no usage detail."""

from __future__ import annotations

import re
from datetime import date

import pytest

from facturo.kit.access import Role
from facturo.reports import service as reports
from facturo.reports.schemas import ReportFormat
from facturo.usage.billing import BillingResult
from tests.conftest import RollbackDatabase
from tests.factories import make_issued
from tests.reports import NUBE_SALES, bill_nube, csv_rows, invoice_of, pdf_text
from tests.web.conftest import Browser, make_user

SALES_2023 = "/reports/sales?from=2023-01-01&to=2023-12-31"


@pytest.fixture
def billed(db: RollbackDatabase, organisation: None) -> BillingResult:
    with db.unit_of_work() as session:
        return bill_nube(session)


def test_choose_a_report(admin: Browser) -> None:
    page = admin.get("/reports")
    assert page.status_code == 200 and 'aria-current="page"' in page.text
    assert 'action="/reports/sales"' in page.text and 'action="/reports/invoices"' in page.text
    assert "Análisis de ventas" in page.text and 'for="f-number"' in page.text


def test_sales_2023_with_charts_tables_and_downloads(admin: Browser, billed: BillingResult) -> None:
    page = admin.get(SALES_2023)
    assert page.status_code == 200
    text = page.text
    assert "Q11,006.35" in text and text.count("<svg") == 2
    total = re.search(r'id="sales-total">([^<]+)<', text)
    assert total is not None and total.group(1) == "Q11,006.35"
    assert 'href="/reports/sales.pdf?from=2023-01-01&amp;to=2023-12-31"' in text
    assert 'href="/reports/sales.csv?from=2023-01-01&amp;to=2023-12-31"' in text
    assert "Por categoría y configuración" in text and "Por recurso" in text

    pdf = admin.get("/reports/sales.pdf?from=2023-01-01&to=2023-12-31")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="ventas-2023-01-01-a-2023-12-31.pdf"' in pdf.headers["content-disposition"]
    assert "Q11,006.35" in pdf_text(pdf.content)
    csv = admin.get("/reports/sales.csv?from=2023-01-01&to=2023-12-31")
    assert csv.status_code == 200 and csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv.headers["content-disposition"].startswith("attachment;")
    gross = next(row for row in csv_rows(csv.content) if row["tipo"] == "total_bruto")
    assert gross["monto"] == str(NUBE_SALES)

    english = admin.post("/language", {"language": "en", "next": SALES_2023})
    assert english.status_code == 303
    page = admin.get(SALES_2023)
    assert 'lang="en"' in page.text and "Sales analysis" in page.text and "By resource" in page.text
    assert "Q11,006.35" in page.text


def test_downloads_are_the_bytes_the_api_serves(admin: Browser, billed: BillingResult, db: RollbackDatabase) -> None:
    invoice_id = invoice_of(billed, "8830514-1")
    with db.unit_of_work() as session:
        sales = reports.sales_report(session, date(2023, 1, 1), date(2023, 12, 31))
        expected = {
            "/reports/sales.csv?from=2023-01-01&to=2023-12-31": reports.export_sales(session, sales, ReportFormat.CSV),
            "/reports/sales.pdf?from=2023-01-01&to=2023-12-31": reports.export_sales(session, sales, ReportFormat.PDF),
        }
        detail = reports.invoice_detail(session, invoice_id)
        for fmt in (ReportFormat.CSV, ReportFormat.PDF):
            expected[f"/reports/invoices/{invoice_id}.{fmt.value}"] = reports.export_invoice_detail(
                session, detail, fmt
            )
    for url, file in expected.items():
        response = admin.get(url)
        assert response.status_code == 200, url
        assert response.content == file.content, url
        assert response.headers["content-type"] == file.media_type
        assert f'filename="{file.filename}"' in response.headers["content-disposition"]


def test_the_usage_detail_of_an_invoice(admin: Browser, billed: BillingResult) -> None:
    invoice_id = invoice_of(billed, "8830514-1")
    page = admin.get(f"/reports/invoices/{invoice_id}")
    assert page.status_code == 200
    text = page.text
    total = re.search(r'id="detail-total">([^<]+)<', text)
    assert total is not None and total.group(1) == "Q8,842.61"
    assert "A-00000003" in text and "8830514-1" in text and "<svg" in text
    assert "Línea 1: instancia" in text and "Recursos de la configuración" in text
    assert re.search(r"\d\d/\d\d/2023 \d\d:\d\d", text)  # consumption times, in the organisation's zone
    assert f'href="/reports/invoices/{invoice_id}.pdf"' in text and f'href="/invoices/{invoice_id}"' in text

    pdf = admin.get(f"/reports/invoices/{invoice_id}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "Q8,842.61" in pdf_text(pdf.content)
    csv = admin.get(f"/reports/invoices/{invoice_id}.csv")
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    header = next(row for row in csv_rows(csv.content) if row["tipo"] == "factura")
    assert header["monto"] == "8842.61"

    found = admin.get("/reports/invoices?number=a-00000003")
    assert found.status_code == 303 and found.headers["location"] == f"/reports/invoices/{invoice_id}"
    unknown = admin.get("/reports/invoices?number=A-99999999")
    assert unknown.status_code == 404 and "No existe la factura" in unknown.text


def test_an_invoice_without_usage_detail_says_so(admin: Browser, db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        doc = make_issued(session)
        number, doc_id = doc.full_number, doc.id
    page = admin.get(f"/reports/invoices/{doc_id}")
    assert page.status_code == 409
    assert f"La factura {number} no proviene de facturación por consumo" in page.text
    assert f'href="/invoices/{doc_id}"' in page.text
    assert admin.get(f"/reports/invoices/{doc_id}.pdf").status_code == 409
    assert admin.get("/reports/invoices/987654").status_code == 404


def test_bad_dates_are_shown_on_the_form_never_a_500(admin: Browser) -> None:
    for query, message in (
        ("from=2023-02-30&to=2023-12-31", "Escriba una fecha válida."),
        ("from=2023-12-31&to=2023-01-01", "El rango es inválido"),
        ("from=1900-01-01&to=2023-01-01", "El rango supera los 50 años."),
        ("from=2023-01-01", "Este campo es obligatorio."),
        ("from=" + "9" * 3000 + "&to=x", "Escriba una fecha válida."),
    ):
        for path in ("/reports/sales", "/reports/sales.pdf", "/reports/sales.csv"):
            page = admin.get(f"{path}?{query}")
            assert page.status_code == 422, (path, query)
            assert message in page.text and 'aria-invalid="true"' in page.text, (path, query)
    assert admin.get("/reports/sales").status_code == 200  # this year by default
    assert admin.get("/reports/invoices?number=").status_code == 422


def test_portal_customers_see_only_their_own_detail(
    browser: Browser, billed: BillingResult, db: RollbackDatabase
) -> None:
    own, other = billed.invoices[0], billed.invoices[1]
    make_user(db, "cliente@web.test", Role.CUSTOMER, customer_id=own.customer_id)
    browser.login("cliente@web.test")
    page = browser.get(f"/reports/invoices/{own.invoice_id}")
    assert page.status_code == 200 and f'href="/portal/invoices/{own.invoice_id}"' in page.text
    assert browser.get(f"/reports/invoices/{own.invoice_id}.csv").status_code == 200
    assert browser.get(f"/reports/invoices/{other.invoice_id}").status_code == 404
    assert browser.get(f"/reports/invoices/{other.invoice_id}.pdf").status_code == 404
    assert browser.get(SALES_2023).status_code == 403
    assert browser.get("/reports").status_code == 403


def test_an_auditor_reads_reports(browser: Browser, billed: BillingResult, db: RollbackDatabase) -> None:
    make_user(db, "auditor@web.test", Role.AUDITOR)
    browser.login("auditor@web.test")
    assert "Q11,006.35" in browser.get(SALES_2023).text
    assert browser.get(f"/reports/invoices/{billed.invoices[0].invoice_id}").status_code == 200
