"""The reception worker: claim ``received`` documents, read them, index them, decide.

Two short transactions per batch. The claim marks a batch of documents with this worker's name
and a lease; the result writes every document's index fields, findings and status at once, only
where the claim still holds. A worker that dies between the two leaves its documents
``received``: once the lease runs out another worker claims them again, and since the result
replaces nothing (it fills a row still ``received``) no document is ever indexed twice.

A document that kills its worker every time would be claimed forever; after ``MAX_ATTEMPTS``
claims it is rejected with a reason instead.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from stdnum.gt import nit as gt_nit

from facturo.kit import clock
from facturo.kit.archive import Archive
from facturo.kit.bulk import bulk_insert
from facturo.kit.db import Units, table_of
from facturo.kit.errors import Msg
from facturo.organisation import service as organisation
from facturo.reception import audit_feed
from facturo.reception.formats.detect import ReadingOptions, read_document
from facturo.reception.formats.reading import Finding, ReadDocument, Severity
from facturo.reception.models import AMOUNT_SCALE, DocumentFinding, ReceivedDocument, Submission

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 5
BATCH = 200
# The index keeps amounts as scaled integers (6 decimals) in a 64-bit column.
_AMOUNT_LIMIT = Decimal(9) * Decimal(10) ** 12

_documents = table_of(ReceivedDocument)
_findings = table_of(DocumentFinding)
_submissions = table_of(Submission)


@dataclass(frozen=True)
class BatchResult:
    claimed: int
    accepted: int
    rejected: int


def claim(session: Session, worker: str, now: datetime, limit: int = BATCH, lease: timedelta = LEASE) -> list[int]:
    """Mark up to ``limit`` waiting documents as this worker's for one lease; their ids."""
    waiting = (
        select(_documents.c.id)
        .where(
            _documents.c.status == "received",
            or_(_documents.c.claimed_until.is_(None), _documents.c.claimed_until < now),
        )
        .order_by(_documents.c.status, _documents.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        waiting = waiting.with_for_update(skip_locked=True)
    ids = [int(i) for i in session.scalars(waiting)]
    if ids:
        session.execute(
            update(_documents)
            .where(_documents.c.id.in_(ids))
            .values(claimed_by=worker, claimed_until=now + lease, attempts=_documents.c.attempts + 1)
        )
    return ids


def process_batch(
    units: Units,
    archive: Archive,
    worker: str,
    *,
    options: ReadingOptions | None = None,
    limit: int = BATCH,
    lease: timedelta = LEASE,
) -> BatchResult:
    """Claim, read and decide one batch; 0 claimed means the queue is empty."""
    with units.unit_of_work() as session:
        ids = claim(session, worker, clock.now(), limit, lease)
    if not ids:
        return BatchResult(0, 0, 0)
    with units.unit_of_work(write=False) as session:
        rows = session.execute(
            select(
                _documents.c.id,
                _documents.c.sha256,
                _documents.c.attempts,
                _submissions.c.allowed_issuer_nits,
            )
            .join(_submissions, _submissions.c.id == _documents.c.submission_id)
            .where(_documents.c.id.in_(ids), _documents.c.claimed_by == worker)
            .order_by(_documents.c.id)
        ).all()
    readings = [(int(r.id), _read(archive, r.sha256, int(r.attempts), r.allowed_issuer_nits, options)) for r in rows]
    result = _decide_once_more_on_race(units, worker, readings)
    if result.accepted:
        # The domains above that follow accepted documents (the sequence audit), each in a unit of
        # its own once this batch is committed: their failure never undoes an acceptance.
        audit_feed.run_batch_hooks(units)
    return result


def _decide_once_more_on_race(units: Units, worker: str, readings: list[tuple[int, ReadDocument]]) -> BatchResult:
    for attempt in range(2):
        try:
            with units.unit_of_work() as session:
                return _decide(session, worker, readings)
        except IntegrityError:
            # Another worker accepted the same issuer number in the same instant: decide again,
            # now seeing its document, so this one is rejected as a duplicate number.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _read(
    archive: Archive, sha256: str, attempts: int, allowed: list[str] | None, options: ReadingOptions | None
) -> ReadDocument:
    if attempts > MAX_ATTEMPTS:
        return _failed(
            "PROCESSING-FAILED",
            f"El documento no pudo procesarse tras {MAX_ATTEMPTS} intentos; un operador debe revisarlo.",
            f"The document could not be processed after {MAX_ATTEMPTS} attempts; an operator must look at it.",
        )
    try:
        data = archive.read(sha256)
    except FileNotFoundError:
        return _failed(
            "ARCHIVE-MISSING",
            "El original no está en el archivo; no se puede validar.",
            "The original is missing from the archive; it cannot be validated.",
        )
    read = read_document(data, options)
    _check_scope(read, allowed)
    _check_index_limits(read)
    return read


def _failed(rule: str, es: str, en: str) -> ReadDocument:
    from facturo.reception.formats.reading import DocumentFormat

    return ReadDocument(DocumentFormat.UNKNOWN, findings=[Finding(rule, Severity.FATAL, "/", Msg(es, en))])


def _check_scope(read: ReadDocument, allowed: list[str] | None) -> None:
    if allowed is None:
        return
    if read.issuer_nit is None or compact_nit(read.issuer_nit) not in allowed:
        shown = read.issuer_nit or "?"
        read.findings.append(
            Finding(
                "ACCESS-ISSUER",
                Severity.FATAL,
                "/",
                Msg(
                    f"La credencial que envió el documento no puede enviar documentos del emisor {shown}.",
                    f"The credential that submitted the document may not submit for issuer {shown}.",
                ),
            )
        )
        # Not stored as that issuer's: the index keeps no issuer for it.
        read.issuer_nit = None
        read.issuer_name = None


def _check_index_limits(read: ReadDocument) -> None:
    for name in ("taxable_total", "tax_total", "total"):
        value: Decimal | None = getattr(read, name)
        if value is None:
            continue
        scaled = value.scaleb(AMOUNT_SCALE)
        if abs(value) >= _AMOUNT_LIMIT or scaled != scaled.to_integral_value():
            setattr(read, name, None)
            read.findings.append(
                Finding(
                    "AMOUNT-OUT-OF-RANGE",
                    Severity.ERROR,
                    "/",
                    Msg(
                        f"El importe {value} no cabe en el índice (hasta 9 billones, 6 decimales).",
                        f"Amount {value} does not fit the index (below 9 trillion, 6 decimals).",
                    ),
                )
            )


@functools.lru_cache(maxsize=65_536)
def compact_nit(value: str) -> str:
    try:
        return str(gt_nit.compact(value))
    except Exception:
        return value.replace("-", "").replace(" ", "").upper()


@functools.lru_cache(maxsize=65_536)
def issuer_row_nit(value: str) -> str:
    """The NIT as the issuers table writes it (``1234567-8``, like our own profile), so a document
    of ours received back finds our own row."""
    compact = compact_nit(value)
    try:
        return str(gt_nit.format(gt_nit.validate(compact)))
    except Exception:
        return compact[:20]


def _clip(value: str | None, size: int) -> str | None:
    return None if value is None else value[:size]


def _still_claimed(session: Session, worker: str, ids: list[int]) -> set[int]:
    """The documents whose claim this worker still holds, locked for this transaction (PostgreSQL;
    SQLite's write unit holds the database lock already): only those are decided."""
    held = select(_documents.c.id).where(
        _documents.c.id.in_(ids), _documents.c.status == "received", _documents.c.claimed_by == worker
    )
    if session.get_bind().dialect.name == "postgresql":
        held = held.with_for_update()
    return {int(i) for i in session.scalars(held)}


_INDEX_COLUMNS = (
    "format",
    "document_type",
    "issuer_nit",
    "issuer_name",
    "receiver_id",
    "receiver_name",
    "series",
    "number",
    "correlative",
    "issue_date",
    "currency",
    "taxable_total",
    "tax_total",
    "total",
    "authorization_uuid",
    "certifier_nit",
    "reference_series",
    "reference_number",
    "reference_uuid",
    "status",
    "processed_at",
    "claimed_by",
    "claimed_until",
    "duplicate_of_id",
    "finding_count",
    "issuer_id",
)
# One statement for the whole batch (executemany): building an UPDATE per document was a fifth of
# the worker's time.
_DECIDE = (
    update(_documents)
    .where(_documents.c.id == bindparam("document_id"))
    .values({name: bindparam(name, type_=_documents.c[name].type) for name in _INDEX_COLUMNS})
)


def _decide(session: Session, worker: str, readings: Sequence[tuple[int, ReadDocument]]) -> BatchResult:
    held = _still_claimed(session, worker, [document_id for document_id, _ in readings])
    # A document whose lease ran out was taken over by another worker: that one decides it.
    readings = [(document_id, read) for document_id, read in readings if document_id in held]
    accepted_keys = _accepted_numbers(session, [r for _, r in readings])
    issuer_names = {issuer_row_nit(r.issuer_nit): r.issuer_name or "" for _, r in readings if r.valid and r.issuer_nit}
    issuer_ids = organisation.ensure_issuers(session, issuer_names)
    now = clock.now()
    findings: list[tuple[Any, ...]] = []
    rows: list[dict[str, Any]] = []
    accepted = rejected = 0
    for document_id, read in readings:
        duplicate_of = None
        if read.valid:
            holder = _duplicate_of(read, accepted_keys)
            if holder is not None and holder > document_id:
                # A document received later won the race to a worker: the first received keeps
                # the number, so the later one becomes the duplicate (in this same transaction).
                _demote(session, holder, document_id, read, now)
                for key in _keys(read):
                    accepted_keys[key] = document_id
            elif holder is not None:
                duplicate_of = holder
                read.findings.append(_duplicate_finding(read, duplicate_of))
        is_accepted = read.valid
        values = _index_values(read)
        values.update(
            document_id=document_id,
            status="accepted" if is_accepted else "rejected",
            processed_at=now,
            claimed_by=None,
            claimed_until=None,
            duplicate_of_id=duplicate_of,
            finding_count=len(read.findings),
            issuer_id=issuer_ids.get(issuer_row_nit(read.issuer_nit)) if is_accepted and read.issuer_nit else None,
        )
        rows.append(values)
        if is_accepted:
            accepted += 1
            for key in _keys(read):
                accepted_keys.setdefault(key, document_id)
        else:
            rejected += 1
        findings.extend(
            (document_id, position, f.rule[:60], f.severity.value, f.location, f.message.es, f.message.en)
            for position, f in enumerate(read.findings, start=1)
        )
    if rows:
        session.execute(_DECIDE, rows)
    bulk_insert(
        session,
        _findings,
        ("document_id", "position", "rule", "severity", "location", "message_es", "message_en"),
        findings,
    )
    return BatchResult(len(readings), accepted, rejected)


def _index_values(read: ReadDocument) -> dict[str, Any]:
    reference = read.reference
    return {
        "format": read.format.value,
        "document_type": _clip(read.document_type, 20),
        "issuer_nit": _clip(compact_nit(read.issuer_nit), 20) if read.issuer_nit else None,
        "issuer_name": _clip(read.issuer_name, 300),
        "receiver_id": _clip(read.receiver_id, 20),
        "receiver_name": _clip(read.receiver_name, 300),
        "series": _clip(read.series, 40),
        "number": _clip(read.number, 40),
        "correlative": read.correlative if read.correlative is not None and 0 <= read.correlative < 2**63 else None,
        "issue_date": read.issue_date,
        "currency": _clip(read.currency, 3),
        "taxable_total": read.taxable_total,
        "tax_total": read.tax_total,
        "total": read.total,
        "authorization_uuid": _clip(read.authorization_uuid.upper(), 36) if read.authorization_uuid else None,
        "certifier_nit": _clip(read.certifier_nit, 20),
        "reference_series": _clip(reference.series, 40) if reference else None,
        "reference_number": _clip(reference.number, 40) if reference else None,
        "reference_uuid": _clip(reference.authorization_uuid, 36) if reference else None,
    }


Key = tuple[str, ...]


def _keys(read: ReadDocument) -> list[Key]:
    keys: list[Key] = []
    if read.issuer_nit and read.number is not None:
        keys.append(("number", compact_nit(read.issuer_nit), read.document_type or "", read.series or "", read.number))
    if read.authorization_uuid:
        keys.append(("uuid", read.authorization_uuid.upper()))
    return keys


def _accepted_numbers(session: Session, reads: Sequence[ReadDocument]) -> dict[Key, int]:
    """The accepted documents that already hold any number the batch would take."""
    found: dict[Key, int] = {}
    wanted = {k for r in reads if r.valid for k in _keys(r)}
    c = _documents.c
    numbers = sorted({k for k in wanted if k[0] == "number"})
    for start in range(0, len(numbers), 500):
        part = numbers[start : start + 500]
        rows = session.execute(
            select(c.issuer_nit, c.document_type, c.series, c.number, c.id).where(
                c.status == "accepted",
                c.issuer_nit.in_({k[1] for k in part}),
                c.number.in_({k[4] for k in part}),
            )
        )
        for nit, doc_type, series, number, document_id in rows:
            key = ("number", str(nit), doc_type or "", series or "", str(number))
            if key in wanted:
                found[key] = int(document_id)
    uuids = sorted(k[1] for k in wanted if k[0] == "uuid")
    for start in range(0, len(uuids), 500):
        chunk = uuids[start : start + 500]
        for uuid, document_id in session.execute(
            select(c.authorization_uuid, c.id).where(c.status == "accepted", c.authorization_uuid.in_(chunk))
        ):
            found[("uuid", str(uuid))] = int(document_id)
    return found


def _duplicate_of(read: ReadDocument, accepted: dict[Key, int]) -> int | None:
    for key in _keys(read):
        if key in accepted:
            return accepted[key]
    return None


def _demote(session: Session, later: int, first: int, read: ReadDocument, now: datetime) -> None:
    """Turn the accepted ``later`` document into the duplicate of ``first`` (received before it)."""
    c = _documents.c
    count = session.scalar(select(c.finding_count).where(c.id == later).with_for_update())
    finding = _duplicate_finding(read, first)
    session.execute(
        update(_documents)
        .where(c.id == later)
        .values(
            status="rejected", duplicate_of_id=first, finding_count=(count or 0) + 1, issuer_id=None, processed_at=now
        )
    )
    bulk_insert(
        session,
        _findings,
        ("document_id", "position", "rule", "severity", "location", "message_es", "message_en"),
        [
            (
                later,
                (count or 0) + 1,
                finding.rule,
                finding.severity.value,
                finding.location,
                finding.message.es,
                finding.message.en,
            )
        ],
    )


def _duplicate_finding(read: ReadDocument, first: int) -> Finding:
    what_es = f"la autorización {read.authorization_uuid}" if read.authorization_uuid else f"el número {read.number}"
    what_en = f"authorization {read.authorization_uuid}" if read.authorization_uuid else f"number {read.number}"
    return Finding(
        "DUPLICATE-NUMBER",
        Severity.FATAL,
        "/",
        Msg(
            f"Ya se aceptó otro documento del emisor {read.issuer_nit} con {what_es} "
            f"(serie {read.series or '-'}): el documento {first}.",
            f"Another document of issuer {read.issuer_nit} with {what_en} "
            f"(series {read.series or '-'}) was already accepted: document {first}.",
        ),
    )
