"""The reception portal in a real browser: a small business drops a zip on the upload page and
watches each document's verdict arrive; an auditor then finds the rejected one, reads its findings
in Spanish, downloads the original (the very bytes that were sent) and opens the dashboard.

Screenshots of each page are written to ``FACTURO_E2E_SHOTS`` (a folder) or the test's tmp dir.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect

from facturo.auth import service as auth
from facturo.kit import clock
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from tests.e2e.conftest import PASSWORD, ReceptionWorkers, Server, sign_in
from tests.e2e.test_csp_in_browser import Violations
from tests.reception.documents import OTHER_NIT, as_bytes, invoice

TODAY = clock.today("America/Guatemala").isoformat()
BAD_TOTAL = "9.99"  # the lines add up to 67.20: JSON-TOTAL rejects it
REJECTED_MESSAGE = "El total 9.99 no es la suma de las líneas (67.20)."
DROP = """(files) => {
    const transfer = new DataTransfer();
    for (const file of files) {
        const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], file.name, { type: file.type }));
    }
    return transfer;
}"""


def the_batch() -> dict[str, bytes]:
    """Three valid invoices of today (two issuers) and one whose total is wrong."""
    return {
        "factura-1.json": as_bytes(invoice(1, issue_date=TODAY)),
        "factura-2.json": as_bytes(invoice(2, issue_date=TODAY)),
        "factura-3.json": as_bytes(invoice(3, issue_date=TODAY, issuer_nit=OTHER_NIT)),
        "mala.json": as_bytes(invoice(4, issue_date=TODAY, total=BAD_TOTAL)) + b"\n",
    }


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def drop_files(page: Page, selector: str, files: list[tuple[str, str, bytes]]) -> None:
    """What a person dragging files from their desktop onto ``selector`` makes the page see."""
    payload = [{"name": n, "type": t, "data": base64.b64encode(d).decode()} for n, t, d in files]
    transfer = page.evaluate_handle(DROP, payload)
    for name in ("dragenter", "dragover", "drop"):
        page.dispatch_event(selector, name, {"dataTransfer": transfer})


def shots_dir(tmp_path: Path) -> Path:
    target = Path(os.environ.get("FACTURO_E2E_SHOTS") or tmp_path / "shots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_a_zip_through_the_portal_then_the_auditor_finds_the_rejected_one(
    page: Page, server: Server, reception_workers: ReceptionWorkers, tmp_path: Path
) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    violations = Violations(page)  # upload.js and poll.js run under the CSP, without a single complaint
    shots = shots_dir(tmp_path)
    batch = the_batch()
    with server.database.unit_of_work() as session:
        auth.create_user(session, SYSTEM, "auditora@e2e.test", "Auditoría", PASSWORD, Role.AUDITOR)

    # The small business drops its zip (and a stray text file, which the drop zone leaves out).
    sign_in(page, "admin@e2e.test")
    page.goto("/reception/upload")
    expect(page.get_by_text("O suelte aquí los archivos o el zip.")).to_be_visible()
    drop_files(
        page,
        "[data-dropzone]",
        [("lote.zip", "application/zip", zipped(batch)), ("notas.txt", "text/plain", b"no es una factura")],
    )
    expect(page.locator("[data-file-list] li")).to_have_count(1)
    expect(page.locator("[data-file-list]")).to_contain_text("lote.zip")
    expect(page.locator("[data-drop-refused]")).to_contain_text("notas.txt")
    expect(page.locator("[data-file-summary]")).to_contain_text("1 archivo(s) elegido(s)")
    page.screenshot(path=shots / "01-upload-dropped.png", full_page=True)
    steps("zip dropped")
    page.get_by_role("button", name="Enviar", exact=True).click()

    # The results page first shows four documents waiting, then each verdict as the worker decides.
    expect(page).to_have_url(re.compile(r"/reception/submissions/\d+$"))
    expect(page.locator("#count-documents")).to_have_text("4")
    expect(page.locator("#count-waiting")).to_have_text("4")
    page.evaluate("window.sameLoad = true")  # gone if the page reloaded: the results must arrive live
    reception_workers.start()
    expect(page.locator("#progress")).to_have_attribute("data-done", "true", timeout=30_000)
    expect(page.locator("#count-accepted")).to_have_text("3")
    expect(page.locator("#count-rejected")).to_have_text("1")
    expect(page.locator("#count-waiting")).to_have_text("0")
    expect(page.get_by_text("Todos los documentos están decididos.")).to_be_visible()
    assert page.evaluate("window.sameLoad === true"), "the results page reloaded instead of polling"
    rejected_row = page.locator('#documents tr[data-status="rejected"]')
    expect(rejected_row).to_contain_text("mala.json")
    expect(rejected_row).to_contain_text("JSON-TOTAL")
    expect(page.locator('#documents tr[data-status="accepted"]')).to_have_count(3)
    page.screenshot(path=shots / "02-upload-results.png", full_page=True)
    steps("every document decided")

    # The auditor searches the rejected documents.
    page.context.clear_cookies()
    sign_in(page, "auditora@e2e.test")
    page.goto("/reception/documents")
    page.get_by_label("Estado").select_option("rejected")
    page.get_by_role("button", name="Buscar").click()
    expect(page).to_have_url(re.compile(r"status=rejected"))
    results = page.locator("#results tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Rechazado")
    page.screenshot(path=shots / "03-search-rejected.png", full_page=True)
    steps("search: the rejected document")

    # Its findings: the rule and the Spanish message, then the original, byte for byte.
    results.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile("Documento recibido"))).to_be_visible()
    finding = page.locator("#findings tbody tr", has_text="JSON-TOTAL")
    expect(finding).to_have_count(1)
    expect(finding).to_contain_text(REJECTED_MESSAGE)
    expect(finding).to_contain_text("/total")
    sha256 = hashlib.sha256(batch["mala.json"]).hexdigest()
    expect(page.locator("#index")).to_contain_text(sha256)
    page.screenshot(path=shots / "04-document-findings.png", full_page=True)
    steps("findings of the rejected document")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Descargar original").click()
    download = download_info.value
    assert download.suggested_filename == "mala.json"
    original = Path(download.path()).read_bytes()
    assert original == batch["mala.json"] and hashlib.sha256(original).hexdigest() == sha256

    # The dashboard: today's documents by status, the rule that rejected, the issuers' amounts.
    page.goto("/reception/dashboard")
    expect(page.locator("#stat-accepted .value")).to_have_text("3")
    expect(page.locator("#stat-rejected .value")).to_have_text("1")
    expect(page.locator("#top-rules")).to_contain_text("JSON-TOTAL")
    expect(page.locator("#top-amount")).to_contain_text("Q134.40")  # 2 × 67.20 from 4567123-0
    expect(page.locator("#top-amount svg.chart")).to_contain_text("45671230")  # two issuers share a name
    expect(page.locator("#tax-by-month svg.chart g")).to_have_count(12)  # the year, empty months too
    expect(page.locator("#by-day svg.chart")).to_have_count(2)
    expect(page.locator("#by-day svg.chart").first).not_to_contain_text("Q")  # counts, not money
    page.screenshot(path=shots / "05-dashboard.png", full_page=True)
    steps("dashboard")
    assert violations.messages == []


def test_without_scripts_the_plain_form_and_the_self_refreshing_page(
    page: Page, server: Server, reception_workers: ReceptionWorkers
) -> None:
    context = page.context.browser.new_context(  # type: ignore[union-attr]
        base_url=server.url, locale="es-GT", java_script_enabled=False
    )
    try:
        plain = context.new_page()
        sign_in(plain, "conta@e2e.test")
        plain.goto("/reception/upload")
        expect(plain.get_by_text("O suelte aquí los archivos o el zip.")).to_be_hidden()  # no drop zone
        good, bad = as_bytes(invoice(7, issue_date=TODAY)), as_bytes(invoice(8, issue_date=TODAY, total=BAD_TOTAL))
        plain.get_by_label("Documentos XML FEL o UBL", exact=False).set_input_files(
            [
                {"name": "buena.json", "mimeType": "application/json", "buffer": good},
                {"name": "mala.json", "mimeType": "application/json", "buffer": bad},
            ]
        )
        plain.get_by_role("button", name="Enviar", exact=True).click()
        expect(plain.locator("#count-waiting")).to_have_text("2")
        reception_workers.start()
        # Only the <noscript> refresh can bring the verdicts to this page.
        expect(plain.locator("#progress")).to_have_attribute("data-done", "true", timeout=30_000)
        expect(plain.locator("#count-accepted")).to_have_text("1")
        expect(plain.locator("#count-rejected")).to_have_text("1")
    finally:
        context.close()
