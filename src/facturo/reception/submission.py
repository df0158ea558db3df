"""Taking documents in: archive each original and record it as ``received``, nothing else.

This is the part that must never lose anything, so it does the least: split a JSON array into its
documents, hash, write the bytes to the archive, insert the rows. Reading and validating happen
later, in the workers (``processing``). The same bytes again are the same document: reported with
the first one's id and status, never stored twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.archive import Archive, sha256_of
from facturo.kit.db import insert_new, table_of
from facturo.kit.errors import Msg
from facturo.reception.formats.detect import sniff
from facturo.reception.formats.facturo_json import split_array
from facturo.reception.formats.reading import DocumentFormat
from facturo.reception.models import ReceivedDocument, Submission

CHANNELS = ("api", "portal", "cli")
_CHUNK = 500
_documents = table_of(ReceivedDocument)


@dataclass(frozen=True)
class IncomingFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class RefusedItem:
    """Something handed in that is not a document at all (a zip entry with a dangerous name)."""

    name: str
    reason: Msg


@dataclass(frozen=True)
class ReceivedItem:
    id: int
    file: str
    sha256: str
    status: str
    # The same bytes were already stored (now or before): ``id`` is that document.
    duplicate: bool


@dataclass
class Receipt:
    submission_id: int
    documents: list[ReceivedItem] = field(default_factory=list)
    refused: list[RefusedItem] = field(default_factory=list)

    @property
    def new_count(self) -> int:
        return sum(1 for d in self.documents if not d.duplicate)


def documents_of(item: IncomingFile) -> Iterator[tuple[str, bytes]]:
    """The documents one file holds: itself, or each element of a JSON array (``name#3``)."""
    if sniff(item.data) is DocumentFormat.JSON and item.data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        elements = split_array(item.data)
        if elements is not None:
            for index, element in enumerate(elements, start=1):
                yield f"{item.name}#{index}", element
            return
    yield item.name, item.data


def submit(
    session: Session,
    archive: Archive,
    files: Iterable[IncomingFile | RefusedItem],
    *,
    actor: Actor,
    channel: str,
    allowed_issuer_nits: frozenset[str] | None = None,
) -> Receipt:
    """Archive and record every document of ``files`` as ``received`` (the caller commits).

    ``files`` may be a stream (a zip read entry by entry): it is consumed in chunks, so memory
    holds one chunk of documents at a time. ``allowed_issuer_nits`` (compact NITs) is what the
    credential may submit for; the workers reject documents of other issuers.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    submission = Submission(
        channel=channel,
        submitted_by=actor.label[:200],
        submitter=actor.key[:200],
        allowed_issuer_nits=sorted(allowed_issuer_nits) if allowed_issuer_nits is not None else None,
        refused=[],
    )
    session.add(submission)
    session.flush()
    receipt = Receipt(submission.id)
    seen: dict[str, tuple[int, str, int]] = {}  # sha256 -> (id, status, submission) of this submission
    file_count = 0
    position = 0
    stream = iter(files)
    while chunk := list(islice(stream, _CHUNK)):
        pending: list[tuple[int, str, bytes, str]] = []
        for item in chunk:
            if isinstance(item, RefusedItem):
                receipt.refused.append(item)
                continue
            file_count += 1
            for name, data in documents_of(item):
                position += 1
                pending.append((position, name, data, sha256_of(data)))
        _record(session, archive, submission, pending, receipt, seen, actor, channel)
    submission.file_count = file_count
    submission.document_count = len(receipt.documents)
    submission.duplicate_count = sum(1 for d in receipt.documents if d.duplicate)
    submission.refused = [{"name": r.name, "es": r.reason.es, "en": r.reason.en} for r in receipt.refused]
    session.flush()
    return receipt


def _record(
    session: Session,
    archive: Archive,
    submission: Submission,
    pending: list[tuple[int, str, bytes, str]],
    receipt: Receipt,
    seen: dict[str, tuple[int, str, int]],
    actor: Actor,
    channel: str,
) -> None:
    if not pending:
        return
    known = _existing(session, [sha for *_, sha in pending if sha not in seen])
    now = clock.now()
    rows: list[dict[str, object]] = []
    written: list[bytes] = []
    fresh: set[str] = set()
    for position, name, data, sha in pending:
        if sha in seen or sha in known or sha in fresh:
            continue
        fresh.add(sha)
        written.append(data)
        rows.append(
            {
                "submission_id": submission.id,
                "position": position,
                "file_name": name[:300],
                "sha256": sha,
                "size": len(data),
                "channel": channel,
                "submitted_by": actor.label[:200],
                "received_at": now,
                "status": "received",
                "attempts": 0,
                "format": sniff(data).value,
                "finding_count": 0,
            }
        )
    # Originals first: a row never points at bytes the archive does not hold.
    archive.put_many(written)
    # A concurrent submission of the same bytes may win the race: its row stands, ours is skipped.
    insert_new(session, _documents, rows, unique=["sha256"])
    known.update(_existing(session, list(fresh)))
    for _, name, _, sha in pending:
        duplicate = sha in seen
        document_id, status, submission_id = seen[sha] if duplicate else known[sha]
        duplicate = duplicate or submission_id != submission.id
        seen[sha] = (document_id, status, submission_id)
        receipt.documents.append(ReceivedItem(document_id, name, sha, status, duplicate))


def _existing(session: Session, shas: list[str]) -> dict[str, tuple[int, str, int]]:
    found: dict[str, tuple[int, str, int]] = {}
    unique = list(dict.fromkeys(shas))
    for start in range(0, len(unique), _CHUNK):
        part = unique[start : start + _CHUNK]
        query = select(_documents.c.sha256, _documents.c.id, _documents.c.status, _documents.c.submission_id).where(
            _documents.c.sha256.in_(part)
        )
        for sha, document_id, status, submission_id in session.execute(query):
            found[str(sha)] = (int(document_id), str(status), int(submission_id))
    return found
