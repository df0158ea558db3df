"""The audit dashboard's figures: aggregates only, never a gap one by one (analysts see this page).

Everything is counted as the reports count it (reports.py), so the dashboard agrees with them:
- per month since the start month (default 2024-01): the gaps and the numbers still open at the
  month's end (this month: now), the gaps first detected in it, the gap pieces closed late in it;
  the missing numbers and both counts are :func:`reports.monthly`'s, summed over the issuers;
- the top issuers by missing numbers, :func:`reports.top` over the same months up to today;
- the late-closure rate: of the numbers found missing in gaps first detected since the start month,
  the share a late document has filled since (closed pieces over open and closed pieces, counted in
  numbers, suspected restarts left out as everywhere);
- the FEL sequences that cannot be audited (no DTE of them carries a correlative).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.clock import next_month
from facturo.kit.config import get_settings
from facturo.organisation import service as organisation
from facturo.sequence_audit.keys import FEL
from facturo.sequence_audit.models import AuditSequence, Gap
from facturo.sequence_audit.reports import SHOWN, _scope, monthly, top
from facturo.sequence_audit.schemas import DEFAULT_SINCE, DEFAULT_TOP, TopOut


@dataclass(frozen=True)
class MonthFigures:
    month: date  # its first day
    open_gaps: int  # gaps (pieces) open at the month's end, restarts excluded
    missing: int  # their numbers: the monthly report's missing_open_at_month_end, summed
    gaps_opened: int
    gaps_closed_late: int


@dataclass(frozen=True)
class AuditDashboard:
    since: date
    today: date
    months: list[MonthFigures]  # every month from ``since`` to this month, the empty ones too
    top: list[TopOut]
    found_missing: int  # numbers of the gaps first detected since ``since`` (restarts excluded)
    filled_late: int  # of those, the numbers late documents filled
    suspected_restarts: int  # open ones, since ``since``; counted apart, never as missing
    not_auditable_fel: int

    @property
    def open_gaps(self) -> int:
        return self.months[-1].open_gaps if self.months else 0

    @property
    def missing(self) -> int:
        return self.months[-1].missing if self.months else 0

    @property
    def late_closure_rate(self) -> Decimal | None:
        """Percent, one decimal, exact (no float); None when nothing was ever found missing."""
        if not self.found_missing:
            return None
        rate = Decimal(self.filled_late * 100) / Decimal(self.found_missing)
        return rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _open_gap_counts(
    session: Session, months: list[date], timezone: str, visible: frozenset[str] | None, threshold: int
) -> dict[date, int]:
    """The gap rows alive at each month's end, as reports.monthly reads its missing numbers (this
    month's end is in the future: what is open now)."""
    scope = _scope(Gap.issuer_nit, None, visible)
    counts: dict[date, int] = {}
    for month in months:
        end = next_month(month)
        at = datetime(end.year, end.month, end.day, tzinfo=ZoneInfo(timezone)).astimezone(UTC)
        counts[month] = int(
            session.scalar(
                select(func.count()).where(
                    Gap.opened_at < at,
                    or_(Gap.ended_at.is_(None), Gap.ended_at >= at),
                    Gap.count < threshold,
                    *scope,
                )
            )
            or 0
        )
    return counts


def audit_dashboard(
    session: Session,
    visible: frozenset[str] | None,
    since: date = DEFAULT_SINCE,
    limit: int = DEFAULT_TOP,
    threshold: int | None = None,
) -> AuditDashboard:
    """The dashboard as of today in the organisation's time zone; ``visible`` limits every figure
    to those issuers (None: all)."""
    threshold = threshold if threshold is not None else get_settings().audit_restart_threshold
    since = since.replace(day=1)
    timezone = organisation.business_timezone(session)
    today = clock.today(timezone)
    months: list[date] = []
    month = since
    while month <= today:
        months.append(month)
        month = next_month(month)

    per_month: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in monthly(session, since, visible, threshold):
        figures = per_month[row.month]
        figures[0] += row.missing_open_at_month_end
        figures[1] += row.gaps_opened
        figures[2] += row.gaps_closed_late
    open_counts = _open_gap_counts(session, months, timezone, visible, threshold)
    by_month = []
    for m in months:
        missing, opened, closed_late = per_month.get(f"{m:%Y-%m}", [0, 0, 0])
        by_month.append(MonthFigures(m, open_counts[m], missing, opened, closed_late))

    scope = _scope(Gap.issuer_nit, None, visible)
    shown = [Gap.status.in_(SHOWN), Gap.detected_on >= since, *scope]
    found, filled = session.execute(
        select(
            func.coalesce(func.sum(Gap.count), 0),
            func.coalesce(func.sum(case((Gap.status == "closed", Gap.count), else_=0)), 0),
        ).where(*shown, Gap.count < threshold)
    ).one()
    restarts = session.scalar(select(func.count()).where(*shown, Gap.status == "open", Gap.count >= threshold))
    sequence_scope = _scope(AuditSequence.issuer_nit, None, visible)
    not_auditable = session.scalar(
        select(func.count()).where(AuditSequence.format == FEL, AuditSequence.floor.is_(None), *sequence_scope)
    )
    return AuditDashboard(
        since=since,
        today=today,
        months=by_month,
        top=top(session, since, today, limit, visible, threshold),
        found_missing=int(found),
        filled_late=int(filled),
        suspected_restarts=int(restarts or 0),
        not_auditable_fel=int(not_auditable or 0),
    )
