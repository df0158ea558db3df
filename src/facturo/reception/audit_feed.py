"""What reception hands the sequence audit: the accepted documents it has not applied yet, the
ones it has (in the order it applied them, for a recompute), and the mark that says which run
applied a document.

The mark is a column of the document (``audit_run_id``), set by the audit in the transaction that
applies it. A watermark ("the last id seen") would lose documents: parallel workers commit their
batches out of id order, so a low id can become accepted after a higher one was audited. The
partial index ``ix_reception_documents_unaudited`` holds exactly the accepted, unmarked documents,
so finding them costs what there is to find, not the history.

Hooks run after each worker batch that accepted documents (``after_batch``): the assembly
registers the audit's incremental step there, so reception never imports a domain above it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sqlalchemy import Row, Select, select, update
from sqlalchemy.orm import Session

from facturo.kit.db import Units, table_of
from facturo.reception.models import ReceivedDocument
from facturo.reception.schemas import NumberedDocument

log = logging.getLogger("facturo.reception")

_documents = table_of(ReceivedDocument)
_c = _documents.c
_COLUMNS = (
    _c.id,
    _c.issuer_nit,
    _c.format,
    _c.document_type,
    _c.series,
    _c.correlative,
    _c.issue_date,
    _c.audit_run_id,
)

BatchHook = Callable[[Units], object]
_after_batch: list[BatchHook] = []


def after_batch(hook: BatchHook) -> None:
    """Run ``hook(units)`` after every worker batch that accepted documents, in a unit of its own
    (once per hook, however often it is registered)."""
    if hook not in _after_batch:
        _after_batch.append(hook)


def batch_hooks() -> list[BatchHook]:
    return list(_after_batch)


def run_batch_hooks(units: Units) -> None:
    """A failing hook is logged, never the batch's failure: the documents are accepted already, and
    what the hook missed it finds again at its next run (the audit's queue is the mark, not this
    call)."""
    for hook in list(_after_batch):
        try:
            hook(units)
        except Exception:
            log.exception("reception: after-batch hook %r failed", hook)


def _numbered(rows: Iterable[Row[Any]]) -> list[NumberedDocument]:
    return [
        NumberedDocument(
            id=int(row.id),
            issuer_nit=row.issuer_nit,
            format=str(row.format),
            document_type=row.document_type,
            series=row.series,
            correlative=None if row.correlative is None else int(row.correlative),
            issue_date=row.issue_date,
            audit_run_id=None if row.audit_run_id is None else int(row.audit_run_id),
        )
        for row in rows
    ]


def unaudited(session: Session, limit: int) -> list[NumberedDocument]:
    """Up to ``limit`` accepted documents no audit run has applied, lowest id first."""
    query: Select[tuple[object, ...]] = (
        select(*_COLUMNS).where(_c.status == "accepted", _c.audit_run_id.is_(None)).order_by(_c.id).limit(limit)
    )
    return _numbered(session.execute(query))


def mark_audited(session: Session, document_ids: list[int], run_id: int) -> int:
    """Record that run ``run_id`` applied these documents; a document marked already keeps its
    run (so a replay changes nothing). Returns how many were marked now."""
    marked = 0
    for start in range(0, len(document_ids), 500):
        part = document_ids[start : start + 500]
        result = session.execute(
            update(_documents).where(_c.id.in_(part), _c.audit_run_id.is_(None)).values(audit_run_id=run_id)
        )
        marked += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return marked


def audited(session: Session, chunk: int = 5_000) -> Iterator[NumberedDocument]:
    """Every document an audit run applied, in the order the runs applied them (run, then id),
    whatever its status now (a document demoted to a duplicate after it was applied still was).
    Read by keyset chunks, so a recompute never holds the whole history in memory."""
    last: tuple[int, int] = (0, 0)
    while True:
        rows = _numbered(
            session.execute(
                select(*_COLUMNS)
                .where(
                    _c.audit_run_id.is_not(None),
                    (_c.audit_run_id > last[0]) | ((_c.audit_run_id == last[0]) & (_c.id > last[1])),
                )
                .order_by(_c.audit_run_id, _c.id)
                .limit(chunk)
            )
        )
        if not rows:
            return
        yield from rows
        tail = rows[-1]
        last = (int(tail.audit_run_id or 0), tail.id)
