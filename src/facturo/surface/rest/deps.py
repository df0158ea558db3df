"""Dependencies shared by every router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from sqlalchemy.orm import Session

from facturo.kit.access import Principal
from facturo.kit.actor import Actor
from facturo.kit.errors import ValidationFailed
from facturo.kit.pagination import MAX_CURSOR_LENGTH, MAX_PAGE_SIZE, KeysetParams, PageParams
from facturo.kit.schemas import MAX_ID
from facturo.surface.rest.security import authenticate


async def get_session(request: Request) -> Session:
    session: Session = request.state.session
    return session


async def current_actor(principal: Annotated[Principal, Depends(authenticate)]) -> Actor:
    """Who is acting, from the request's credential; the history records it."""
    return principal.actor


async def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")] = 50,
) -> PageParams:
    try:
        return PageParams(page=page, size=size)
    except ValueError as exc:
        raise ValidationFailed.on("page", "page.range", str(exc), str(exc)) from None


async def keyset_params(
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            pattern="^[A-Za-z0-9_-]+$",
            description="The previous page's next_cursor; leave out for the first page.",
        ),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (default 50).")] = None,
    size: Annotated[
        int | None, Query(ge=1, le=MAX_PAGE_SIZE, description="Old name of limit.", deprecated=True)
    ] = None,
    with_total: Annotated[
        bool | None, Query(description="Count all matches; by default counted on the first page only.")
    ] = None,
    page: Annotated[
        int | None,
        Query(ge=1, le=1_000_000, description="Old offset paging (slow on deep pages): use cursor.", deprecated=True),
    ] = None,
) -> KeysetParams:
    if page is not None and cursor is not None:
        raise ValidationFailed.on(
            "page",
            "page.with_cursor",
            "Use page o cursor, no ambos.",
            "Use either page or cursor, not both.",
        )
    try:
        return KeysetParams(limit=limit or size or 50, cursor=cursor, with_total=with_total, offset_page=page)
    except ValueError as exc:
        raise ValidationFailed.on("limit", "page.range", str(exc), str(exc)) from None


DbSession = Annotated[Session, Depends(get_session)]
CurrentActor = Annotated[Actor, Depends(current_actor)]
Paging = Annotated[PageParams, Depends(page_params)]
Keyset = Annotated[KeysetParams, Depends(keyset_params)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
