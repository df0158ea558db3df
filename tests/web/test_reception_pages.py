"""The reception pages: the upload portal (files and a zip) with each document's live result, the
auditors' search (filters, cursor pages, CSV), a document's findings and its original bytes, the
dashboard's figures, and who may open what."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta

import pytest
from fastapi import FastAPI

from facturo.kit import clock
from facturo.kit.access import Role
from facturo.reception import service as reception
from tests.conftest import RollbackDatabase
from tests.factories import make_customer
from tests.reception.documents import OTHER_NIT, as_bytes, invoice
from tests.web.conftest import Browser, make_user

TODAY = clock.today("America/Guatemala")
DAY = TODAY.isoformat()
BAD_TOTAL = "9.99"  # the lines add up to 67.20: rejected


def upload(browser: Browser, *files: tuple[str, bytes]) -> object:
    return browser.client.post(
        "/reception/upload",
        data={"csrf_token": browser.csrf()},
        files=[("files", (name, data, "application/octet-stream")) for name, data in files],
    )


def drain(app: FastAPI, db: RollbackDatabase) -> None:
    reception.drain(db, app.state.reception_archive, "w")


def a_zip(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def submission_of(response: object) -> str:
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/reception/submissions/\d+", location), location
    return str(location)


def sign_in_as(browser: Browser, db: RollbackDatabase, role: Role) -> Browser:
    browser.client.cookies.clear()
    email = f"{role.value}-rcp@web.test"
    make_user(db, email, role)
    assert browser.login(email).status_code == 303
    return browser


def rows(text: str) -> list[str]:
    return re.findall(r'<tr data-status="(\w+)">', text)


@pytest.fixture
def received(admin: Browser, app: FastAPI, db: RollbackDatabase) -> dict[str, str]:
    """Three documents of today through the portal (two accepted, one rejected), decided."""
    zipped = a_zip(("a.json", as_bytes(invoice(1, issue_date=DAY))), ("b.json", as_bytes(invoice(2, issue_date=DAY))))
    first = submission_of(upload(admin, ("lote.zip", zipped)))
    bad = as_bytes(invoice(3, issue_date=DAY, total=BAD_TOTAL))
    second = submission_of(upload(admin, ("mala.json", bad)))
    drain(app, db)
    return {"zip": first, "bad": second}


def test_the_upload_form_in_spanish_and_english(admin: Browser) -> None:
    page = admin.get("/reception/upload")
    assert page.status_code == 200
    assert 'action="/reception/upload"' in page.text and 'enctype="multipart/form-data"' in page.text
    assert 'type="file" multiple' in page.text and "Enviar documentos" in page.text
    # The drop zone is upload.js's; the plain multipart form above works without it.
    assert "data-dropzone" in page.text and '<script src="/static/upload.js" defer>' in page.text
    assert "O suelte aquí los archivos o el zip." in page.text
    assert 'href="/reception"' in page.text and "Recepción" in page.text  # the menu entry
    admin.post("/language", {"language": "en", "next": "/reception/upload"})
    page = admin.get("/reception/upload")
    assert "Send documents" in page.text and ">Reception<" in page.text


def test_a_zip_upload_shows_each_document_then_their_verdicts(
    admin: Browser, app: FastAPI, db: RollbackDatabase
) -> None:
    zipped = a_zip(
        ("a.json", as_bytes(invoice(1, issue_date=DAY))),
        ("b.json", as_bytes(invoice(2, issue_date=DAY, total=BAD_TOTAL))),
        ("../fuera.json", as_bytes(invoice(3))),
    )
    sent = upload(admin, ("lote.zip", zipped))
    assert sent.status_code == 303  # type: ignore[attr-defined]
    url = submission_of(sent)
    waiting = admin.get(url)
    assert waiting.status_code == 200
    # Live: poll.js replaces the results with the fragment; without scripts the page reloads itself.
    assert 'data-poll="' + url + '/rows"' in waiting.text and '<script src="/static/poll.js" defer>' in waiting.text
    assert '<noscript><meta http-equiv="refresh" content="1"></noscript>' in waiting.text
    assert 'data-done="false"' in waiting.text
    assert rows(waiting.text) == ["received", "received"]
    assert 'id="count-waiting">2<' in waiting.text and "../fuera.json" in waiting.text  # refused by name

    drain(app, db)
    done = admin.get(url)
    assert 'http-equiv="refresh"' not in done.text and "poll.js" not in done.text  # the page stands still
    assert sorted(rows(done.text)) == ["accepted", "rejected"]
    assert 'id="count-accepted">1<' in done.text and 'id="count-rejected">1<' in done.text
    assert "Todos los documentos están decididos." in done.text
    fragment = admin.get(url + "/rows")
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'data-done="true"' in fragment.text
    assert sorted(rows(fragment.text)) == ["accepted", "rejected"]
    rejected_row = next(r for r in fragment.text.split("<tr ") if r.startswith('data-status="rejected"'))
    assert "b.json" in rejected_row and "<td>JSON-TOTAL</td>" in rejected_row  # the rule ids of its findings


def test_several_files_in_one_upload_and_the_same_bytes_again(
    admin: Browser, app: FastAPI, db: RollbackDatabase
) -> None:
    one, two = as_bytes(invoice(11, issue_date=DAY)), as_bytes(invoice(12, issue_date=DAY))
    url = submission_of(upload(admin, ("uno.json", one), ("dos.json", two)))
    drain(app, db)
    assert rows(admin.get(url).text) == ["accepted", "accepted"]
    again = upload(admin, ("uno-otra-vez.json", one))
    page = admin.get(submission_of(again))
    assert 'id="count-documents">1<' in page.text and "ya guardados: 1" in page.text


def test_an_upload_without_files_is_answered_on_the_form(admin: Browser) -> None:
    page = admin.post("/reception/upload")
    assert page.status_code == 422 and "Elija al menos un archivo o un zip." in page.text


def test_the_search_filters_and_pages_with_a_cursor(admin: Browser, received: dict[str, str]) -> None:
    every = admin.get("/reception/documents")
    assert every.status_code == 200 and len(rows(every.text)) == 3 and "3 documentos" in every.text
    rejected = admin.get("/reception/documents?status=rejected")
    assert rows(rejected.text) == ["rejected"]
    assert rows(admin.get(f"/reception/documents?issuer_nit={OTHER_NIT}").text) == []
    assert len(rows(admin.get("/reception/documents?total_min=67.20&total_max=67.20").text)) == 2
    assert rows(admin.get("/reception/documents?total_min=68").text) == []
    assert rows(admin.get("/reception/documents?rule=JSON-TOTAL").text) == ["rejected"]
    assert rows(admin.get("/reception/documents?rule=BR-CO-10").text) == []
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert rows(admin.get(f"/reception/documents?from={tomorrow}").text) == []
    assert len(rows(admin.get(f"/reception/documents?to={DAY}&format=json").text)) == 3
    hostile = admin.get("/reception/documents?from=ayer&status=perdido&total_min=1e999999&issuer_nit=<b>")
    assert hostile.status_code == 200 and len(rows(hostile.text)) == 3
    assert hostile.text.count("No se entendió este valor y no se aplica.") == 4
    assert 'rel="next"' not in every.text  # one page


def _detail_url(browser: Browser, listing: str) -> str:
    found = re.search(r'href="(/reception/documents/\d+)"', listing)
    assert found is not None
    return found.group(1)


def test_next_page_links_follow_the_cursor(admin: Browser, app: FastAPI, db: RollbackDatabase) -> None:
    files = [(f"f{n}.json", as_bytes(invoice(100 + n, issue_date=DAY))) for n in range(55)]
    upload(admin, ("muchos.zip", a_zip(*files)))
    drain(app, db)
    first = admin.get("/reception/documents?status=accepted")
    assert len(rows(first.text)) == 50
    link = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert link is not None and "status=accepted" in link.group(1) and "cursor=" in link.group(1)
    second = admin.get(link.group(1).replace("&amp;", "&"))
    assert len(rows(second.text)) == 5 and 'rel="next"' not in second.text


def test_the_detail_shows_the_findings_in_the_page_language(admin: Browser, received: dict[str, str]) -> None:
    url = _detail_url(admin, admin.get("/reception/documents?status=rejected").text)
    page = admin.get(url)
    assert page.status_code == 200 and "Rechazado" in page.text and "Descargar original" in page.text
    findings = page.text.split('id="findings"')[1]
    assert "<td><code>JSON-TOTAL</code></td><td>Error</td>" in findings and "<code>/total</code>" in findings
    spanish = re.findall(r"<td>([^<]+)</td></tr>", findings)
    admin.post("/language", {"language": "en", "next": url})
    english_page = admin.get(url)
    assert "Download original" in english_page.text and "Rejected" in english_page.text
    english = re.findall(r"<td>([^<]+)</td></tr>", english_page.text.split('id="findings"')[1])
    assert spanish and english and spanish != english  # the message follows the language


def test_the_original_is_the_exact_bytes(admin: Browser, app: FastAPI, db: RollbackDatabase) -> None:
    data = as_bytes(invoice(21, issue_date=DAY, total=BAD_TOTAL)) + b"\n  "
    upload(admin, ("exacto.json", data))
    drain(app, db)
    url = _detail_url(admin, admin.get("/reception/documents?status=rejected").text)
    original = admin.get(url + "/original")
    assert original.status_code == 200 and original.content == data
    assert original.headers["content-type"].startswith("application/json")
    assert 'filename="exacto.json"' in original.headers["content-disposition"]


def test_the_csv_download_has_the_search_rows(admin: Browser, received: dict[str, str]) -> None:
    page = admin.get("/reception/documents?status=accepted")
    assert 'href="/reception/documents.csv?status=accepted"' in page.text
    download = admin.get("/reception/documents.csv?status=accepted")
    assert download.status_code == 200 and download.headers["content-type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert sorted(r["number"] for r in table) == ["1", "2"]
    assert {r["total"] for r in table} == {"67.200000"} or {r["total"] for r in table} == {"67.20"}
    assert {r["status"] for r in table} == {"accepted"}


def test_the_dashboard_figures(admin: Browser, app: FastAPI, db: RollbackDatabase) -> None:
    credit = invoice(
        1,
        series="NC",
        issue_date=DAY,
        document_type="credit_note",
        reference={"series": "A", "number": 1},
        lines=[
            {"description": "Devolución", "quantity": "1", "unit_price": "11.20", "tax_rate": "12", "total": "11.20"}
        ],
        tax_total="1.20",
        total="11.20",
    )
    documents = [
        ("a.json", as_bytes(invoice(1, issue_date=DAY))),
        ("b.json", as_bytes(invoice(2, issue_date=DAY))),
        ("c.json", as_bytes(invoice(3, issue_date=DAY, issuer_nit=OTHER_NIT))),
        ("d.json", as_bytes(invoice(4, issue_date=DAY, total=BAD_TOTAL))),
        ("e.json", as_bytes(credit)),
    ]
    upload(admin, ("lote.zip", a_zip(*documents)))
    drain(app, db)
    page = admin.get("/reception/dashboard")
    assert page.status_code == 200
    text = page.text
    accepted = re.search(r'id="stat-accepted">.*?class="value">(\d+)<', text, re.S)
    rejected = re.search(r'id="stat-rejected">.*?class="value">(\d+)<', text, re.S)
    assert accepted is not None and rejected is not None
    assert (accepted.group(1), rejected.group(1)) == ("4", "1")
    top_amount = text.split('id="top-amount"')[1].split("</section>")[0]
    # 4567123-0: 67.20 + 67.20 - 11.20 = 123.20; 7719300-8: 67.20.
    assert re.findall(r"<td>(\d+)</td><td class=\"num\">(\d+)</td><td class=\"num\">(Q[\d,.]+)</td>", top_amount) == [
        ("45671230", "3", "Q123.20"),
        ("77193008", "1", "Q67.20"),
    ]
    top_count = text.split('id="top-count"')[1].split("</section>")[0]
    assert re.findall(r"<td>(\d+)</td><td class=\"num\">(\d+)</td>", top_count) == [
        ("45671230", "3"),
        ("77193008", "1"),
    ]
    rules = text.split('id="top-rules"')[1].split("</section>")[0]
    assert re.findall(r"<code>([^<]+)</code></td><td class=\"num\">(\d+)<", rules)[0][1] == "1"
    tax = text.split('id="tax-by-month"')[1].split("</section>")[0]
    assert f'<td>{TODAY:%m/%Y}</td><td>GTQ</td><td class="num">Q20.40</td>' in tax  # 3 × 7.20 − 1.20
    assert 'href="/reception/documents/' not in text and "a.json" not in text  # never a document
    assert "<svg" in top_amount
    # Both issuers are called "Ferretería El Martillo": the bars carry their NITs to tell them apart.
    amount_chart = top_amount.split("<svg")[1].split("</svg>")[0]
    assert "45671230 Ferretería El Martillo: Q123.20" in amount_chart and "77193008 Ferretería" in amount_chart
    count_chart = top_count.split("<svg")[1].split("</svg>")[0]
    assert re.findall(r'class="chart-value">([^<]+)<', count_chart) == ["3", "1"]  # counts, never Q
    by_day = text.split('id="by-day"')[1].split("</section>")[0]
    assert f"<title>{TODAY:%d}: 5</title>" in by_day  # five documents issued today
    admin.post("/language", {"language": "en", "next": "/reception/dashboard"})
    assert "Top issuers by amount" in admin.get("/reception/dashboard").text


def test_who_may_open_what(browser: Browser, app: FastAPI, db: RollbackDatabase, organisation: None) -> None:
    with db.unit_of_work() as session:
        customer_id = make_customer(session).id
    make_user(db, "cliente-rcp@web.test", Role.CUSTOMER, customer_id)
    assert browser.login("cliente-rcp@web.test").status_code == 303
    customer = browser
    for url in ("/reception/upload", "/reception/documents", "/reception/dashboard", "/reception"):
        assert customer.get(url).status_code == 403, url
    auditor = sign_in_as(browser, db, Role.AUDITOR)
    assert auditor.get("/reception/documents").status_code == 200
    assert auditor.get("/reception/dashboard").status_code == 200
    assert auditor.get("/reception/upload").status_code == 403
    assert upload(auditor, ("a.json", as_bytes(invoice(1)))).status_code == 403  # type: ignore[attr-defined]
    assert auditor.get("/reception").headers["location"] == "/reception/documents"


def test_an_analyst_sees_the_dashboard_only(
    browser: Browser, app: FastAPI, db: RollbackDatabase, organisation: None
) -> None:
    analyst = sign_in_as(browser, db, Role.ANALYST)
    assert analyst.get("/reception/dashboard").status_code == 200
    for url in (
        "/reception/documents",
        "/reception/documents.csv",
        "/reception/documents/1",
        "/reception/documents/1/original",
        "/reception/upload",
        "/reception/submissions/1",
    ):
        assert analyst.get(url).status_code == 403, url
    assert upload(analyst, ("a.json", as_bytes(invoice(1)))).status_code == 403  # type: ignore[attr-defined]
    assert analyst.get("/reception").headers["location"] == "/reception/dashboard"
