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
