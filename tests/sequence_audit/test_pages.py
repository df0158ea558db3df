"""The sequence-audit pages over the planted story (scenario.py): the dashboard's figures, the gap
list with its filters and its CSV link, bad filters answered on the form, and who sees what."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI

from facturo.auth import service as auth
from facturo.kit import clock
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from facturo.reception import audit_feed
from facturo.sequence_audit import service as audit
from tests.conftest import RollbackDatabase
from tests.factories import make_customer
from tests.sequence_audit import scenario
from tests.sequence_audit.sequences import TENANT_A, TENANT_B, TENANT_C, accept, json_invoice, sync_on
from tests.web.conftest import PASSWORD, Browser, browser, make_user, organisation

# The web tests' browser and organisation fixtures, used here as they are.
__all__ = ["browser", "organisation"]

TODAY = clock.today("America/Guatemala")
EVER = {"from": "2020-01-01", "to": TODAY.isoformat()}
_ROW = re.compile(r'<tr data-status="(open|closed)" data-issuer="([^"]+)">(.*?)</tr>', re.S)
_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def story(app: FastAPI, db: RollbackDatabase, organisation: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # The app registered the workers' hook; the story audits each upload on its own day instead.
    assert audit.sync in audit_feed.batch_hooks()
    monkeypatch.setattr(audit_feed, "_after_batch", [])
    scenario.play(db, app.state.reception_archive)


def signed_in(
    browser: Browser, db: RollbackDatabase, role: Role, issuer_nits: tuple[str, ...] | None = None
) -> Browser:
    browser.client.cookies.clear()
    email = f"{role.value}-auditoria@web.test"
    if issuer_nits is None:
        make_user(db, email, role)
    else:
        with db.unit_of_work() as session:
            auth.create_user(session, SYSTEM, email, "Inquilino", PASSWORD, role, issuer_nits=issuer_nits)
    assert browser.login(email).status_code == 303
    return browser


def rows(html: str) -> list[tuple[str, str, list[str]]]:
    """(status, issuer, the cells' text) of each gap row of the list."""
    return [
        (status, issuer, [" ".join(_TAG.sub(" ", cell).split()) for cell in _CELL.findall(body)])
        for status, issuer, body in _ROW.findall(html)
    ]


def stat(html: str, name: str) -> str:
    found = re.search(rf'id="stat-{name}"><div class="label">[^<]*</div><div class="value">([^<]*)</div>', html)
    assert found, name
    return found.group(1).strip()


def href(html: str, element_id: str) -> dict[str, list[str]]:
    found = re.search(rf'id="{element_id}" href="([^"]*)"', html)
    assert found, element_id
    url = found.group(1).replace("&amp;", "&")
    assert urlsplit(url).path == "/audit/gaps.csv"
    return parse_qs(urlsplit(url).query)


def test_the_dashboard_figures(story: None, browser: Browser, db: RollbackDatabase) -> None:
    page = signed_in(browser, db, Role.AUDITOR).get("/audit/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "Tablero de auditoría" in html and "Auditoría de correlativos" in html  # the page and its menu entry
    # Open now: credit note 3, invoices 8 and 10 of A, 103 of C, the FEL DTE 2; B's jump is a restart.
    assert (stat(html, "missing"), stat(html, "open"), stat(html, "restarts")) == ("5", "5", "1")
    # Ten numbers were found missing (B's restart aside); 5, 9 and 22..24 arrived later: half.
    assert stat(html, "late") == "50 %"
    assert "5 de los 10 números que faltaron llegaron después." in html
    assert stat(html, "not-auditable") == "1"  # the FEL issuer without correlatives
    top = re.search(r'id="top-issuers".*?<tbody>(.*?)</tbody>', html, re.S)
    assert top is not None
    listed = [(nit, int(n)) for nit, n in re.findall(r"<tr><td><a [^>]*>([^<]+)</a></td><td[^>]*>([^<]+)</td>", top[1])]
    assert listed == sorted([(TENANT_A, 3), (TENANT_C, 1), (scenario.FEL_ISSUER, 1)], key=lambda t: (-t[1], t[0]))
    assert TENANT_B not in top[1]
    assert html.count('class="chart"') == 2  # open gaps per month, top issuers
    # March 2026: six gaps found (restart aside), three pieces closed late, five open at its end.
    march = re.search(r"<tr><td>03/2026</td>(.*?)</tr>", html)
    assert march is not None
    assert [int(n) for n in re.findall(r'class="num">([^<]+)<', march[1])] == [5, 5, 6, 3]
    assert "<tr><td>02/2026</td>" not in html  # nothing in February: left out of the table


def test_the_dashboard_in_english(story: None, browser: Browser, db: RollbackDatabase) -> None:
    viewer = signed_in(browser, db, Role.ANALYST)
    viewer.client.cookies.set("facturo_lang", "en")
    html = viewer.get("/audit/dashboard").text
    assert "Audit dashboard" in html and "Late-closure rate" in html and "Top issuers by missing numbers" in html
    # An analyst reads no gap one by one: the top issuers are not links to the list.
    assert "/audit/gaps?" not in html


def test_the_list_of_a_range_and_an_issuer_with_its_csv_link(
    story: None, browser: Browser, db: RollbackDatabase
) -> None:
    auditor = signed_in(browser, db, Role.AUDITOR)
    page = auditor.get("/audit/gaps", params={**EVER, "issuer_nit": TENANT_A})
    assert page.status_code == 200
    shown = rows(page.text)
    assert [(status, cells[1], cells[2], cells[3], cells[4]) for status, _nit, cells in shown] == [
        ("open", "Nota de crédito Serie A", "3", "3", "1"),
        ("closed", "Factura Serie A", "5", "5", "1"),
        ("open", "Factura Serie A", "8", "8", "1"),
        ("closed", "Factura Serie A", "9", "9", "1"),
        ("open", "Factura Serie A", "10", "10", "1"),
        ("closed", "Factura Serie A", "22", "24", "3"),
    ]
    assert {nit for _status, nit, _cells in shown} == {TENANT_A}
    eight = shown[2][2]
    assert eight[5] == "Abierto" and eight[6] == "7 31/01/2026" and eight[7] == "9 31/01/2026"
    assert eight[8] == "02/03/2026"  # detected by the first run
    late = shown[5][2]
    assert late[5] == "Cerrado 06/03/2026 · por el número 22"
    assert late[6] == "21 01/03/2026" and late[7] == "25 01/03/2026" and late[8] == "04/03/2026"
    assert "Saltos: 6" in page.text and "Algunos filtros no se entendieron" not in page.text
    assert href(page.text, "csv-gaps") == {"issuer_nit": [TENANT_A], **{k: [v] for k, v in EVER.items()}}
    assert href(page.text, "csv-numbers") == {
        "issuer_nit": [TENANT_A],
        "expand": ["1"],
        **{k: [v] for k, v in EVER.items()},
    }
    # The link gives the same gaps.
    csv_link = re.search(r'id="csv-gaps" href="([^"]*)"', page.text)
    assert csv_link is not None
    download = auditor.get(csv_link[1].replace("&amp;", "&"))
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert [(r["first"], r["last"], r["status"]) for r in table] == [
        ("3", "3", "open"),
        ("5", "5", "closed"),
        ("8", "8", "open"),
        ("9", "9", "closed"),
        ("10", "10", "open"),
        ("22", "24", "closed"),
    ]


def test_the_status_filter_the_day_and_the_restart(story: None, browser: Browser, db: RollbackDatabase) -> None:
    auditor = signed_in(browser, db, Role.AUDITOR)
    opened = auditor.get("/audit/gaps", params={**EVER, "status": "open"})
    assert [(nit, cells[2]) for _s, nit, cells in rows(opened.text)] == [
        (TENANT_A, "3"),
        (TENANT_A, "8"),
        (TENANT_A, "10"),
        (TENANT_B, "4"),
        (TENANT_C, "103"),
        (scenario.FEL_ISSUER, "2"),
    ]
    assert "status=open" in re.search(r'id="csv-gaps" href="([^"]*)"', opened.text)[1]  # type: ignore[index]
    numbers = auditor.get("/audit/gaps.csv", params={**EVER, "status": "closed", "expand": "1"})
    expanded = list(csv.DictReader(io.StringIO(numbers.content.decode("utf-8-sig"))))
    assert [r["number"] for r in expanded] == ["5", "9", "22", "23", "24"]
    day = auditor.get("/audit/gaps", params={"day": scenario.RUN_2.isoformat()})
    found = rows(day.text)
    assert [(nit, cells[2], cells[3]) for _s, nit, cells in found] == [
        (TENANT_A, "22", "24"),
        (TENANT_B, "4", "20004"),
        (TENANT_C, "103", "103"),
    ]
    assert "Posible reinicio" in found[1][2][5]
    assert "Saltos detectados por primera vez el 04/03/2026." in day.text


def test_without_filters_yesterday_and_an_empty_answer(story: None, browser: Browser, db: RollbackDatabase) -> None:
    page = signed_in(browser, db, Role.AUDITOR).get("/audit/gaps")
    assert page.status_code == 200
    yesterday = TODAY - timedelta(days=1)
    assert f"Saltos detectados por primera vez el {yesterday:%d/%m/%Y}." in page.text
    assert "Ningún salto coincide con estos filtros." in page.text and rows(page.text) == []


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"day": "31/02/2026"}, "day", "Escriba una fecha válida."),
        ({"from": "ayer", "to": "2026-03-10"}, "from", "Escriba una fecha válida."),
        ({"status": "pendiente"}, "status", "Elija una de las opciones."),
        ({"issuer_nit": "12'; DROP"}, "issuer_nit", "Un NIT lleva solo dígitos, letras y guiones"),
        ({"day": "2026-03-02", **EVER}, "day", "Indique un día o un rango, no ambos."),
        ({"from": "2026-03-02"}, "from", "Un rango necesita inicio y fin."),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "to", "El rango es inválido"),
    ],
)
def test_bad_filters_are_answered_on_the_form(
    story: None, browser: Browser, db: RollbackDatabase, params: dict[str, str], field: str, message: str
) -> None:
    auditor = signed_in(browser, db, Role.AUDITOR)
    page = auditor.get("/audit/gaps", params=params)
    assert page.status_code == 422
    error = re.search(rf'<span class="field-error" id="e-{field}">([^<]*)</span>', page.text)
    assert error is not None and message in error.group(1).replace("&#39;", "'")
    assert "Corrija los filtros para ver los saltos." in page.text and rows(page.text) == []
    assert 'id="csv-gaps"' not in page.text  # no link to a CSV of filters that mean nothing
    download = auditor.get("/audit/gaps.csv", params=params)
    assert download.status_code == 422 and "text/html" in download.headers["content-type"]


def test_who_sees_what(story: None, browser: Browser, db: RollbackDatabase) -> None:
    analyst = signed_in(browser, db, Role.ANALYST)
    assert analyst.get("/audit/dashboard").status_code == 200
    for url in ("/audit/gaps", "/audit/gaps.csv"):
        assert analyst.get(url, params=EVER).status_code == 403, url
    assert analyst.get("/audit").headers["location"] == "/audit/dashboard"

    tenant = signed_in(browser, db, Role.ISSUER, (TENANT_C,))
    assert tenant.get("/audit").headers["location"] == "/audit/gaps"
    assert tenant.get("/audit/dashboard").status_code == 403
    mine = tenant.get("/audit/gaps", params=EVER)
    assert [(nit, cells[2]) for _s, nit, cells in rows(mine.text)] == [(TENANT_C, "103")]
    # Asking for another tenant's gaps shows nothing of it, on the page and in the CSV.
    other = tenant.get("/audit/gaps", params={**EVER, "issuer_nit": TENANT_A})
    assert other.status_code == 200 and rows(other.text) == []
    lines = tenant.get("/audit/gaps.csv", params=EVER).content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and TENANT_C in lines[1]
    assert (
        tenant.get("/audit/gaps.csv", params={**EVER, "issuer_nit": TENANT_A})
        .content.decode("utf-8-sig")
        .splitlines()[1:]
        == []
    )

    with db.unit_of_work() as session:
        customer_id = make_customer(session).id
    browser.client.cookies.clear()
    make_user(db, "cliente-auditoria@web.test", Role.CUSTOMER, customer_id)
    assert browser.login("cliente-auditoria@web.test").status_code == 303
    for url in ("/audit", "/audit/dashboard", "/audit/gaps", "/audit/gaps.csv"):
        assert browser.get(url).status_code == 403, url
    assert "Auditoría de correlativos" not in browser.get("/portal").text


def test_pages_of_fifty(
    app: FastAPI, db: RollbackDatabase, organisation: None, browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An issuer missing every other number of 1..121: sixty gaps, two pages."""
    monkeypatch.setattr(audit_feed, "_after_batch", [])

    accept(
        db,
        app.state.reception_archive,
        [json_invoice(n, issuer=TENANT_A, day=scenario.MAR_1) for n in range(1, 122, 2)],
    )
    sync_on(db, scenario.RUN_1)
    auditor = signed_in(browser, db, Role.AUDITOR)
    first = auditor.get("/audit/gaps", params={"day": scenario.RUN_1.isoformat()})
    assert len(rows(first.text)) == 50 and "Página 1 de 2" in first.text
    second = auditor.get("/audit/gaps", params={"day": scenario.RUN_1.isoformat(), "page": "2"})
    assert [cells[2] for _s, _nit, cells in rows(second.text)] == [str(n) for n in range(102, 121, 2)]
    assert 'href="/audit/gaps?page=1&amp;day=2026-03-02"' in second.text


def test_the_list_and_its_messages_in_english(story: None, browser: Browser, db: RollbackDatabase) -> None:
    auditor = signed_in(browser, db, Role.AUDITOR)
    auditor.client.cookies.set("facturo_lang", "en")
    listed = auditor.get("/audit/gaps", params={**EVER, "issuer_nit": TENANT_C})
    assert "Numbering gaps" in listed.text and "Gaps: 1" in listed.text
    assert [(status, cells[1], cells[2]) for status, _nit, cells in rows(listed.text)] == [
        ("open", "Invoice Series A", "103")
    ]
    both = auditor.get("/audit/gaps", params={"day": "2026-03-02", **EVER})
    assert both.status_code == 422 and "Give a day or a range, not both." in both.text
    bad = auditor.get("/audit/gaps", params={"day": "mañana"})
    assert bad.status_code == 422 and "Enter a valid date." in bad.text
