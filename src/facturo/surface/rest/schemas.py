"""Envelope types for API responses."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from facturo.kit.pagination import KeysetPage, Page

T = TypeVar("T")


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int
    pages: int

    @classmethod
    def of(cls, page: Page[T]) -> PageOut[T]:
        return cls(items=page.items, total=page.total, page=page.page, size=page.size, pages=page.pages)


class ListOut(BaseModel, Generic[T]):
    """A keyset page (docs/api.md, "Pagination"). ``next_cursor`` continues the list (null on the
    last page); ``total`` is counted on the first page or with ``with_total=true``, null otherwise;
    ``page`` and ``pages`` are given on the first page and on the old ``?page=N`` path."""

    items: list[T]
    size: int = Field(description="The page's limit: at most this many items.")
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")
    total: int | None = Field(description="Number of all matches, when counted; null otherwise.")
    page: int | None = None
    pages: int | None = None

    @classmethod
    def of(cls, page: KeysetPage[T]) -> ListOut[T]:
        pages = -(-page.total // page.limit) if page.total is not None and page.page is not None else None
        return cls(
            items=page.items,
            size=page.limit,
            next_cursor=page.next_cursor,
            total=page.total,
            page=page.page,
            pages=pages,
        )
