"""The batch of the issue: a zip of 10,000 mixed documents (FEL, UBL, JSON, broken ones, repeats,
reused numbers) through the API. Every document ends accepted or rejected with its reason, the
counts add up, originals come back byte for byte, and the same zip again creates nothing."""

from __future__ import annotations

import hashlib
import random
from collections import Counter

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.reception import service as reception
from facturo.reception.models import DocumentFinding, ReceivedDocument
from tests.conftest import RollbackDatabase
from tests.reception.mixed import mixed_documents, zip_bytes

URL = "/api/v1/reception/documents"
COUNT = 10_000


def test_a_zip_of_ten_thousand_mixed_documents(client: TestClient, app: FastAPI, db: RollbackDatabase) -> None:
    documents = mixed_documents(COUNT)
    assert {d.kind for d in documents} >= {
        "json",
        "fel",
        "ubl",
        "json-bad",
        "truncated",
        "junk",
        "same-bytes",
        "same-number",
    }
    bundle = zip_bytes(documents)
    answer = client.post(URL, content=bundle, headers={"Content-Type": "application/zip"})
    assert answer.status_code == 202, answer.text
    receipt = answer.json()
    assert len(receipt["documents"]) == COUNT and receipt["refused"] == []
    assert [d["file"] for d in receipt["documents"]] == [d.name for d in documents]
    assert [d["duplicate"] for d in receipt["documents"]] == [d.expected == "duplicate" for d in documents]
    unique = sum(1 for d in documents if d.expected != "duplicate")
    assert receipt["new_count"] == unique

    reception.drain(db, app.state.reception_archive, "batch-worker")

    progress = client.get(f"/api/v1/reception/submissions/{receipt['submission_id']}").json()
    expected = Counter(d.expected for d in documents if d.expected != "duplicate")
    assert (progress["received"], progress["accepted"], progress["rejected"]) == (
        0,
        expected["accepted"],
        expected["rejected"],
    )
    assert progress["accepted"] + progress["rejected"] + progress["duplicate_count"] == COUNT

    with db.unit_of_work(write=False) as session:
        statuses = reception.statuses(session, [d["id"] for d in receipt["documents"]])
        rules = {
            document_id: rule
            for document_id, rule in session.execute(select(DocumentFinding.document_id, DocumentFinding.rule))
        }
        stored = session.scalar(select(func.count()).select_from(ReceivedDocument))
    assert stored == unique
    for item, document in zip(receipt["documents"], documents, strict=True):
        if document.expected == "duplicate":
            continue
        assert statuses[item["id"]] == document.expected, document.name
        if document.rule is not None:
            assert rules.get(item["id"]) == document.rule, document.name

    # Originals byte for byte: a sample through the API, every hash through verify-archive.
    for index in random.Random(13).sample(range(COUNT), 60):
        item, document = receipt["documents"][index], documents[index]
        original = client.get(f"{URL}/{item['id']}/original")
        assert original.status_code == 200 and original.content == document.data, document.name
        assert original.headers["x-content-sha256"] == hashlib.sha256(document.data).hexdigest()
    with db.unit_of_work(write=False) as session:
        report = reception.verify_archive(session, app.state.reception_archive)
    assert (report.checked, report.problems) == (unique, [])

    again = client.post(URL, content=bundle, headers={"Content-Type": "application/zip"}).json()
    assert again["new_count"] == 0 and all(d["duplicate"] for d in again["documents"])
    assert [d["id"] for d in again["documents"]] == [d["id"] for d in receipt["documents"]]
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(ReceivedDocument)) == unique
