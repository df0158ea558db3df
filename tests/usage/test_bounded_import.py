"""Large and hostile messages stay bounded: the reply is a summary with exact counts, the full
per-line report is stored and downloadable, a file refused midway writes nothing, and other
writers are not kept waiting while a message is read and checked (docs/usage.md, "Large files")."""

from __future__ import annotations

import csv
import io
import json
import threading
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.kit.db import Database
from facturo.usage import importing
from facturo.usage.billing import run_billing
from facturo.usage.import_report import KEPT_PROBLEMS
from facturo.usage.importing import import_message
from facturo.usage.models import BilledPeriod, Consumption, Message, MessageProblem
from tests.api.helpers import ok, setup_org
from tests.cli.test_cli import cli_env, flat
from tests.conftest import RollbackDatabase
from tests.factories import ACTOR, make_issuer
from tests.usage.helpers import NUBE, data_file

XML = {"Content-Type": "application/xml"}
UNKNOWN = 150  # readings of an instance that does not exist: one rejection each
REPEATED = 120  # copies of one good reading: one duplicate each
HYPHENLESS = 130  # NITs written without their hyphen: one warning each, still accepted
YEAR_2023 = (date(2023, 1, 1), date(2023, 12, 31))


def _consumo(nit: str, instance: str, hours: str, moment: str) -> str:
    return (
        f'<consumo nitCliente="{nit}" idInstancia="{instance}">'
        f"<tiempo>{hours}</tiempo><fechaHora>{moment}</fechaHora></consumo>\n"
    )


def _noisy_message() -> str:
    """Over KEPT_PROBLEMS of each kind of problem, each on its own line."""
    body = [_consumo("1204587-K", "NO-EXISTE", "1", f"{day % 28 + 1:02d}/02/2023 10:00") for day in range(UNKNOWN)]
    body += [_consumo("1204587-K", "N-101", "2", "14/02/2023 10:00")] * (REPEATED + 1)
    body += [
        _consumo("1204587K", "N-101", "0.25", f"{minute // 60 + 1:02d}/03/2023 {minute % 24:02d}:{minute % 60:02d}")
        for minute in range(HYPHENLESS)
    ]
    return "<listadoConsumos>\n" + "".join(body) + "</listadoConsumos>\n"


def test_a_noisy_message_answers_a_summary_and_the_full_report_downloads(client: TestClient) -> None:
    setup_org(client)
    ok(client.post("/api/v1/usage/messages", content=data_file(NUBE[0]).read_bytes(), headers=XML))
    reply = client.post("/api/v1/usage/messages", content=_noisy_message(), headers=XML)
    report = ok(reply)
    assert report["counts"]["consumption"] == {
        "created": 1 + HYPHENLESS,
        "updated": 0,
        "unchanged": 0,
        "rejected": UNKNOWN,
    }
    assert report["problem_counts"] == {"duplicates": REPEATED, "warnings": HYPHENLESS, "rejections": UNKNOWN}
    assert [len(report[k]) for k in ("duplicates", "warnings", "rejections")] == [KEPT_PROBLEMS] * 3
    assert report["rejections"][0]["line"] == 2 and report["rejections"][0]["rule"] == "consumption.unknown_instance"
    assert report["duplicates"][0]["message"] == "Consumo idéntico a uno ya registrado (línea 152): se ignora."
    assert len(reply.content) < 150_000  # a summary, whatever the number of problems

    url = report["report_url"]
    assert url == f"/api/v1/usage/messages/{report['message_id']}/problems"
    download = client.get(url)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert f"informe-mensaje-{report['message_id']}.csv" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["tipo", "línea", "registro", "id", "regla", "motivo"]
    assert len(rows) - 1 == UNKNOWN + REPEATED + HYPHENLESS
    assert [int(r[1]) for r in rows[1:]] == sorted(int(r[1]) for r in rows[1:])
    assert rows[1] == [
        "rechazo",
        "2",
        "consumption",
        "NO-EXISTE",
        "consumption.unknown_instance",
        "No existe la instancia «NO-EXISTE».",
    ]

    english = client.get(url, params={"format": "json"}, headers={"Accept-Language": "en"})
    items = english.json()
    assert len(items) == UNKNOWN + REPEATED + HYPHENLESS
    assert {i["kind"] for i in items} == {"duplicate", "warning", "rejection"}
    assert items[-1]["rule"] == "nit.no_hyphen" and items[-1]["message_en"]

    missing = client.get("/api/v1/usage/messages/999999/problems")
    assert missing.status_code == 404 and "999999" in missing.json()["error"]["message"]


def test_a_message_refused_midway_writes_nothing(client: TestClient, db: RollbackDatabase) -> None:
    setup_org(client)
    config = ok(client.post("/api/v1/usage/messages", content=data_file(NUBE[0]).read_bytes(), headers=XML))
    kept = sum(config["problem_counts"].values())
    good = "".join(_consumo("1204587-K", "N-101", "1", f"{d:02d}/02/2023 10:00") for d in range(1, 21))
    broken = f"<listadoConsumos>\n{good}<consumo nitCliente='1204587-K'><tiempo>1</consumo>\n</listadoConsumos>"
    refused = client.post("/api/v1/usage/messages", content=broken, headers=XML | {"Accept-Language": "en"})
    assert refused.status_code == 422
    assert "Malformed XML at line 22" in refused.json()["error"]["message"]
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Consumption)) == 0
        assert session.scalar(select(func.count()).select_from(Message)) == 1  # the configuration only
        assert session.scalar(select(func.count()).select_from(MessageProblem)) == kept


def test_a_message_over_the_size_cap_is_refused_while_it_streams(
    monkeypatch: pytest.MonkeyPatch, client: TestClient
) -> None:
    from facturo.usage.ipc2 import messages

    setup_org(client)
    monkeypatch.setattr(messages, "MAX_MESSAGE_BYTES", 4096)
    many = "<listadoConsumos>" + _consumo("1204587-K", "N-101", "1", "01/02/2023 10:00") * 200 + "</listadoConsumos>"
    refused = client.post("/api/v1/usage/messages", content=many, headers=XML | {"Accept-Language": "en"})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "The file exceeds the maximum size of 4 KB."


def test_other_writers_go_on_while_a_message_is_checked(
    fresh_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A billing run commits while a message is being checked (it would wait for the whole import if
    the check held the write lock); the readings it closed meanwhile are refused at the write."""
    with fresh_database.unit_of_work() as session:
        make_issuer(session)
        for name in NUBE:
            import_message(session, ACTOR, data_file(name).read_bytes(), filename=name)
    check = importing.check_consumptions
    billed: list[int] = []

    def check_then_bill(*args: object, **kwargs: object) -> object:
        checked = check(*args, **kwargs)  # type: ignore[arg-type]

        def bill() -> None:
            with fresh_database.unit_of_work() as session:
                billed.append(len(run_billing(session, ACTOR, *YEAR_2023, dry_run=False).invoices))

        worker = threading.Thread(target=bill)
        worker.start()
        worker.join(timeout=10)
        assert not worker.is_alive(), "the billing run waited for the import's check"
        return checked

    monkeypatch.setattr(importing, "check_consumptions", check_then_bill)
    late = (
        "<listadoConsumos>"
        + _consumo("1204587-K", "N-101", "3", "15/02/2023 10:00")  # in 2023: billed while being checked
        + _consumo("1204587-K", "N-101", "4", "15/02/2024 10:00")  # in 2024: still open
        + "</listadoConsumos>"
    )
    report = import_message(fresh_database, ACTOR, late, filename="late.xml")

    assert billed == [3]
    assert report.counts["consumption"] == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert [(p.line, p.note.rule) for p in report.rejections] == [(1, "consumption.period_billed")]
    with fresh_database.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Consumption)) == 11
        assert session.scalar(select(func.count()).select_from(BilledPeriod)) == 5


def test_the_cli_prints_a_summary_and_writes_the_full_report(tmp_path: Path) -> None:
    noisy = tmp_path / "ruidoso.xml"
    noisy.write_text(_noisy_message(), encoding="utf-8")
    with cli_env(tmp_path) as run:
        from facturo.surface.console.context import unit_of_work

        with unit_of_work() as session:
            make_issuer(session)
        assert run("usage", "import", str(data_file(NUBE[0]))).exit_code == 0
        shown = run("usage", "import", str(noisy))
        assert shown.exit_code == 0, shown.output
        text = flat(shown.output)
        assert f"Rechazos: {UNKNOWN} (las primeras 20)" in text
        assert "Informe completo: facturo usage problems 2 --output informe.csv" in text

        target = tmp_path / "informe.json"
        written = run("usage", "problems", "2", "--format", "json", "--output", str(target))
        assert written.exit_code == 0, written.output
        assert len(json.loads(target.read_text(encoding="utf-8"))) == UNKNOWN + REPEATED + HYPHENLESS
        unknown = run("usage", "problems", "99")
        assert unknown.exit_code == 3 and "No existe el mensaje 99." in flat(unknown.output)
