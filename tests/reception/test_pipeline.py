"""Submission -> archive -> worker -> accepted/rejected: nothing lost, nothing counted twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.db import Units
from facturo.organisation.models import Issuer
from facturo.reception import service as reception
from facturo.reception.models import DocumentFinding, ReceivedDocument
from facturo.reception.processing import LEASE, claim
from tests.conftest import RollbackDatabase
from tests.reception.documents import OTHER_NIT, as_bytes, invoice

ACTOR = Actor("user", "1", "recepcion@facturo.test")


@pytest.fixture
def archive(tmp_path: Path) -> reception.Archive:
    return reception.Archive(tmp_path / "archive")


def submit(db: Units, archive: reception.Archive, *files: tuple[str, bytes], **options: object) -> reception.Receipt:
    with db.unit_of_work() as session:
        return reception.submit(
            session,
            archive,
            [reception.IncomingFile(name, data) for name, data in files],
            actor=ACTOR,
            channel="api",
            **options,  # type: ignore[arg-type]
        )


def statuses(db: RollbackDatabase, receipt: reception.Receipt) -> list[str]:
    with db.unit_of_work(write=False) as session:
        return [reception.document(session, d.id).status for d in receipt.documents]


def test_a_submission_is_archived_received_then_accepted_with_its_index(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    data = as_bytes(invoice(41))
    receipt = submit(db, archive, ("a.json", data))
    assert [(d.file, d.status, d.duplicate) for d in receipt.documents] == [("a.json", "received", False)]
    assert archive.read(receipt.documents[0].sha256) == data

    result = reception.drain(db, archive, "w1")
    assert (result.processed, result.accepted, result.rejected) == (1, 1, 0)
    with db.unit_of_work(write=False) as session:
        doc = reception.document(session, receipt.documents[0].id)
        assert (doc.status, doc.format, doc.issuer_nit, doc.series, doc.number) == (
            "accepted",
            "json",
            "45671230",
            "A",
            "41",
        )
        assert (doc.total, doc.tax_total, doc.taxable_total) == (Decimal("67.20"), Decimal("7.20"), Decimal("60.00"))
        assert doc.issuer_id is not None
        assert session.get(Issuer, doc.issuer_id).nit == "4567123-0"  # type: ignore[union-attr]
        _, original = reception.original(session, archive, doc.id)
        assert original == data
        progress = reception.submission_progress(session, receipt.submission_id)
        assert progress.done and progress.counts == {"received": 0, "accepted": 1, "rejected": 0}


def test_a_bad_document_is_stored_and_rejected_with_its_findings(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    receipt = submit(db, archive, ("bad.json", as_bytes(invoice(2, total="1.00"))), ("junk.bin", b"\x00\x01binary"))
    reception.drain(db, archive, "w1")
    assert statuses(db, receipt) == ["rejected", "rejected"]
    with db.unit_of_work(write=False) as session:
        bad, junk = (reception.findings_of(session, d.id) for d in receipt.documents)
        assert [f.rule for f in bad] == ["JSON-TOTAL"]
        assert "67.20" in bad[0].message_es and "67.20" in bad[0].message_en
        assert [f.rule for f in junk] == ["FORMAT-UNKNOWN"]
        # Rejected, yet still findable by what could be read.
        assert reception.document(session, receipt.documents[0].id).number == "2"


def test_the_same_bytes_again_create_nothing(db: RollbackDatabase, archive: reception.Archive) -> None:
    data = as_bytes(invoice(3))
    first = submit(db, archive, ("a.json", data), ("again.json", data))
    assert [d.duplicate for d in first.documents] == [False, True]
    reception.drain(db, archive, "w1")
    second = submit(db, archive, ("a.json", data))
    assert second.documents[0].id == first.documents[0].id
    assert (second.documents[0].duplicate, second.documents[0].status) == (True, "accepted")
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(ReceivedDocument)) == 1


def test_another_document_with_a_taken_number_is_rejected_naming_the_first(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    first = submit(db, archive, ("a.json", as_bytes(invoice(7))))
    # Same issuer, series and number, different content (another date): a duplicate number.
    second = submit(db, archive, ("b.json", as_bytes(invoice(7, issue_date="2026-12-01"))))
    reception.drain(db, archive, "w1")
    assert statuses(db, first) + statuses(db, second) == ["accepted", "rejected"]
    with db.unit_of_work(write=False) as session:
        doc = reception.document(session, second.documents[0].id)
        assert doc.duplicate_of_id == first.documents[0].id
        (finding,) = reception.findings_of(session, doc.id)
        assert finding.rule == "DUPLICATE-NUMBER" and str(first.documents[0].id) in finding.message_en


def test_duplicates_inside_one_batch_keep_the_first(db: RollbackDatabase, archive: reception.Archive) -> None:
    receipt = submit(
        db,
        archive,
        ("a.json", as_bytes(invoice(8))),
        ("b.json", as_bytes(invoice(8, issue_date="2026-12-02"))),
        ("c.json", as_bytes(invoice(8, series="B"))),
    )
    reception.drain(db, archive, "w1")
    assert statuses(db, receipt) == ["accepted", "rejected", "accepted"]


def test_a_json_array_becomes_one_document_per_element(db: RollbackDatabase, archive: reception.Archive) -> None:
    one, two = as_bytes(invoice(11)), as_bytes(invoice(12))
    receipt = submit(db, archive, ("lote.json", b"[" + one + b"," + two + b"]"))
    assert [d.file for d in receipt.documents] == ["lote.json#1", "lote.json#2"]
    assert [archive.read(d.sha256) for d in receipt.documents] == [one, two]
    reception.drain(db, archive, "w1")
    assert statuses(db, receipt) == ["accepted", "accepted"]


def test_a_credential_bound_to_issuers_cannot_submit_for_another(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    receipt = submit(
        db,
        archive,
        ("mine.json", as_bytes(invoice(1))),
        ("theirs.json", as_bytes(invoice(1, issuer_nit=OTHER_NIT))),
        allowed_issuer_nits=frozenset({"45671230"}),
    )
    reception.drain(db, archive, "w1")
    assert statuses(db, receipt) == ["accepted", "rejected"]
    with db.unit_of_work(write=False) as session:
        theirs = reception.document(session, receipt.documents[1].id)
        assert theirs.issuer_nit is None and theirs.issuer_id is None
        assert [f.rule for f in reception.findings_of(session, theirs.id)] == ["ACCESS-ISSUER"]


def test_a_worker_that_died_after_claiming_leaves_the_documents_to_the_next(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    receipt = submit(db, archive, ("a.json", as_bytes(invoice(21))), ("b.json", as_bytes(invoice(22))))
    with db.unit_of_work() as session:
        assert len(claim(session, "dead-worker", clock.now())) == 2
    # While the dead worker's lease holds, nobody else takes the documents.
    assert reception.drain(db, archive, "w2").processed == 0
    with clock.frozen(clock.now() + LEASE + timedelta(seconds=1)):
        result = reception.drain(db, archive, "w2")
    assert (result.processed, result.accepted) == (2, 2)
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(DocumentFinding)) == 0
        assert [reception.document(session, d.id).attempts for d in receipt.documents] == [2, 2]


def test_verify_archive_finds_a_missing_and_an_altered_original(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    receipt = submit(db, archive, *[(f"{n}.json", as_bytes(invoice(n))) for n in (31, 32, 33)])
    gone, altered, _ = (d.sha256 for d in receipt.documents)
    archive.path_of(gone).unlink()
    archive.path_of(altered).write_bytes(b"{}")
    with db.unit_of_work(write=False) as session:
        report = reception.verify_archive(session, archive)
    assert report.checked == 3
    assert sorted((p.sha256, p.problem) for p in report.problems) == sorted([(gone, "missing"), (altered, "altered")])


def test_the_first_received_keeps_its_number_whatever_order_the_workers_decide_in(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    first = submit(db, archive, ("a.json", as_bytes(invoice(61))))
    later = submit(db, archive, ("b.json", as_bytes(invoice(61, issue_date="2026-12-01"))))
    with db.unit_of_work() as session:  # a slow worker holds the first document
        assert claim(session, "slow-worker", clock.now(), limit=1) == [first.documents[0].id]
    reception.drain(db, archive, "fast-worker")
    assert statuses(db, later) == ["accepted"]  # for now it is the only one with that number
    with clock.frozen(clock.now() + LEASE + timedelta(seconds=1)):
        reception.drain(db, archive, "fast-worker")
    assert statuses(db, first) + statuses(db, later) == ["accepted", "rejected"]
    with db.unit_of_work(write=False) as session:
        demoted = reception.document(session, later.documents[0].id)
        assert demoted.duplicate_of_id == first.documents[0].id and demoted.issuer_id is None
        assert [f.rule for f in reception.findings_of(session, demoted.id)] == ["DUPLICATE-NUMBER"]
