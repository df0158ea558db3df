"""The accountant's day in a real browser: a customer with a wrong NIT then a right one, a draft
issued and paid with two methods, the PDF downloaded."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in, start_draft_with_live_totals
from tests.factories import valid_nit


def test_customer_with_a_wrong_nit_then_a_right_one(page: Page) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    sign_in(page, "conta@e2e.test")
    page.goto("/customers/new")
    page.get_by_label("NIT").fill("1234567-1")
    page.get_by_label("Nombre").fill("Ferretería La Llave")
    page.get_by_role("button", name="Guardar").click()
    error = page.locator("#e-nit")
    expect(error).to_contain_text("dígito verificador")
    expect(page.get_by_label("Nombre")).to_have_value("Ferretería La Llave")  # the input is kept
    expect(page.get_by_label("NIT")).to_have_attribute("aria-invalid", "true")
    steps("wrong NIT refused inline")
    page.get_by_label("NIT").fill(valid_nit(1234567))
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("status")).to_contain_text("Ferretería La Llave")
    steps("customer created")
    page.goto("/customers?q=Llave")
    expect(page.get_by_role("link", name=re.compile("Ferretería La Llave"))).to_be_visible()
    steps("found by search")


def test_draft_issue_split_payment_paid_and_pdf(page: Page) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    sign_in(page, "conta@e2e.test")
    page.goto("/customers/new")
    page.get_by_label("NIT").fill(valid_nit(7654321))
    page.get_by_label("Nombre").fill("Café Los Altos")
    page.get_by_role("button", name="Guardar").click()
    expect(page.get_by_role("status")).to_be_visible()

    start_draft_with_live_totals(page, "Café Los Altos")
    steps("draft with live totals")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.get_by_role("heading", name=re.compile("Borrador|Factura"))).to_be_visible()
    steps("draft saved")
    page.once("dialog", lambda dialog: dialog.accept())  # "Issue this invoice?" confirmation
    page.get_by_role("button", name="Emitir").click()
    expect(page.get_by_text("A-00000001").first).to_be_visible()
    steps("issued")

    page.get_by_role("link", name="Registrar un pago").click()
    page.locator("#s0-method").select_option("cash")
    page.locator("#s0-amount").fill("200.00")
    page.get_by_role("button", name="Agregar otra forma de pago").click()
    page.locator("#s1-method").select_option("credit_card")
    page.locator("#s1-amount").fill("250.00")
    steps("two methods")
    page.get_by_role("button", name="Registrar pago").click()
    expect(page.locator(".badge.paid").first).to_be_visible()
    expect(page.get_by_text("Q450.00").first).to_be_visible()
    steps("paid")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = download.path()
    assert path is not None and path.read_bytes().startswith(b"%PDF")
    steps("pdf downloaded")
