"""The cloud provider's billing clerk in a real browser: upload our aula pair (tests/data/ipc2) and read
its rejections, preview and confirm a billing run of the nube pair, open the sales analysis with its chart."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from facturo.kit import clock
from tests.e2e.conftest import choose_the_nube_pair, sign_in
from tests.usage.helpers import AULA, data_file


def test_upload_the_aula_pair_and_see_its_rejections(page: Page) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    sign_in(page, "conta@e2e.test")
    page.goto("/usage")
    page.get_by_label("Mensajes XML IPC2").set_input_files([data_file(AULA[1]), data_file(AULA[0])])
    steps("two files chosen")
    page.get_by_role("button", name="Importar").click()
    expect(page.get_by_role("heading", name=re.compile("Rechazos")).first).to_be_visible()
    body = page.locator("main")
    # The seven consumptions refused, each with its line and reason (the configuration went first).
    for line, reason in ((7, "posterior a la cancelación"), (15, "anterior al inicio"), (31, "en el futuro")):
        expect(body.get_by_role("row", name=re.compile(rf"^{line}\b.*{reason}"))).to_have_count(1)
    expect(body).to_contain_text("14/02/2031")
    steps("rejections listed")


def test_preview_and_confirm_a_billing_run_then_the_sales_chart(page: Page) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    sign_in(page, "conta@e2e.test")
    choose_the_nube_pair(page)
    page.get_by_role("button", name="Importar").click()
    expect(page.locator("main")).to_contain_text("Consumos")
    page.goto("/usage/billing")
    page.get_by_label("Desde").fill("2023-01-01")
    page.get_by_label("Hasta").fill("2023-12-31")
    page.get_by_role("button", name="Vista previa").click()
    preview = page.locator("main")
    for total in ("Q548.06", "Q1,615.68", "Q8,842.61"):
        expect(preview).to_contain_text(total)
    steps("preview: three invoices")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Emitir 3 facturas").click()
    expect(page.get_by_role("link", name="A-00000003").first).to_be_visible()
    steps("run confirmed, invoices created")

    # The run dates its invoices today (docs/invoices.md, "Issue dates"): they are this year's sales.
    today = clock.today("America/Guatemala")
    page.goto(f"/reports/sales?from={today.year}-01-01&to={today.isoformat()}")
    expect(page.locator("main")).to_contain_text("Q11,006.35")  # 548.06 + 1615.68 + 8842.61
    chart = page.locator("svg.chart").first
    expect(chart).to_be_visible()
    assert chart.locator("rect.chart-bar").count() >= 3
    steps("sales analysis with its chart")
