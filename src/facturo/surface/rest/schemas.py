"""Envelope types for API responses."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from facturo.kit.pagination import Page

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
