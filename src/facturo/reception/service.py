"""Reception's service functions: what the API, the portal, the CLI and the workers call.

submit      archive originals, record them ``received`` (submission.submit)
work        one worker batch: claim, read, decide (processing.process_batch)
drain       batches until the queue is empty (CLI, tests)
validate    read a file without storing anything
unaudited / mark_audited / audited / after_batch   what the sequence audit reads (audit_feed)
document / findings / original / submission_progress / verify_archive
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.kit.archive import Archive, ArchiveProblem
from facturo.kit.config import Settings
from facturo.kit.db import Units, table_of
from facturo.kit.errors import not_found
from facturo.reception.audit_feed import after_batch, audited, mark_audited, unaudited
from facturo.reception.formats.detect import ReadingOptions, read_document
from facturo.reception.formats.reading import ReadDocument
from facturo.reception.models import DocumentFinding, ReceivedDocument, Submission
from facturo.reception.processing import BATCH, BatchResult, compact_nit, process_batch
from facturo.reception.submission import IncomingFile, Receipt, RefusedItem, submit

__all__ = [
    "Archive",
    "DrainResult",
    "IncomingFile",
    "Receipt",
    "RefusedItem",
    "after_batch",
    "archive_of",
    "audited",
    "compact_nit",
    "document",
    "drain",
    "findings_of",
    "mark_audited",
    "original",
    "statuses",
    "submission_progress",
    "submit",
    "unaudited",
    "validate",
    "verify_archive",
    "work",
]

_documents = table_of(ReceivedDocument)


def archive_of(settings: Settings) -> Archive:
    """The archive under the data directory (``<data_dir>/archive``)."""
    return Archive(settings.archive_dir)


def validate(data: bytes, options: ReadingOptions | None = None) -> ReadDocument:
    """Read and check one document; nothing is stored."""
    return read_document(data, options)


def work(units: Units, archive: Archive, worker: str, options: ReadingOptions | None = None) -> BatchResult:
    return process_batch(units, archive, worker, options=options)


@dataclass(frozen=True)
class DrainResult:
    processed: int
    accepted: int
    rejected: int


def drain(
    units: Units,
    archive: Archive,
    worker: str,
    *,
    options: ReadingOptions | None = None,
    limit: int = BATCH,
    progress: Callable[[BatchResult], None] | None = None,
) -> DrainResult:
    """Process batches until no document waits (one worker's share when several run)."""
    processed = accepted = rejected = 0
    while True:
        batch = process_batch(units, archive, worker, options=options, limit=limit)
        if not batch.claimed:
            return DrainResult(processed, accepted, rejected)
        processed += batch.claimed
        accepted += batch.accepted
        rejected += batch.rejected
        if progress is not None:
            progress(batch)


def document(session: Session, document_id: int) -> ReceivedDocument:
    found = session.get(ReceivedDocument, document_id)
    if found is None:
        raise not_found("el documento recibido", "received document", document_id)
    return found


def findings_of(session: Session, document_id: int) -> list[DocumentFinding]:
    return list(
        session.scalars(
            select(DocumentFinding).where(DocumentFinding.document_id == document_id).order_by(DocumentFinding.position)
        )
    )


def original(session: Session, archive: Archive, document_id: int) -> tuple[ReceivedDocument, bytes]:
    """The document and its exact original bytes."""
    found = document(session, document_id)
    return found, archive.read(found.sha256)


@dataclass(frozen=True)
class Progress:
    submission: Submission
    counts: dict[str, int]  # received / accepted / rejected

    @property
    def done(self) -> bool:
        return self.counts.get("received", 0) == 0


def submission_progress(session: Session, submission_id: int) -> Progress:
    found = session.get(Submission, submission_id)
    if found is None:
        raise not_found("el envío", "submission", submission_id)
    rows = session.execute(
        select(_documents.c.status, func.count())
        .where(_documents.c.submission_id == submission_id)
        .group_by(_documents.c.status)
    )
    counts = {"received": 0, "accepted": 0, "rejected": 0}
    counts.update({str(status): int(count) for status, count in rows})
    return Progress(found, counts)


def statuses(session: Session, document_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(document_ids), 500):
        part = document_ids[start : start + 500]
        rows = session.execute(select(_documents.c.id, _documents.c.status).where(_documents.c.id.in_(part)))
        found.update({int(i): str(s) for i, s in rows})
    return found


@dataclass(frozen=True)
class ArchiveReport:
    checked: int
    problems: list[ArchiveProblem]


def verify_archive(session: Session, archive: Archive, progress: Callable[[int], None] | None = None) -> ArchiveReport:
    """Recompute the sha256 of every original a document points at."""
    problems: list[ArchiveProblem] = []
    checked = 0
    shas: Iterable[str] = session.scalars(select(_documents.c.sha256).order_by(_documents.c.id))
    for sha in shas:
        checked += 1
        problem = archive.check(sha)
        if problem is not None:
            problems.append(problem)
        if progress is not None:
            progress(checked)
    return ArchiveReport(checked, problems)
