"""Applying one run's new documents to their sequences: the incremental step, and each step of a
recompute (which replays the runs in order, so both end in the same rows).

Per sequence, the new numbers are taken in ascending order. Below the floor: ignored (counted).
Above the highest number: the numbers between become a gap whose sides are the previous highest
document and this one. In between: a number inside an open gap fills it (the gap ends, replaced
by its pieces once all of this run's numbers are in), any other is a number seen again. The cost
is the run's documents and the open gaps between their numbers, never the sequence's history.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.reception.schemas import NumberedDocument
from facturo.sequence_audit.keys import SequenceKey, key_of
from facturo.sequence_audit.models import AuditSequence, Gap, MonthlyCount


@dataclass(frozen=True)
class RunInfo:
    id: int
    ran_at: datetime
    day: date


@dataclass(frozen=True)
class Side:
    number: int
    document_id: int
    issue_date: date | None


def apply_run(session: Session, run: RunInfo, documents: Iterable[NumberedDocument]) -> None:
    grouped: dict[SequenceKey, list[NumberedDocument]] = defaultdict(list)
    for document in documents:
        key = key_of(document)
        if key is not None:
            grouped[key].append(document)
    if not grouped:
        return
    sequences = _sequences(session, grouped, run)
    for key in sorted(grouped):
        _apply_sequence(session, sequences[key], grouped[key], run)
    _count_months(session, {sequences[k].id: docs for k, docs in grouped.items()})
    session.flush()


def _sequences(
    session: Session, grouped: dict[SequenceKey, list[NumberedDocument]], run: RunInfo
) -> dict[SequenceKey, AuditSequence]:
    found: dict[SequenceKey, AuditSequence] = {}
    issuers = sorted({k.issuer_nit for k in grouped})
    for start in range(0, len(issuers), 500):
        for sequence in session.scalars(
            select(AuditSequence).where(AuditSequence.issuer_nit.in_(issuers[start : start + 500]))
        ):
            key = SequenceKey(sequence.issuer_nit, sequence.kind, sequence.series)
            if key in grouped:
                found[key] = sequence
    for key in sorted(set(grouped) - set(found)):
        first = min(grouped[key], key=lambda d: d.id)
        sequence = AuditSequence(
            issuer_nit=key.issuer_nit,
            kind=key.kind,
            series=key.series,
            format=first.format,
            documents=0,
            unnumbered=0,
            below_floor=0,
            repeated=0,
            first_run_id=run.id,
            last_run_id=run.id,
        )
        session.add(sequence)
        found[key] = sequence
    session.flush()
    return found


def _apply_sequence(session: Session, sequence: AuditSequence, documents: list[NumberedDocument], run: RunInfo) -> None:
    sequence.documents += len(documents)
    sequence.last_run_id = run.id
    numbered = sorted((d for d in documents if d.correlative is not None), key=lambda d: (d.correlative, d.id))
    sequence.unnumbered += len(documents) - len(numbered)
    if not numbered:
        return
    if sequence.floor is None:
        first = numbered.pop(0)
        sequence.floor = sequence.highest = first.correlative
        sequence.highest_document_id, sequence.highest_date = first.id, first.issue_date
    if not numbered:
        return
    assert sequence.highest is not None and sequence.floor is not None
    late = sorted({n for d in numbered if (n := d.correlative) is not None and sequence.floor <= n <= sequence.highest})
    gaps = _open_gaps(session, sequence.id, late)
    starts = [g.first_number for g in gaps]
    fills: dict[int, dict[int, NumberedDocument]] = defaultdict(dict)
    for document in numbered:
        number = document.correlative
        assert number is not None
        if number < sequence.floor:
            sequence.below_floor += 1
        elif number > sequence.highest:
            if number > sequence.highest + 1:
                before = Side(sequence.highest, sequence.highest_document_id or 0, sequence.highest_date)
                session.add(_detected(sequence, before, Side(number, document.id, document.issue_date), run))
            sequence.highest, sequence.highest_document_id, sequence.highest_date = (
                number,
                document.id,
                document.issue_date,
            )
        else:
            at = bisect.bisect_right(starts, number) - 1
            gap = gaps[at] if at >= 0 and gaps[at].last_number >= number else None
            if gap is None or number in fills[at]:
                sequence.repeated += 1
            else:
                fills[at][number] = document
    for at, filled in sorted(fills.items()):
        if filled:
            _end(session, gaps[at], filled, run)


# Up to this many late numbers, each finds its gap with one index seek; more, and one range read
# of the open gaps between the lowest and the highest of them is cheaper.
_SEEKS = 32


def _open_gaps(session: Session, sequence_id: int, late: list[int]) -> list[Gap]:
    """The open gaps the ``late`` numbers (sorted, below the sequence's highest) fall in, in number
    order: what a run reads of a sequence's history is its late documents' gaps, nothing else."""
    if not late:
        return []
    open_gaps = select(Gap).where(Gap.sequence_id == sequence_id, Gap.status == "open")
    if len(late) > _SEEKS:
        ranged = open_gaps.where(Gap.last_number >= late[0], Gap.first_number <= late[-1])
        return list(session.scalars(ranged.order_by(Gap.first_number)))
    found: dict[int, Gap] = {}
    for number in late:
        gap = session.scalars(
            open_gaps.where(Gap.first_number <= number).order_by(Gap.first_number.desc()).limit(1)
        ).first()
        if gap is not None and gap.last_number >= number:
            found[gap.id] = gap
    return sorted(found.values(), key=lambda g: g.first_number)


def _detected(sequence: AuditSequence, before: Side, after: Side, run: RunInfo) -> Gap:
    return Gap(
        sequence_id=sequence.id,
        issuer_nit=sequence.issuer_nit,
        first_number=before.number + 1,
        last_number=after.number - 1,
        count=after.number - before.number - 1,
        status="open",
        before_number=before.number,
        before_document_id=before.document_id,
        before_date=before.issue_date,
        after_number=after.number,
        after_document_id=after.document_id,
        after_date=after.issue_date,
        detected_on=run.day,
        detected_run_id=run.id,
        opened_at=run.ran_at,
    )


def _end(session: Session, gap: Gap, filled: dict[int, NumberedDocument], run: RunInfo) -> None:
    """The run filled ``filled`` numbers of ``gap``: it ends, closed when nothing is left,
    otherwise split into pieces that cover exactly its numbers (open runs and filled runs)."""
    gap.ended_at, gap.ended_on, gap.ended_run_id = run.ran_at, run.day, run.id
    if len(filled) == gap.count:
        lowest = filled[min(filled)]
        gap.status = "closed"
        gap.filled_by_document_id, gap.filled_by_number = lowest.id, lowest.correlative
        return
    gap.status = "split"
    before = Side(gap.before_number, gap.before_document_id, gap.before_date)
    after = Side(gap.after_number, gap.after_document_id, gap.after_date)

    def side(number: int, default: Side) -> Side:
        document = filled.get(number)
        return default if document is None else Side(number, document.id, document.issue_date)

    for first, last, is_filled in _pieces(gap.first_number, gap.last_number, filled):
        piece = Gap(
            sequence_id=gap.sequence_id,
            issuer_nit=gap.issuer_nit,
            first_number=first,
            last_number=last,
            count=last - first + 1,
            root_id=gap.root_id or gap.id,
            parent_id=gap.id,
            detected_on=gap.detected_on,
            detected_run_id=gap.detected_run_id,
            opened_at=run.ran_at,
        )
        if is_filled:
            # A filled piece keeps the sides of the gap it was part of.
            piece.status = "closed"
            lower, upper = before, after
            piece.ended_at, piece.ended_on, piece.ended_run_id = run.ran_at, run.day, run.id
            piece.filled_by_document_id, piece.filled_by_number = filled[first].id, first
        else:
            piece.status = "open"
            lower, upper = side(first - 1, before), side(last + 1, after)
        piece.before_number, piece.before_document_id, piece.before_date = (
            lower.number,
            lower.document_id,
            lower.issue_date,
        )
        piece.after_number, piece.after_document_id, piece.after_date = (
            upper.number,
            upper.document_id,
            upper.issue_date,
        )
        session.add(piece)


def _pieces(first: int, last: int, filled: dict[int, NumberedDocument]) -> list[tuple[int, int, bool]]:
    """``[first, last]`` cut into maximal runs of missing and of filled numbers, in order."""
    pieces: list[tuple[int, int, bool]] = []
    position = first
    numbers = sorted(filled)
    index = 0
    while index < len(numbers):
        start = numbers[index]
        end = start
        while index + 1 < len(numbers) and numbers[index + 1] == end + 1:
            index += 1
            end = numbers[index]
        if start > position:
            pieces.append((position, start - 1, False))
        pieces.append((start, end, True))
        position = end + 1
        index += 1
    if position <= last:
        pieces.append((position, last, False))
    return pieces


def _count_months(session: Session, documents: dict[int, list[NumberedDocument]]) -> None:
    wanted: dict[tuple[int, date], int] = defaultdict(int)
    for sequence_id, docs in documents.items():
        for document in docs:
            if document.issue_date is not None:
                wanted[(sequence_id, document.issue_date.replace(day=1))] += 1
    if not wanted:
        return
    ids = sorted({s for s, _ in wanted})
    existing: dict[tuple[int, date], MonthlyCount] = {}
    for start in range(0, len(ids), 500):
        for row in session.scalars(select(MonthlyCount).where(MonthlyCount.sequence_id.in_(ids[start : start + 500]))):
            existing[(row.sequence_id, row.month)] = row
    for (sequence_id, month), count in sorted(wanted.items()):
        found = existing.get((sequence_id, month))
        if found is None:
            session.add(MonthlyCount(sequence_id=sequence_id, month=month, documents=count))
        else:
            found.documents += count


def run_groups(documents: Iterable[NumberedDocument]) -> Iterable[tuple[int, Sequence[NumberedDocument]]]:
    """Documents in run order, grouped by the run that applied them."""
    current: int | None = None
    buffer: list[NumberedDocument] = []
    for document in documents:
        if document.audit_run_id != current and buffer:
            assert current is not None
            yield current, buffer
            buffer = []
        current = document.audit_run_id
        buffer.append(document)
    if buffer and current is not None:
        yield current, buffer
