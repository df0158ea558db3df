"""The audit's reports: gaps of a day or a range, top issuers by missing numbers, the monthly
figures, the sequences, and the CSV of missing numbers. Read only.

One definition each, so the reports agree: a gap as shown is an open or closed row (a split row is
history, replaced by its pieces); "missing" is the count of open rows that are not suspected
restarts; a gap belongs to a date range when a document on either side of it is dated in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.clock import month_start, next_month
from facturo.kit.config import get_settings
from facturo.kit.csv import csv_stream
from facturo.kit.errors import ValidationFailed
from facturo.kit.pagination import Page, PageParams
from facturo.organisation import service as organisation
from facturo.reception import service as reception
from facturo.sequence_audit.models import AuditSequence, Gap, MonthlyCount
from facturo.sequence_audit.schemas import (
    DEFAULT_SINCE,
    DEFAULT_TOP,
    GapOut,
    GapQuery,
    MonthlyOut,
    SequenceOut,
    TopOut,
)

SHOWN = ("open", "closed")


def _threshold(value: int | None) -> int:
    return value if value is not None else get_settings().audit_restart_threshold


def _scope(column: Any, issuer_nit: str | None, visible: frozenset[str] | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if issuer_nit:
        conditions.append(column == reception.compact_nit(issuer_nit))
    if visible is not None:
        conditions.append(column.in_(sorted(visible)) if visible else false())
    return conditions


def _in_range(date_from: date, date_to: date) -> ColumnElement[bool]:
    return or_(Gap.before_date.between(date_from, date_to), Gap.after_date.between(date_from, date_to))


def resolved(session: Session, query: GapQuery) -> GapQuery:
    """The query with its default: no day and no range means yesterday (organisation's time zone)."""
    if query.day is not None and (query.date_from is not None or query.date_to is not None):
        raise ValidationFailed.on(
            "day", "audit.day_or_range", "Indique un día o un rango, no ambos.", "Give a day or a range, not both."
        )
    if (query.date_from is None) != (query.date_to is None):
        raise ValidationFailed.on(
            "from", "audit.range", "Un rango necesita inicio y fin.", "A range needs both its start and its end."
        )
    if query.date_from is not None and query.date_to is not None:
        clock.check_range(query.date_from, query.date_to)
        return query
    if query.day is not None:
        return query
    yesterday = organisation.business_today(session) - timedelta(days=1)
    return replace(query, day=yesterday)


def _gap_rows(query: GapQuery) -> Select[Gap, str, str]:
    """The shown gaps of a resolved query, in the reports' order (issuer, kind, series, first)."""
    statuses = (query.status,) if query.status is not None else SHOWN
    conditions = [Gap.status.in_(statuses), *_scope(Gap.issuer_nit, query.issuer_nit, query.visible_issuer_nits)]
    if query.date_from is not None and query.date_to is not None:
        conditions.append(_in_range(query.date_from, query.date_to))
    else:
        conditions.append(Gap.detected_on == query.day)
    # The id settles the order: open and closed pieces of one sequence never share a first number,
    # but a total order is what keeps offset pages from repeating or skipping a row.
    return (
        select(Gap, AuditSequence.kind, AuditSequence.series)
        .join(AuditSequence, AuditSequence.id == Gap.sequence_id)
        .where(*conditions)
        .order_by(Gap.issuer_nit, AuditSequence.kind, AuditSequence.series, Gap.first_number, Gap.id)
    )


def gaps(session: Session, query: GapQuery, threshold: int | None = None) -> list[GapOut]:
    query, limit = resolved(session, query), _threshold(threshold)
    return [_gap_out(gap, kind, series, limit) for gap, kind, series in session.execute(_gap_rows(query))]


@dataclass(frozen=True)
class GapPage:
    """One page of a query's gaps (the web list), and the query as resolved (its default day)."""

    query: GapQuery
    page: Page[GapOut]


def gap_page(session: Session, query: GapQuery, params: PageParams, threshold: int | None = None) -> GapPage:
    """The gaps of :func:`gaps`, one offset page of them, with their total."""
    query, limit = resolved(session, query), _threshold(threshold)
    statement = _gap_rows(query)
    total = session.execute(select(func.count()).select_from(statement.order_by(None).subquery())).scalar_one()
    rows = session.execute(statement.limit(params.size).offset(params.offset))
    items = [_gap_out(gap, kind, series, limit) for gap, kind, series in rows]
    return GapPage(query, Page(items, int(total), params.page, params.size))


def _gap_out(gap: Gap, kind: str, series: str, threshold: int) -> GapOut:
    return GapOut(
        issuer_nit=gap.issuer_nit,
        kind=kind,
        series=series,
        first=gap.first_number,
        last=gap.last_number,
        count=gap.count,
        status="open" if gap.status == "open" else "closed",
        suspected_restart=gap.count >= threshold,
        detected_on=gap.detected_on,
        before_number=gap.before_number,
        before_document_id=gap.before_document_id,
        before_date=gap.before_date,
        after_number=gap.after_number,
        after_document_id=gap.after_document_id,
        after_date=gap.after_date,
        closed_on=gap.ended_on if gap.status == "closed" else None,
        filled_by_document_id=gap.filled_by_document_id,
        filled_by_number=gap.filled_by_number,
    )


def top(
    session: Session,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = DEFAULT_TOP,
    visible_issuer_nits: frozenset[str] | None = None,
    threshold: int | None = None,
) -> list[TopOut]:
    """The ``limit`` issuers with the most missing numbers in the range (default: since 2024-01
    up to today), highest first, then by NIT."""
    date_from = date_from or DEFAULT_SINCE
    date_to = date_to or organisation.business_today(session)
    clock.check_range(date_from, date_to)
    missing = func.sum(Gap.count)
    rows = session.execute(
        select(Gap.issuer_nit, missing)
        .where(
            Gap.status == "open",
            Gap.count < _threshold(threshold),
            _in_range(date_from, date_to),
            *_scope(Gap.issuer_nit, None, visible_issuer_nits),
        )
        .group_by(Gap.issuer_nit)
        .order_by(missing.desc(), Gap.issuer_nit)
        .limit(limit)
    )
    return [TopOut(issuer_nit=nit, missing=int(total)) for nit, total in rows]


def monthly(
    session: Session,
    since: date = DEFAULT_SINCE,
    visible_issuer_nits: frozenset[str] | None = None,
    threshold: int | None = None,
) -> list[MonthlyOut]:
    """Per issuer and month from ``since`` to this month: documents, gaps opened, gaps closed late,
    numbers missing at the month's end. Months where an issuer has nothing are left out."""
    since, limit = month_start(since), _threshold(threshold)
    timezone = organisation.business_timezone(session)
    this_month = month_start(clock.today(timezone))
    if since > this_month:
        return []
    figures: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    scope = _scope(AuditSequence.issuer_nit, None, visible_issuer_nits)
    for nit, month, documents in session.execute(
        select(AuditSequence.issuer_nit, MonthlyCount.month, func.sum(MonthlyCount.documents))
        .join(AuditSequence, AuditSequence.id == MonthlyCount.sequence_id)
        .where(MonthlyCount.month >= since, MonthlyCount.month <= this_month, *scope)
        .group_by(AuditSequence.issuer_nit, MonthlyCount.month)
    ):
        figures[(month, nit)][0] += int(documents)
    gap_scope = [Gap.count < limit, *_scope(Gap.issuer_nit, None, visible_issuer_nits)]
    end = next_month(this_month)
    for nit, day, found in session.execute(
        select(Gap.issuer_nit, Gap.detected_on, func.count())
        .where(Gap.parent_id.is_(None), Gap.detected_on >= since, Gap.detected_on < end, *gap_scope)
        .group_by(Gap.issuer_nit, Gap.detected_on)
    ):
        figures[(month_start(day), nit)][1] += int(found)
    for nit, ended_on, found in session.execute(
        select(Gap.issuer_nit, Gap.ended_on, func.count())
        .where(Gap.status == "closed", Gap.ended_on >= since, Gap.ended_on < end, *gap_scope)
        .group_by(Gap.issuer_nit, Gap.ended_on)
    ):
        if ended_on is not None:
            figures[(month_start(ended_on), nit)][2] += int(found)
    # Nothing is missing at the end of a month before the first gap opened: the month-end loop
    # starts there (a month early, for an instant whose UTC date is in the next month of the
    # organisation's), however far back ``since`` is.
    first_opened = session.scalar(select(func.min(Gap.opened_at)).where(*gap_scope))
    if first_opened is None:
        month = next_month(this_month)
    else:
        month = max(since, month_start(month_start(first_opened.date()) - timedelta(days=1)))
    while month <= this_month:
        at = _instant(next_month(month), timezone)
        for nit, missing in session.execute(
            select(Gap.issuer_nit, func.sum(Gap.count))
            .where(Gap.opened_at < at, or_(Gap.ended_at.is_(None), Gap.ended_at >= at), *gap_scope)
            .group_by(Gap.issuer_nit)
        ):
            figures[(month, nit)][3] += int(missing)
        month = next_month(month)
    return [
        MonthlyOut(
            month=f"{month:%Y-%m}",
            issuer_nit=nit,
            documents=values[0],
            gaps_opened=values[1],
            gaps_closed_late=values[2],
            missing_open_at_month_end=values[3],
        )
        for (month, nit), values in sorted(figures.items())
        if any(values)
    ]


def _instant(day: date, timezone: str) -> datetime:
    """The first instant of ``day`` in the organisation's time zone, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def sequences(
    session: Session,
    issuer_nit: str | None = None,
    visible_issuer_nits: frozenset[str] | None = None,
    threshold: int | None = None,
) -> list[SequenceOut]:
    """Every sequence followed, with whether it can be audited and what is missing in it."""
    limit = _threshold(threshold)
    open_rows = (
        select(
            Gap.sequence_id,
            func.count().label("gaps"),
            func.coalesce(func.sum(Gap.count), 0).label("missing"),
        )
        .where(Gap.status == "open", Gap.count < limit)
        .group_by(Gap.sequence_id)
        .subquery()
    )
    rows = session.execute(
        select(AuditSequence, open_rows.c.gaps, open_rows.c.missing)
        .outerjoin(open_rows, open_rows.c.sequence_id == AuditSequence.id)
        .where(*_scope(AuditSequence.issuer_nit, issuer_nit, visible_issuer_nits))
        .order_by(AuditSequence.issuer_nit, AuditSequence.kind, AuditSequence.series)
    )
    return [
        SequenceOut(
            issuer_nit=s.issuer_nit,
            kind=s.kind,
            series=s.series,
            format=s.format,
            auditable=s.floor is not None,
            documents=s.documents,
            unnumbered=s.unnumbered,
            first_number=s.floor,
            highest_number=s.highest,
            open_gaps=int(open_gaps or 0),
            missing=int(missing or 0),
            below_floor=s.below_floor,
            repeated=s.repeated,
        )
        for s, open_gaps, missing in rows
    ]


GAP_HEADER = (
    "issuer_nit",
    "kind",
    "series",
    "first",
    "last",
    "count",
    "status",
    "suspected_restart",
    "detected_on",
    "before_number",
    "before_date",
    "after_number",
    "after_date",
    "closed_on",
    "filled_by_document_id",
)
NUMBER_HEADER = ("issuer_nit", "kind", "series", "number", "status", "suspected_restart", "gap_first", "gap_last")


def gaps_csv(session: Session, query: GapQuery, expand: bool = False, threshold: int | None = None) -> Iterator[bytes]:
    """The gaps of :func:`gaps` as CSV: one row per gap, or with ``expand`` one row per missing
    number (a suspected restart stays one row, its number empty: it is not thousands of missing
    numbers). Cells are formula-safe (kit.csv)."""
    found = gaps(session, query, threshold)
    if not expand:
        return csv_stream(
            (
                (
                    g.issuer_nit,
                    g.kind,
                    g.series,
                    g.first,
                    g.last,
                    g.count,
                    g.status,
                    g.suspected_restart,
                    g.detected_on,
                    g.before_number,
                    g.before_date,
                    g.after_number,
                    g.after_date,
                    g.closed_on,
                    g.filled_by_document_id,
                )
                for g in found
            ),
            GAP_HEADER,
        )
    return csv_stream(_numbers(found), NUMBER_HEADER)


@dataclass(frozen=True)
class GapListing:
    """The gaps of a query, and their CSV when it was asked for (the command line's one call)."""

    gaps: list[GapOut]
    csv: Iterator[bytes] | None


def gap_listing(
    session: Session, query: GapQuery, *, as_csv: bool = False, expand: bool = False, threshold: int | None = None
) -> GapListing:
    if as_csv:
        return GapListing([], gaps_csv(session, query, expand, threshold))
    return GapListing(gaps(session, query, threshold), None)


def _numbers(found: list[GapOut]) -> Iterator[tuple[object, ...]]:
    for g in found:
        head = (g.issuer_nit, g.kind, g.series)
        if g.suspected_restart:
            yield (*head, None, g.status, True, g.first, g.last)
            continue
        for number in range(g.first, g.last + 1):
            yield (*head, number, g.status, False, g.first, g.last)
