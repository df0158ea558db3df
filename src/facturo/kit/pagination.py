"""Offset pagination shared by the API and the CLI.

Pages are numbered from 1 because that is what people type in a URL or a command line. The size
is capped so that a single request cannot ask the database for an unbounded result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

__all__ = ["MAX_PAGE_SIZE", "Page", "PageParams", "paginate"]

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
