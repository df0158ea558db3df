"""The sequence audit in a real browser: a mall's auditor opens the audit dashboard (missing
numbers, the late-closure rate, the open gaps per month and the top tenants drawn), filters the gap
list to one tenant by its NIT, and downloads the CSV of those gaps (and of their numbers one by one).

Screenshots of each page are written to ``FACTURO_E2E_SHOTS`` (a folder) or the test's tmp dir.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import Page, expect

from facturo.auth import service as auth
from facturo.kit import clock
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from facturo.sequence_audit import service as audit
from tests.e2e.conftest import PASSWORD, Server, sign_in
from tests.e2e.test_csp_in_browser import Violations
from tests.e2e.test_reception_browser import shots_dir
from tests.sequence_audit.sequences import TENANT_A, TENANT_B, accept, json_invoice

TODAY = clock.today("America/Guatemala")
WEEK_AGO = TODAY - timedelta(days=7)


def tenants_sales(server: Server) -> None:
    """Tenant A's invoices 1..10 without 4, 7 and 8; tenant B's 1..5 without 3; audited."""
    documents = [json_invoice(n, issuer=TENANT_A, day=WEEK_AGO) for n in range(1, 11) if n not in (4, 7, 8)]
    documents += [json_invoice(n, issuer=TENANT_B, day=WEEK_AGO) for n in (1, 2, 4, 5)]
    assert accept(server.database, server.app.state.reception_archive, documents).accepted == 11
    audit.sync(server.database)  # the workers' hook ran it already; a second run finds nothing new


def csv_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"))))


def test_the_auditor_reads_the_dashboard_filters_a_tenant_and_downloads_the_csv(
    page: Page, server: Server, tmp_path: Path
) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    violations = Violations(page)
    shots = shots_dir(tmp_path)
    with server.database.unit_of_work() as session:
        auth.create_user(session, SYSTEM, "auditora-saltos@e2e.test", "Auditoría", PASSWORD, Role.AUDITOR)
    tenants_sales(server)

    # The dashboard, from the menu.
    sign_in(page, "auditora-saltos@e2e.test")
    page.get_by_role("link", name="Auditoría de correlativos").click()
    expect(page).to_have_url(re.compile(r"/audit/gaps$"))
    page.get_by_role("link", name="Tablero de auditoría").click()
    expect(page.get_by_role("heading", name="Tablero de auditoría")).to_be_visible()
    expect(page.locator("#stat-missing .value")).to_have_text("4")  # A's 4, 7, 8 and B's 3
    expect(page.locator("#stat-open .value")).to_have_text("3")
    expect(page.locator("#stat-late .value")).to_have_text("0 %")  # nothing arrived late yet
    expect(page.locator("#stat-not-auditable .value")).to_have_text("0")
    chart = page.locator("#open-by-month svg.chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.chart-bar")).to_have_count(len(audit_months()))
    top = page.locator("#top-issuers")
    expect(top.locator("svg.chart")).to_be_visible()
    expect(top.locator("svg.chart")).to_contain_text(TENANT_A)
    expect(top.locator("tbody tr")).to_have_count(2)
    expect(top.locator("tbody tr").first).to_contain_text(TENANT_A)
    expect(top.locator("tbody tr").first).to_contain_text("3")
    page.screenshot(path=shots / "01-audit-dashboard.png", full_page=True)
    steps("audit dashboard")

    # The gap list, filtered to tenant A and the last month of documents.
    page.get_by_role("link", name="Saltos de numeración").click()
    expect(page.locator("#no-gaps")).to_contain_text("Ningún salto coincide")  # yesterday's: none
    page.get_by_label("NIT del emisor").fill(TENANT_A)
    page.get_by_label("Documentos con fecha desde").fill((TODAY - timedelta(days=30)).isoformat())
    page.get_by_label("Documentos con fecha hasta").fill(TODAY.isoformat())
    page.get_by_role("button", name="Buscar").click()
    expect(page).to_have_url(re.compile(rf"issuer_nit={TENANT_A}"))
    listed = page.locator("#results tbody tr")
    expect(listed).to_have_count(2)
    expect(page.locator(f'#results tbody tr[data-issuer="{TENANT_A}"]')).to_have_count(2)
    expect(listed.first).to_contain_text("Abierto")
    expect(listed.nth(1)).to_contain_text("7")
    expect(page.locator("#results-title")).to_have_text("Saltos: 2")
    page.screenshot(path=shots / "02-audit-gaps-tenant.png", full_page=True)
    steps("gaps of tenant A")

    # The CSV of the same filters: one row per gap, then one per missing number.
    with page.expect_download() as per_gap:
        page.get_by_role("link", name="Descargar CSV", exact=True).click()
    assert per_gap.value.suggested_filename == "saltos-de-numeracion.csv"
    rows = csv_rows(Path(per_gap.value.path()))
    assert [(r["issuer_nit"], r["first"], r["last"], r["count"], r["status"]) for r in rows] == [
        (TENANT_A, "4", "4", "1", "open"),
        (TENANT_A, "7", "8", "2", "open"),
    ]
    assert [(r["before_number"], r["after_number"]) for r in rows] == [("3", "5"), ("6", "9")]
    with page.expect_download() as per_number:
        page.get_by_role("link", name="Descargar CSV (una fila por número faltante)").click()
    assert per_number.value.suggested_filename == "numeros-faltantes.csv"
    assert [r["number"] for r in csv_rows(Path(per_number.value.path()))] == ["4", "7", "8"]
    assert violations.messages == []


def audit_months() -> list[object]:
    """The months the dashboard draws: January 2024 to this month."""
    return [None] * ((TODAY.year - 2024) * 12 + TODAY.month)
