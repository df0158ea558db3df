"""The Content-Security-Policy in a real browser (docs/web.md, "Security headers"): every main page,
signed in, loads and runs its own scripts without a single violation, and the Swagger UI works."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response, expect

from facturo.kit import clock
from tests.e2e.conftest import Server, choose_the_nube_pair, sign_in, start_draft_with_live_totals
from tests.factories import make_customer

# Chromium fires securitypolicyviolation on the document; this turns each one into a console
# message the test collects across navigations (an init script runs before the page's own).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


class Violations:
    def __init__(self, page: Page) -> None:
        self.messages: list[str] = []
        self.policies: dict[str, str] = {}
        page.add_init_script(REPORT_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.messages.append(f"page error: {error}"))
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text or "Refused to" in text:
            self.messages.append(text)

    def _response(self, response: Response) -> None:
        if response.request.resource_type == "document":
            self.policies[response.url] = response.headers.get("content-security-policy", "")


@pytest.fixture
def violations(page: Page) -> Iterator[Violations]:
    watcher = Violations(page)
    yield watcher
    assert watcher.messages == []


def test_the_main_pages_run_their_scripts_under_the_policy(page: Page, server: Server, violations: Violations) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    with server.database.unit_of_work() as session:
        make_customer(session, name="Café Los Altos")

    page.goto("/login")
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    sign_in(page, "conta@e2e.test")
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("svg.chart").first).to_be_visible()
    steps("dashboard")

    # The invoice editor: its script adds a line and shows the server's totals as you type.
    start_draft_with_live_totals(page, "Café Los Altos")
    rows = page.locator("[data-line]").count()
    page.get_by_role("button", name="Agregar línea").click()
    expect(page.locator("[data-line]")).to_have_count(rows + 1)  # added in place, no post
    expect(page).to_have_url(re.compile(r"/invoices/new$"))
    steps("editor with live totals")

    # The usage upload: its script lists the chosen files before sending.
    choose_the_nube_pair(page)
    expect(page.locator("[data-file-list] li")).to_have_count(2)
    steps("files listed by the upload script")
    page.get_by_role("button", name="Importar").click()
    expect(page.locator("main")).to_contain_text("Consumos")

    # A billing run, confirmed through app.js's confirmation dialog, then the sales report's chart.
    page.goto("/usage/billing")
    page.get_by_label("Desde").fill("2023-01-01")
    page.get_by_label("Hasta").fill("2023-12-31")
    page.get_by_role("button", name="Vista previa").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Emitir 3 facturas").click()
    expect(page.get_by_role("link", name="A-00000003").first).to_be_visible()
    today = clock.today("America/Guatemala")
    page.goto(f"/reports/sales?from={today.year}-01-01&to={today.isoformat()}")
    chart = page.locator("svg.chart").first
    expect(chart).to_be_visible()
    assert chart.locator("rect.chart-bar").count() >= 3
    box = chart.locator("rect.chart-bar").first.bounding_box()
    assert box is not None and box["width"] > 0  # styled by app.css, not by inline styles
    steps("sales report with its chart")

    # An error page's "Go back" link works without a javascript: URL.
    page.goto("/invoices/999999")
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_role("link", name="Volver").click()
    expect(page).to_have_url(re.compile(r"/reports/sales\?"))
    steps("back from an error page")

    assert violations.policies, "no document was loaded"
    for url, policy in violations.policies.items():
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy, url


def test_the_swagger_ui_runs_under_its_policy(page: Page, violations: Violations) -> None:
    """/docs's inline start-up script is allowed by its hash, and nothing else inline is; the packaged
    Swagger UI 5 draws our OpenAPI 3.1 document, every tag and operation of it."""
    with page.expect_response(re.compile(r"/openapi\.json$")) as spec:
        page.goto("/docs")
    assert spec.value.status == 200  # fetched by the Swagger UI (connect-src 'self')
    expect(page.locator("#swagger-ui .swagger-ui").first).to_be_attached()  # the bundle drew itself
    assert page.evaluate("typeof ui") == "object"  # the inline script ran
    expect(page.locator(".info .version-stamp")).to_contain_text("OAS 3.1")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    operations = page.locator(".opblock").count()
    assert operations >= 60, operations  # the whole API is drawn, not an "unsupported version" notice
    page.steps("swagger ui")  # type: ignore[attr-defined]
    [policy] = [p for url, p in violations.policies.items() if url.endswith("/docs")]
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+';", policy)


def test_an_inline_script_would_be_refused_and_reported(page: Page) -> None:
    """The watcher itself: an inline script injected into a page is blocked, and reported."""
    watcher = Violations(page)
    page.goto("/login")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.ranInline = true;"; document.body.appendChild(s); }"""
    )
    expect(page.get_by_role("button", name="Iniciar sesión")).to_be_visible()
    page.wait_for_timeout(200)
    assert page.evaluate("window.ranInline === undefined")
    assert any("script-src" in m for m in watcher.messages), watcher.messages
