"""Pagination shared by the API, the pages and the CLI: keyset (cursor) pages for the lists that
grow, offset pages for the small ones.

Offset pages are numbered from 1 because that is what people type in a URL or a command line. The
size is capped so that a single request cannot ask the database for an unbounded result.

Keyset pages (``Keyset``, ``KeysetParams``, ``keyset_page``) continue after the sort key of the
last row shown instead of skipping N rows: ``WHERE (key, id) < (:key, :id) ORDER BY key DESC, id
DESC LIMIT n + 1`` is an index range on both SQLite and PostgreSQL when an index on the filter's
columns followed by ``(key, id)`` exists, so page 1000 costs what page 1 costs. The cursor is
opaque to clients (base64url of a small JSON array: the list's name, the key, the id) and is
validated on the way in: a tampered one is a 422 ``cursor.invalid``, never a 500. docs/api.md
("Pagination") describes it for clients.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import QueryableAttribute, Session

from facturo.kit.errors import ValidationFailed

__all__ = [
    "MAX_CURSOR_LENGTH",
    "MAX_PAGE_SIZE",
    "KeyRange",
    "Keyset",
    "KeysetPage",
    "KeysetParams",
    "Page",
    "PageParams",
    "invalid_cursor",
    "keyset_page",
    "keyset_statements",
    "paginate",
]

T = TypeVar("T")
U = TypeVar("U")

MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class PageParams:
    """Which page to fetch. Raises ``ValueError`` on an impossible page or size."""

    page: int = 1
    size: int = 50

    def __post_init__(self) -> None:
        if self.page < 1:
            raise ValueError(f"page must be 1 or greater, got {self.page}")
        if not 1 <= self.size <= MAX_PAGE_SIZE:
            raise ValueError(f"size must be between 1 and {MAX_PAGE_SIZE}, got {self.size}")

    @property
    def offset(self) -> int:
        """Number of rows to skip before this page."""
        return (self.page - 1) * self.size


@dataclass
class Page(Generic[T]):
    """One page of results plus what a client needs to draw the pager."""

    items: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        """Number of pages; 0 when there are no results at all."""
        return -(-self.total // self.size)

    def map(self, fn: Callable[[T], U]) -> Page[U]:
        """The same page with every item converted, e.g. ORM rows to response models."""
        return Page([fn(item) for item in self.items], self.total, self.page, self.size)


def paginate(session: Session, stmt: Select[T], params: PageParams) -> Page[T]:
    """Run ``stmt`` for one page and count all its rows.

    ``stmt`` selects a single entity or column, e.g. ``select(Invoice).order_by(Invoice.id)``.
    It should have a total ``order_by``; without one, rows can move between pages.
    """
    # ORDER BY is dropped from the count: it does not change the number and some databases
    # refuse it in a subquery.
    count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = session.execute(count_stmt).scalar_one()
    items = list(session.scalars(stmt.limit(params.size).offset(params.offset)))
    return Page(items=items, total=total, page=params.page, size=params.size)


# --- keyset (cursor) pages -----------------------------------------------------------------------

MAX_CURSOR_LENGTH = 512
KeyValue = date | datetime | int | str | None
_MAX_ID = 2**63 - 1


def invalid_cursor() -> ValidationFailed:
    return ValidationFailed.on(
        "cursor",
        "cursor.invalid",
        "El cursor no es válido: use el valor next_cursor de la página anterior tal como llegó, "
        "o quítelo para volver a la primera página.",
        "The cursor is not valid: pass the previous page's next_cursor exactly as received, "
        "or leave it out to start from the first page.",
    )


@dataclass(frozen=True)
class Keyset:
    """A list's total order: by ``key`` then ``id`` (unique), newest first unless ``ascending``.

    ``name`` goes into the cursor, so a cursor of one list is refused by another. ``key_type`` says
    how the key travels in the cursor (date, datetime, int or str). A ``nullable`` key puts the rows
    without one (drafts without an issue date) first, ordered by id: they are fetched by a separate
    ``key IS NULL`` range, because SQLite and PostgreSQL disagree on where NULLs sort and an OR of the
    two sections would not plan as one index range.
    """

    name: str
    key: QueryableAttribute[Any]
    id: QueryableAttribute[int]
    key_type: type
    attribute: str  # the row's attribute holding the key (``issue_date``)
    nullable: bool = False
    ascending: bool = False

    def order(self) -> tuple[ColumnElement[Any], ...]:
        """ORDER BY of one section (``key IS NULL`` or not): both columns in the same direction."""
        if self.ascending:
            return (self.key.asc(), self.id.asc())
        return (self.key.desc(), self.id.desc())

    def offset_order(self) -> tuple[ColumnElement[Any], ...]:
        """The same order in one ORDER BY, NULL keys first (the offset path)."""
        if self.ascending:
            return (self.key.asc().nulls_first(), self.id.asc())
        return (self.key.desc().nulls_first(), self.id.desc())

    # The cursor: base64url(JSON [name, key, id]) without padding.

    def encode(self, key: KeyValue, row_id: int) -> str:
        value: Any = key.isoformat() if isinstance(key, date | datetime) else key
        raw = json.dumps([self.name, value, row_id], separators=(",", ":"), ensure_ascii=False)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def cursor_of(self, row: Any) -> str:
        return self.encode(getattr(row, self.attribute), int(row.id))

    def decode(self, cursor: str) -> tuple[KeyValue, int]:
        """The (key, id) a cursor carries; ``invalid_cursor()`` for anything else."""
        if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
            raise invalid_cursor()
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            decoded = json.loads(raw.decode())
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise invalid_cursor() from None
        if not (isinstance(decoded, list) and len(decoded) == 3 and decoded[0] == self.name):
            raise invalid_cursor()
        _, value, row_id = decoded
        if type(row_id) is not int or not 1 <= row_id <= _MAX_ID:
            raise invalid_cursor()
        if value is None:
            if not self.nullable:
                raise invalid_cursor()
            return None, row_id
        return self._key(value), row_id

    def _key(self, value: object) -> KeyValue:
        try:
            if self.key_type is date and isinstance(value, str) and len(value) == 10:
                return date.fromisoformat(value)
            if self.key_type is datetime and isinstance(value, str) and len(value) <= 40:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is not None:
                    return moment
            if self.key_type is int and type(value) is int and abs(value) <= _MAX_ID:
                return value
            if self.key_type is str and isinstance(value, str) and len(value) <= 300:
                return value
        except ValueError:
            pass
        raise invalid_cursor()


@dataclass(frozen=True)
class KeysetParams:
    """Where a keyset page starts and how long it is.

    ``cursor`` is the previous page's ``next_cursor`` (None: the first page). ``with_total``: count
    every match (a full count of the filter, what keyset pages avoid); None counts on the first page
    only. ``offset_page`` keeps old clients' ``?page=N`` working on the same order (it skips rows, so
    it costs what it always cost); it cannot be combined with a cursor.
    """

    limit: int = 50
    cursor: str | None = None
    with_total: bool | None = None
    offset_page: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, got {self.limit}")
        if self.offset_page is not None and self.offset_page < 1:
            raise ValueError(f"page must be 1 or greater, got {self.offset_page}")
        if self.offset_page is not None and self.cursor is not None:
            raise ValueError("page and cursor cannot be combined")

    @property
    def counts(self) -> bool:
        if self.with_total is not None:
            return self.with_total
        return self.cursor is None


@dataclass
class KeysetPage(Generic[T]):
    """One keyset page: its items, the cursor of the next one (None on the last page), and the
    number of all matches when it was counted (see ``KeysetParams.with_total``)."""

    items: list[T]
    limit: int
    next_cursor: str | None
    total: int | None = None
    page: int | None = None  # the page number on the offset path and on the first page

    def map(self, fn: Callable[[T], U]) -> KeysetPage[U]:
        return KeysetPage([fn(item) for item in self.items], self.limit, self.next_cursor, self.total, self.page)


def _after(keyset: Keyset, key: KeyValue, row_id: int) -> ColumnElement[bool]:
    """Rows after (key, id) in the keyset's order, as one row-value comparison: both databases
    plan ``(a, b) < (x, y)`` as a range on an index ending in ``(a, b)``."""
    if keyset.ascending:
        return tuple_(keyset.key, keyset.id) > tuple_(key, row_id)
    return tuple_(keyset.key, keyset.id) < tuple_(key, row_id)


def _after_id(keyset: Keyset, row_id: int) -> ColumnElement[bool]:
    return keyset.id > row_id if keyset.ascending else keyset.id < row_id


@dataclass(frozen=True)
class KeyRange:
    """A filter on the sort key itself (``from``/``to`` on the issue date), inclusive.

    It is applied here rather than by the caller because of the cursor: with both ``key <= :to``
    and ``(key, id) < (:key, :id)``, SQLite starts the index range at ``:to`` and walks down to the
    cursor (page N costs N pages); past a cursor the cursor is the tighter bound, so the bound on
    the same side is left out. A range excludes the rows without a key."""

    lower: KeyValue = None
    upper: KeyValue = None

    def __bool__(self) -> bool:
        return self.lower is not None or self.upper is not None

    def where(self, keyset: Keyset, cursor: tuple[KeyValue, int] | None) -> list[ColumnElement[bool]]:
        after = cursor[0] if cursor is not None else None
        terms = []
        if self.lower is not None and not (keyset.ascending and after is not None and after >= self.lower):  # type: ignore[operator]
            terms.append(keyset.key >= self.lower)
        if self.upper is not None and not (not keyset.ascending and after is not None and after <= self.upper):  # type: ignore[operator]
            terms.append(keyset.key <= self.upper)
        return terms


def keyset_statements(
    stmt: Select[T],
    keyset: Keyset,
    cursor: tuple[KeyValue, int] | None,
    limit: int,
    key_range: KeyRange | None = None,
) -> list[Select[T]]:
    """The statements that fetch one page (``limit`` rows, plus one to know whether more follow),
    run in order until the page is full: the ``key IS NULL`` section first when the key is
    nullable, then the keyed rows. The EXPLAIN tests check each of them."""
    fetch = limit + 1
    if key_range:
        stmt = stmt.where(*key_range.where(keyset, cursor))
        if keyset.nullable:  # a range on the key leaves no row without one
            where = [keyset.key.is_not(None)] + (
                [] if cursor is None or cursor[0] is None else [_after(keyset, *cursor)]
            )
            return [stmt.where(*where).order_by(*keyset.order()).limit(fetch)]
    if not keyset.nullable:
        where = [] if cursor is None else [_after(keyset, *cursor)]
        return [stmt.where(*where).order_by(*keyset.order()).limit(fetch)]
    keyed = stmt.where(keyset.key.is_not(None))
    if cursor is not None and cursor[0] is not None:
        return [keyed.where(_after(keyset, *cursor)).order_by(*keyset.order()).limit(fetch)]
    unkeyed = stmt.where(keyset.key.is_(None))
    if cursor is not None:
        unkeyed = unkeyed.where(_after_id(keyset, cursor[1]))
    # The NULL section is ordered by (key, id) too, although the key is NULL throughout: PostgreSQL
    # does not take ``key IS NULL`` as fixing the key, and would sort by id alone.
    return [unkeyed.order_by(*keyset.order()).limit(fetch), keyed.order_by(*keyset.order()).limit(fetch)]


def keyset_page(
    session: Session, stmt: Select[T], keyset: Keyset, params: KeysetParams, key_range: KeyRange | None = None
) -> KeysetPage[T]:
    """Run ``stmt`` (a filtered ``select(Entity)`` without ORDER BY) for one keyset page;
    ``key_range`` is the filter on the sort key itself, if any (see ``KeyRange``)."""
    total = None
    counted = stmt.where(*key_range.where(keyset, None)) if key_range else stmt
    if params.counts:
        total = session.execute(select(func.count()).select_from(counted.order_by(None).subquery())).scalar_one()
    if params.offset_page is not None:
        stmt = counted
        offset = (params.offset_page - 1) * params.limit
        rows = list(session.scalars(stmt.order_by(*keyset.offset_order()).limit(params.limit + 1).offset(offset)))
        page: int | None = params.offset_page
    else:
        cursor = keyset.decode(params.cursor) if params.cursor is not None else None
        rows = []
        for part in keyset_statements(stmt, keyset, cursor, params.limit, key_range):
            rows.extend(session.scalars(part.limit(params.limit + 1 - len(rows))))
            if len(rows) > params.limit:
                break
        page = 1 if cursor is None else None
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = keyset.cursor_of(rows[-1]) if more and rows else None
    return KeysetPage(items=rows, limit=params.limit, next_cursor=next_cursor, total=total, page=page)
