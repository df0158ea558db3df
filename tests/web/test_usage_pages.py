"""The cloud usage pages with our IPC2 fixture pairs (tests/data/ipc2): uploads with their results by line, the stored
data with unbilled consumption, cancelling an instance, and billing runs (preview, confirm, the list
of runs), in Spanish and in English, and who may do what."""

from __future__ import annotations

import re
from typing import Any

from facturo.kit.access import Role
from tests.conftest import RollbackDatabase
from tests.usage.helpers import AULA, NUBE, data_file
from tests.web.conftest import Browser, make_user

YEAR_2023 = {"from": "2023-01-01", "to": "2023-12-31"}
_ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
_CELL = re.compile(r"<t[dh][^>]*>(.*?)</t[dh]>", re.S)
_TAG = re.compile(r"<[^>]+>")


def sample(name: str) -> tuple[str, tuple[str, bytes, str]]:
    return ("files", (name, data_file(name).read_bytes(), "text/xml"))


def upload(browser: Browser, *files: tuple[str, tuple[str, bytes, str]]) -> Any:
    return browser.post("/usage/messages", files=list(files))


def rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table with this id, as the text of their cells."""
    start = html.index(f'id="{table_id}"')
    body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
    return [[_TAG.sub("", c).strip() for c in _CELL.findall(row)] for row in _ROW.findall(body)]


def follow(browser: Browser, response: Any) -> Any:
    assert response.status_code == 303, response.text[:500]
    return browser.get(response.headers["location"])


def test_the_aula_pair_shows_every_rejection_with_its_line_and_reason(admin: Browser) -> None:
    # Given in the "wrong" order: the configuration message is applied first all the same.
    done = upload(admin, sample(AULA[1]), sample(AULA[0]))
    assert done.status_code == 303 and done.headers["location"].startswith("/usage/messages?ids=")
    page = follow(admin, done)
    assert page.status_code == 200 and "2 archivo" not in page.text
    assert "Archivos importados: 2." in page.text
    text = page.text
    assert text.index(AULA[0]) < text.index(AULA[1])
    assert "Mensaje de configuración" in text and "Mensaje de consumos" in text

    consumption_id = re.findall(r'id="rejections-(\d+)"', text)[-1]
    rejected = rows(text, f"rejections-{consumption_id}")
    assert [r[0] for r in rejected] == ["7", "11", "15", "19", "31", "35", "39"]
    line_31 = rejected[4]
    assert line_31[1:3] == ["Consumo", "IN-03"]
    assert "en el futuro" in line_31[3] and "14/02/2031" in line_31[3]
    assert "30/09/2010" in rejected[0][3]
    counts = rows(text, f"message-{consumption_id}")  # the counts table comes first in the section
    assert counts[0] == ["Consumos", "4", "0", "0", "7"]
    duplicates = rows(text, f"duplicates-{consumption_id}")
    assert [r[0] for r in duplicates] == ["47"] and "línea 3" in duplicates[0][3]

    # Every line of the report, as a download linked from the results.
    assert f'href="/usage/messages/{consumption_id}/problems.csv"' in text
    report = admin.get(f"/usage/messages/{consumption_id}/problems.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "tipo,línea,registro,id,regla,motivo"
    assert [line.split(",")[1] for line in lines[1:] if line.startswith("rechazo")][:2] == ["7", "11"]
    assert any(line.startswith("duplicado,47,") for line in lines)
    assert admin.get("/usage/messages/999999/problems.csv").status_code == 404

    assert admin.get("/usage/messages?ids=²,x,-1,0").status_code == 404  # odd ids: nothing to show, never a 500

    english = admin.post("/language", {"language": "en", "next": done.headers["location"]})
    page = follow(admin, english)
    assert 'lang="en"' in page.text and "Import results" in page.text
    line_31 = rows(page.text, f"rejections-{consumption_id}")[4]
    assert line_31[1] == "Consumption" and "is in the future" in line_31[3]

    # The same messages again: nothing new, the consumptions are duplicates.
    again = follow(admin, upload(admin, sample(AULA[0]), sample(AULA[1])))
    last = re.findall(r'id="duplicates-(\d+)"', again.text)[-1]
    assert [r[0] for r in rows(again.text, f"duplicates-{last}")] == ["3", "23", "27", "43", "47"]


def test_upload_nube_preview_confirm_and_the_list_of_runs(admin: Browser) -> None:
    follow(admin, upload(admin, sample(NUBE[0]), sample(NUBE[1])))
    overview = admin.get("/usage")
    assert overview.status_code == 200
    assert 'href="/usage/billing"' in overview.text and 'action="/usage/messages"' in overview.text
    assert 'aria-current="page"' in overview.text and "Consumo en la nube" in overview.text
    unbilled = re.search(r'id="unbilled-total">([^<]+)<', overview.text)
    assert unbilled is not None and unbilled.group(1).startswith("Q")

    form = admin.get("/usage/billing")
    assert form.status_code == 200 and 'action="/usage/billing/preview"' in form.text
    preview = admin.post("/usage/billing/preview", YEAR_2023)
    assert preview.status_code == 200, preview.text[:500]
    planned = rows(preview.text, "preview-invoices")
    assert [(r[0], r[1], r[5]) for r in planned] == [
        ("A-00000001", "1204587-K", "Q548.06"),
        ("A-00000002", "3181726-5", "Q1,615.68"),
        ("A-00000003", "8830514-1", "Q8,842.61"),
    ]
    # 548.06 + 1615.68 + 8842.61
    assert "Q11,006.35" in preview.text and "Todavía no se ha emitido nada" in preview.text
    assert admin.get("/usage/billing").text.count('href="/usage/billing/runs/') == 0  # a preview writes nothing

    confirm = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', preview.text))
    assert confirm["from"] == "2023-01-01" and confirm["expected_total"] == "11006.35"
    done = admin.post("/usage/billing/run", {k: v for k, v in confirm.items() if k != "csrf_token"})
    assert done.status_code == 303 and done.headers["location"].startswith("/usage/billing/runs/")
    run = follow(admin, done)
    assert "emitió 3 factura(s)" in run.text
    issued = rows(run.text, "run-invoices")
    assert [(r[0], r[7]) for r in issued] == [
        ("A-00000001", "Q548.06"),
        ("A-00000002", "Q1,615.68"),
        ("A-00000003", "Q8,842.61"),
    ]
    links = re.findall(r'href="/invoices/(\d+)"', run.text)
    assert len(links) == 3
    assert admin.get(f"/invoices/{links[0]}").status_code == 200
    assert f'href="/reports/invoices/{links[2]}"' in run.text

    runs = admin.get("/usage/billing")
    past = rows(runs.text, "runs")
    assert len(past) == 1 and past[0][1] == "01/01/2023 – 31/12/2023" and past[0][-1] == "Q11,006.35"

    again = admin.post("/usage/billing/run", YEAR_2023)
    assert again.status_code == 303 and again.headers["location"] == "/usage/billing"
    assert "No hay nada que facturar" in admin.get("/usage/billing").text
    empty = admin.post("/usage/billing/preview", YEAR_2023)
    assert empty.status_code == 200 and 'id="nothing-to-bill"' in empty.text
    assert len(rows(admin.get("/usage/billing").text, "runs")) == 1


def test_a_confirmation_that_no_longer_matches_its_preview_issues_nothing(admin: Browser) -> None:
    follow(admin, upload(admin, sample(NUBE[0]), sample(NUBE[1])))
    stale = admin.post("/usage/billing/run", YEAR_2023 | {"expected_consumptions": "3", "expected_total": "10.00"})
    assert stale.status_code == 409
    assert "cambiaron desde la vista previa" in stale.text
    assert "Q11,006.35" in stale.text  # the new preview, to confirm again
    assert 'href="/usage/billing/runs/' not in admin.get("/usage/billing").text


def test_bad_ranges_are_shown_on_the_form(admin: Browser) -> None:
    reversed_ = admin.post("/usage/billing/preview", {"from": "2023-12-31", "to": "2023-01-01"})
    assert reversed_.status_code == 422 and 'aria-invalid="true"' in reversed_.text
    assert "El rango es inválido" in reversed_.text and 'value="2023-12-31"' in reversed_.text
    wrong = admin.post("/usage/billing/run", {"from": "2023-02-30", "to": ""})
    assert wrong.status_code == 422
    assert "Escriba una fecha válida." in wrong.text and "Este campo es obligatorio." in wrong.text
    spanish_style = admin.post("/usage/billing/preview", {"from": "01/01/2023", "to": "31/12/2023"})
    assert spanish_style.status_code == 200


def test_a_malformed_file_is_refused_whole_and_the_others_still_load(admin: Browser) -> None:
    broken = ("files", ("roto.xml", b"<archivoConfiguraciones><listaRecursos>", "text/xml"))
    refused = upload(admin, broken)
    assert refused.status_code == 303 and refused.headers["location"] == "/usage"
    page = admin.get("/usage")
    assert "Se rechazó roto.xml" in page.text and "XML mal formado en la línea" in page.text
    assert "Todavía no hay recursos." in page.text and 'id="recent"' not in page.text

    mixed = upload(admin, broken, sample(NUBE[0]))
    result = follow(admin, mixed)
    assert "Se rechazó roto.xml" in result.text and NUBE[0] in result.text
    assert "Todavía no hay recursos." not in admin.get("/usage").text


def test_an_upload_without_files_is_answered_on_the_form(admin: Browser) -> None:
    empty = admin.post("/usage/messages", files=[("files", ("", b"", "application/octet-stream"))])
    assert empty.status_code == 422 and "Elija al menos un archivo XML." in empty.text
    assert 'aria-invalid="true"' in empty.text


def test_cancel_an_instance(admin: Browser) -> None:
    follow(admin, upload(admin, sample(NUBE[0])))
    overview = admin.get("/usage")
    codes = re.findall(r'href="/usage/instances/([^"/]+)/cancel"', overview.text)
    assert codes
    code = codes[0]
    form = admin.get(f"/usage/instances/{code}/cancel")
    assert form.status_code == 200 and 'name="end_date"' in form.text and 'type="date"' in form.text

    too_early = admin.post(f"/usage/instances/{code}/cancel", {"end_date": "1999-01-01"})
    assert too_early.status_code == 422 and "anterior al inicio" in too_early.text
    assert 'value="1999-01-01"' in too_early.text
    junk = admin.post(f"/usage/instances/{code}/cancel", {"end_date": "ayer"})
    assert junk.status_code == 422 and "Escriba una fecha válida." in junk.text

    done = admin.post(f"/usage/instances/{code}/cancel", {"end_date": "2024-06-30"})
    assert done.status_code == 303
    page = follow(admin, done)
    assert f"La instancia {code} quedó cancelada desde el 30/06/2024." in page.text
    row = re.search(rf'<tr id="instance-{re.escape(code)}">(.*?)</tr>', page.text, re.S)
    assert row is not None and "Cancelada" in row.group(1) and "30/06/2024" in row.group(1)
    assert f'href="/usage/instances/{code}/cancel"' not in page.text

    twice = admin.post(f"/usage/instances/{code}/cancel", {"end_date": "2024-07-01"})
    assert twice.status_code == 409 and "ya está cancelada" in twice.text
    assert admin.get("/usage/instances/NO-EXISTE/cancel").status_code == 404


def test_an_auditor_sees_the_data_but_cannot_upload_bill_or_cancel(
    browser: Browser, db: RollbackDatabase, organisation: None
) -> None:
    make_user(db, "auditora@web.test", Role.AUDITOR)
    browser.login("auditora@web.test")
    overview = browser.get("/usage")
    assert overview.status_code == 200 and "Instancias y consumo pendiente de facturar" in overview.text
    assert 'action="/usage/messages"' not in overview.text and "/cancel" not in overview.text
    billing = browser.get("/usage/billing")
    assert billing.status_code == 200 and "/usage/billing/preview" not in billing.text
    assert upload(browser, sample(NUBE[0])).status_code == 403
    assert browser.post("/usage/billing/preview", YEAR_2023).status_code == 403
    assert browser.post("/usage/billing/run", YEAR_2023).status_code == 403
    assert browser.get("/usage/instances/X/cancel").status_code == 403
    assert browser.post("/usage/instances/X/cancel", {"end_date": "2024-01-01"}).status_code == 403
