"""The one clock. Everything that needs "now" asks here, so tests can freeze time.

Timestamps are timezone-aware UTC. Business dates (issue date, due date) are dates in the
organisation's timezone, which is why ``today`` takes one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from facturo.kit.errors import ValidationFailed

_source: ContextVar[Callable[[], datetime] | None] = ContextVar("facturo_clock", default=None)


def now() -> datetime:
    """Current instant, timezone-aware UTC."""
    source = _source.get()
    return source().astimezone(UTC) if source else datetime.now(UTC)


def today(timezone: str) -> date:
    """Current business date in ``timezone``."""
    return now().astimezone(ZoneInfo(timezone)).date()


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze the clock at ``at`` (must be aware) for the duration of the block."""
    if at.tzinfo is None:
        raise ValueError("frozen() needs a timezone-aware datetime")
    token = _source.set(lambda: at)
    try:
        yield
    finally:
        _source.reset(token)


# A date range longer than this is a typing mistake (a year 2204 for 2024), not a report or a run.
MAX_RANGE_DAYS = 366 * 50


def check_range(date_from: date, date_to: date, field: str = "to") -> None:
    """A business-date range (billing runs, reports) that starts before it ends, within 50 years."""
    if date_from > date_to:
        raise ValidationFailed.on(
            field,
            "range.reversed",
            f"El rango es inválido: la fecha inicial {date_from:%d/%m/%Y} es posterior a la final {date_to:%d/%m/%Y}.",
            f"Invalid range: the start date {date_from.isoformat()} is after the end date {date_to.isoformat()}.",
        )
    if (date_to - date_from).days > MAX_RANGE_DAYS:
        raise ValidationFailed.on(
            field, "range.too_long", "El rango supera los 50 años.", "The range is longer than 50 years."
        )


def month_start(day: date, months_back: int = 0) -> date:
    """The first day of ``day``'s month, or of the month ``months_back`` before it (negative:
    after it)."""
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return month_start(day, -1)
