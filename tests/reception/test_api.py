"""Reception over HTTP: hand documents in (raw, multipart, zip), follow the submission, search,
read findings, download originals byte for byte, export CSV, summarise an issuer."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from facturo.reception import service as reception
from tests.conftest import RollbackDatabase
from tests.reception.documents import OTHER_NIT, as_bytes, invoice

URL = "/api/v1/reception/documents"


def work(app: FastAPI, db: RollbackDatabase) -> None:
    reception.drain(db, app.state.reception_archive, "test-worker")


def test_a_raw_document_is_received_then_accepted(client: TestClient, app: FastAPI, db: RollbackDatabase) -> None:
    data = as_bytes(invoice(9))
    answer = client.post(URL, content=data, headers={"Content-Type": "application/json", "X-File-Name": "f9.json"})
    assert answer.status_code == 202, answer.text
    receipt = answer.json()
    (document,) = receipt["documents"]
    assert (document["file"], document["status"], document["duplicate"]) == ("f9.json", "received", False)
    assert document["sha256"] == hashlib.sha256(data).hexdigest()

    progress = client.get(f"/api/v1/reception/submissions/{receipt['submission_id']}").json()
    assert (progress["received"], progress["done"]) == (1, False)
    work(app, db)
    progress = client.get(f"/api/v1/reception/submissions/{receipt['submission_id']}").json()
    assert (progress["accepted"], progress["rejected"], progress["done"]) == (1, 0, True)

    detail = client.get(f"{URL}/{document['id']}").json()
    assert (detail["status"], detail["issuer_nit"], detail["number"], detail["total"]) == (
        "accepted",
        "45671230",
        "9",
        "67.20",
    )
    assert detail["findings"] == []
    original = client.get(f"{URL}/{document['id']}/original")
    assert original.status_code == 200 and original.content == data
    assert original.headers["x-content-sha256"] == document["sha256"]
    assert original.headers["content-type"].startswith("application/json")


def test_an_original_that_is_not_json_is_not_labelled_json(
    client: TestClient, app: FastAPI, db: RollbackDatabase
) -> None:
    """Bytes that look like JSON but do not parse are stored and rejected; their download is the
    exact bytes as application/octet-stream, not a JSON response that is no JSON."""
    answer = client.post(URL, content=b"[", headers={"Content-Type": "application/json"})
    assert answer.status_code == 202, answer.text
    (document,) = answer.json()["documents"]
    work(app, db)
    assert client.get(f"{URL}/{document['id']}").json()["status"] == "rejected"
    original = client.get(f"{URL}/{document['id']}/original")
    assert original.status_code == 200 and original.content == b"["
    assert original.headers["content-type"] == "application/octet-stream"


def test_a_zip_and_a_multipart_upload_report_every_document(
    client: TestClient, app: FastAPI, db: RollbackDatabase
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.json", as_bytes(invoice(1)))
        archive.writestr("b.json", as_bytes(invoice(2, total="9.99")))
        archive.writestr("../evil.json", as_bytes(invoice(3)))
    answer = client.post(URL, content=buffer.getvalue(), headers={"Content-Type": "application/zip"})
    assert answer.status_code == 202, answer.text
    receipt = answer.json()
    assert [d["file"] for d in receipt["documents"]] == ["a.json", "b.json"]
    assert [r["name"] for r in receipt["refused"]] == ["../evil.json"]

    multipart = client.post(
        URL,
        files=[
            ("files", ("c.json", as_bytes(invoice(4)), "application/json")),
            ("files", ("a-again.json", as_bytes(invoice(1)), "application/json")),
        ],
    ).json()
    assert [(d["file"], d["duplicate"]) for d in multipart["documents"]] == [("c.json", False), ("a-again.json", True)]
    assert multipart["new_count"] == 1
    work(app, db)

    rejected = client.get(URL, params={"status": "rejected"}).json()
    assert rejected["total"] == 1 and rejected["items"][0]["number"] == "2"
    by_rule = client.get(URL, params={"rule": "JSON-TOTAL"}).json()
    assert [d["number"] for d in by_rule["items"]] == ["2"]
    ranged = client.get(URL, params={"total_min": "50", "total_max": "70", "issuer_nit": "4567123-0"}).json()
    assert sorted(d["number"] for d in ranged["items"]) == ["1", "4"]
    finding = client.get(f"{URL}/{rejected['items'][0]['id']}").json()["findings"][0]
    assert (finding["rule"], finding["severity"], finding["location"]) == ("JSON-TOTAL", "error", "/total")

    exported = client.get("/api/v1/reception/documents.csv", params={"status": "accepted"})
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert sorted(r["number"] for r in rows) == ["1", "4"]


def test_pages_of_the_search_follow_the_cursor(client: TestClient, app: FastAPI, db: RollbackDatabase) -> None:
    for n in range(1, 8):
        client.post(
            URL, content=as_bytes(invoice(n, issue_date=f"2026-11-0{n}")), headers={"Content-Type": "application/json"}
        )
    work(app, db)
    first = client.get(URL, params={"limit": 3}).json()
    assert first["total"] == 7 and [d["number"] for d in first["items"]] == ["7", "6", "5"]
    second = client.get(URL, params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [d["number"] for d in second["items"]] == ["4", "3", "2"]
    ranged = client.get(URL, params={"from": "2026-11-02", "to": "2026-11-03"}).json()
    assert [d["number"] for d in ranged["items"]] == ["3", "2"]
    bad = client.get(URL, params={"cursor": "bm9wZQ"})
    assert bad.status_code == 422


def test_the_issuer_summary_nets_credit_notes(client: TestClient, app: FastAPI, db: RollbackDatabase) -> None:
    credit = invoice(
        1,
        series="NC",
        document_type="credit_note",
        reference={"series": "A", "number": 1},
        lines=[
            {"description": "Devolución", "quantity": "1", "unit_price": "11.20", "tax_rate": "12", "total": "11.20"}
        ],
        tax_total="1.20",
        total="11.20",
    )
    for document in (invoice(1), invoice(2), credit, invoice(1, issuer_nit=OTHER_NIT)):
        client.post(URL, content=as_bytes(document), headers={"Content-Type": "application/json"})
    work(app, db)
    summary = client.get(
        "/api/v1/reception/issuers/4567123-0/summary", params={"from": "2026-11-01", "to": "2026-11-30"}
    )
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert {(c["document_type"], c["status"], c["count"]) for c in body["counts"]} == {
        ("invoice", "accepted", 2),
        ("credit_note", "accepted", 1),
    }
    (totals,) = body["totals"]
    assert Decimal(totals["total"]) == Decimal("67.20") * 2 - Decimal("11.20")
    assert Decimal(totals["tax_total"]) == Decimal("7.20") * 2 - Decimal("1.20")
    assert Decimal(totals["credit_note_total"]) == Decimal("11.20")
    assert totals["documents"] == 3


def test_bad_requests_get_clear_errors(client: TestClient) -> None:
    empty = client.post(URL, content=b"", headers={"Content-Type": "application/json"})
    assert empty.status_code == 422 and empty.json()["error"]["details"][0]["rule"] == "reception.empty"
    broken_zip = client.post(URL, content=b"PK\x03\x04garbage", headers={"Content-Type": "application/zip"})
    assert broken_zip.status_code == 422
    assert client.get(f"{URL}/999999").status_code == 404
    backwards = client.get(
        "/api/v1/reception/issuers/4567123-0/summary", params={"from": "2026-12-01", "to": "2026-11-01"}
    )
    assert backwards.status_code == 422


def test_the_json_schema_is_published(anonymous_client: TestClient) -> None:
    schema = anonymous_client.get("/api/v1/reception/schemas/facturo.invoice-1.json")
    assert schema.status_code == 200 and schema.json()["properties"]["format"]["const"] == "facturo.invoice/1"
