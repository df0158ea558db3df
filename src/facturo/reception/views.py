"""The reception actions the surfaces call, one function per action, answering in schemas.

``visible`` is the credential's scope (:class:`~facturo.kit.access.ReceptionScope`), or None
for a credential bound to no issuer, which sees every document. A document outside it is "not
found", so its existence does not leak.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.kit.access import ReceptionScope
from facturo.kit.actor import Actor
from facturo.kit.archive import Archive
from facturo.kit.clock import check_range
from facturo.kit.config import Settings
from facturo.kit.csv import csv_stream
from facturo.kit.db import Units, table_of
from facturo.kit.errors import not_found
from facturo.kit.money import as_written
from facturo.kit.pagination import KeysetPage, KeysetParams
from facturo.reception import queries, service
from facturo.reception.bundles import files_of
from facturo.reception.formats.reading import ReadDocument
from facturo.reception.models import DocumentFinding, ReceivedDocument, Submission
from facturo.reception.queries import DocumentFilters
from facturo.reception.schemas import (
    CurrencyTotalsOut,
    DocumentDetailOut,
    DocumentOut,
    DocumentReferenceOut,
    FindingOut,
    IssuerSummaryOut,
    ReceiptOut,
    ReceivedItemOut,
    RefusedItemOut,
    SubmissionOut,
    TypeStatusCountOut,
)
from facturo.reception.submission import Receipt, documents_of
from facturo.reception.workers import reading_options

Visible = ReceptionScope | None


_findings = table_of(DocumentFinding)
_MEDIA_TYPES = {"fel": "application/xml", "ubl": "application/xml", "json": "application/json"}


def receipt_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut(
        submission_id=receipt.submission_id,
        documents=[
            ReceivedItemOut(id=d.id, file=d.file, sha256=d.sha256, status=d.status, duplicate=d.duplicate)
            for d in receipt.documents
        ],
        refused=[RefusedItemOut(name=r.name, reason_es=r.reason.es, reason_en=r.reason.en) for r in receipt.refused],
        new_count=receipt.new_count,
        duplicate_count=len(receipt.documents) - receipt.new_count,
    )


def receive_files(
    units: Units,
    archive: Archive,
    uploads: Iterable[tuple[str, IO[bytes]]],
    *,
    actor: Actor,
    channel: str,
    allowed_issuer_nits: frozenset[str] | None,
) -> ReceiptOut:
    """Take uploaded files (documents, JSON arrays or zips) in, in one unit of work."""

    def items() -> Iterator[service.IncomingFile | service.RefusedItem]:
        for name, source in uploads:
            yield from files_of(name, source)

    with units.unit_of_work() as session:
        receipt = service.submit(
            session, archive, items(), actor=actor, channel=channel, allowed_issuer_nits=allowed_issuer_nits
        )
    return receipt_out(receipt)


def _submitter(session: Session, document: ReceivedDocument) -> str:
    submission = session.get(Submission, document.submission_id)
    return submission.submitter if submission is not None else ""


def _check_visible(session: Session, document: ReceivedDocument, visible: Visible) -> None:
    if visible is not None and not visible.sees(document.issuer_nit, _submitter(session, document)):
        raise not_found("el documento recibido", "received document", document.id)


def document_view(session: Session, document_id: int, visible: Visible) -> DocumentDetailOut:
    document = service.document(session, document_id)
    _check_visible(session, document, visible)
    reference = None
    if document.reference_series or document.reference_number or document.reference_uuid:
        reference = DocumentReferenceOut(
            series=document.reference_series,
            number=document.reference_number,
            authorization_uuid=document.reference_uuid,
        )
    return DocumentDetailOut.model_validate(
        {
            **DocumentOut.model_validate(document).model_dump(),
            "reference": reference,
            "findings": [FindingOut.model_validate(f) for f in service.findings_of(session, document_id)],
        }
    )


def document_list(session: Session, filters: DocumentFilters, params: KeysetParams) -> KeysetPage[DocumentOut]:
    return queries.search(session, filters, params).map(DocumentOut.model_validate)


@dataclass(frozen=True)
class OriginalDownload:
    data: bytes
    sha256: str
    filename: str
    media_type: str


def original_download(session: Session, archive: Archive, document_id: int, visible: Visible) -> OriginalDownload:
    document = service.document(session, document_id)
    _check_visible(session, document, visible)
    _, data = service.original(session, archive, document_id)
    base = document.file_name.rsplit("/", 1)[-1].split("#", 1)[0] or f"documento-{document.id}"
    if "#" in document.file_name:  # an element of a JSON array: its own file
        base = f"{base.rsplit('.', 1)[0]}-{document.file_name.rsplit('#', 1)[1]}.json"
    media_type = _MEDIA_TYPES.get(document.format, "application/octet-stream")
    # Bytes that looked like JSON but do not parse (a rejected document) are not labelled JSON.
    if media_type == "application/json" and not _parses_as_json(data):
        media_type = "application/octet-stream"
    return OriginalDownload(data, document.sha256, base, media_type)


def _parses_as_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except (ValueError, RecursionError):
        return False
    return True


def submission_view(session: Session, submission_id: int, actor: Actor, visible: Visible) -> SubmissionOut:
    progress = service.submission_progress(session, submission_id)
    submission = progress.submission
    # A scoped credential sees only the submissions it made itself.
    if visible is not None and submission.submitter != visible.submitter:
        raise not_found("el envío", "submission", submission_id)
    return SubmissionOut(
        id=submission.id,
        channel=submission.channel,
        submitted_by=submission.submitted_by,
        created_at=submission.created_at,
        file_count=submission.file_count,
        document_count=submission.document_count,
        duplicate_count=submission.duplicate_count,
        refused=[RefusedItemOut(name=r["name"], reason_es=r["es"], reason_en=r["en"]) for r in submission.refused],
        received=progress.counts["received"],
        accepted=progress.counts["accepted"],
        rejected=progress.counts["rejected"],
        done=progress.done,
    )


@dataclass(frozen=True)
class SubmissionScreen:
    submission: SubmissionOut
    documents: KeysetPage[DocumentOut]  # the first ``limit`` documents, in the search's order
    rules: dict[int, list[str]]  # document id -> the rule ids of its findings, in finding order


def submission_screen(
    session: Session, submission_id: int, actor: Actor, visible: Visible, limit: int
) -> SubmissionScreen:
    """A submission's progress and its first documents: what the upload results page shows."""
    submission = submission_view(session, submission_id, actor, visible)
    # The submission is the caller's own (submission_view says so), and so is each of its documents.
    filters = DocumentFilters(submission_id=submission_id)
    documents = document_list(session, filters, KeysetParams(limit=limit, with_total=False))
    rules: dict[int, list[str]] = defaultdict(list)
    ids = [d.id for d in documents.items]
    if ids:
        f = _findings.c
        for document_id, rule in session.execute(
            select(f.document_id, f.rule).where(f.document_id.in_(ids)).order_by(f.document_id, f.position)
        ):
            if rule not in rules[document_id]:
                rules[document_id].append(str(rule))
    return SubmissionScreen(submission, documents, dict(rules))


def issuer_summary_view(
    session: Session, issuer_nit: str, date_from: date, date_to: date, visible: Visible
) -> IssuerSummaryOut:
    check_range(date_from, date_to)
    nit = service.compact_nit(issuer_nit)
    if visible is not None and nit not in visible.issuer_nits:
        raise not_found("el emisor", "issuer", issuer_nit)
    summary = queries.issuer_summary(session, nit, date_from, date_to)
    return IssuerSummaryOut(
        issuer_nit=summary.issuer_nit,
        issuer_name=summary.issuer_name,
        date_from=summary.date_from,
        date_to=summary.date_to,
        counts=[
            TypeStatusCountOut(document_type=c.document_type, status=c.status, count=c.count) for c in summary.counts
        ],
        totals=[
            CurrencyTotalsOut(
                currency=t.currency,
                documents=t.documents,
                taxable_total=t.taxable_total,
                tax_total=t.tax_total,
                total=t.total,
                credit_note_total=t.credit_note_total,
            )
            for t in summary.totals
        ],
    )


CSV_HEADER = (
    "id",
    "status",
    "format",
    "document_type",
    "issuer_nit",
    "issuer_name",
    "receiver_id",
    "receiver_name",
    "series",
    "number",
    "issue_date",
    "currency",
    "taxable_total",
    "tax_total",
    "total",
    "authorization_uuid",
    "finding_count",
    "sha256",
    "file_name",
    "received_at",
)


def documents_csv(session: Session, filters: DocumentFilters) -> Iterator[bytes]:
    """Every document of a search as CSV, streamed page by page (cells are formula-safe)."""
    rows = ([_cell(document, column) for column in CSV_HEADER] for document in queries.every_match(session, filters))
    return csv_stream(rows, CSV_HEADER)


def _cell(document: ReceivedDocument, column: str) -> object:
    value = getattr(document, column)
    return as_written(value) if isinstance(value, Decimal) else value


@dataclass(frozen=True)
class Validation:
    file: str
    read: ReadDocument | None
    refused: str | None = None  # why a zip entry was not read (Spanish)

    def as_json(self) -> dict[str, object]:
        if self.read is None:
            return {"file": self.file, "format": None, "valid": False, "findings": [], "refused": self.refused}
        return {
            "file": self.file,
            "format": self.read.format.value,
            "valid": self.read.valid,
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity.value,
                    "location": f.location,
                    "message": f.message.es,
                    "message_en": f.message.en,
                }
                for f in self.read.findings
            ],
        }


def validate_files(uploads: Iterable[tuple[str, IO[bytes]]], settings: Settings) -> list[Validation]:
    """Read and check each document of the files (zip entries and JSON array elements one by
    one) with the operator's reading options; nothing is stored."""
    options = reading_options(settings)
    results: list[Validation] = []
    for name, source in uploads:
        for item in files_of(name, source):
            if isinstance(item, service.RefusedItem):
                results.append(Validation(item.name, None, item.reason.es))
                continue
            for part_name, data in documents_of(item):
                results.append(Validation(part_name, service.validate(data, options)))
    return results


def submit_and_wait(
    units: Units,
    settings: Settings,
    uploads: Iterable[tuple[str, IO[bytes]]],
    *,
    actor: Actor,
    wait: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ReceiptOut:
    """The CLI's submit: take the files in, then (unless told not to) work the queue here until
    this submission is decided, reporting (decided, total) as it goes."""
    archive, options = Archive(settings.archive_dir), reading_options(settings)
    receipt = receive_files(units, archive, uploads, actor=actor, channel="cli", allowed_issuer_nits=None)
    if wait:
        total = len(receipt.documents)
        decided = 0
        name = f"cli:{receipt.submission_id}"
        while True:
            with units.unit_of_work(write=False) as session:
                counts = service.submission_progress(session, receipt.submission_id).counts
            decided = counts["accepted"] + counts["rejected"]
            if progress is not None:
                progress(min(decided, total), total)
            if not counts["received"]:
                break
            service.work(units, archive, name, options)
        statuses = _statuses(units, [d.id for d in receipt.documents])
        receipt = receipt.model_copy(
            update={
                "documents": [d.model_copy(update={"status": statuses.get(d.id, d.status)}) for d in receipt.documents]
            }
        )
    return receipt


def _statuses(units: Units, ids: list[int]) -> dict[int, str]:
    with units.unit_of_work(write=False) as session:
        return service.statuses(session, ids)
