"""The sequence audit over HTTP: gaps (list and CSV), sequences, top issuers, monthly figures.

Gaps are read with ``audit_gaps:read`` and the aggregates with ``audit_summary:read``; a
credential bound to issuer NITs sees only those issuers in every answer (docs/security.md).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from facturo.kit.access import Permission
from facturo.kit.downloads import content_disposition
from facturo.kit.schemas import IsoDate
from facturo.sequence_audit import service
from facturo.sequence_audit.schemas import DEFAULT_TOP, GapOut, GapQuery, MonthlyOut, SequenceOut, TopOut
from facturo.surface.rest.deps import DbSession
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.security import CurrentPrincipal, requires

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], route_class=UnitOfWorkRoute)

Nit = Annotated[str | None, Query(max_length=20, pattern=r"^[0-9A-Za-z-]+$", description="An issuer NIT.")]
Day = Annotated[IsoDate | None, Query(description="Gaps first detected on this day (default: yesterday).")]
From = Annotated[IsoDate | None, Query(alias="from")]
To = Annotated[IsoDate | None, Query(alias="to")]
# Years from 1000: year 0 is no date at all.
Month = Annotated[str, Query(pattern=r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", description="YYYY-MM")]


def _query(principal: CurrentPrincipal, day: Day, date_from: From, date_to: To, issuer_nit: Nit) -> GapQuery:
    return GapQuery(day, date_from, date_to, issuer_nit, principal.issuer_nits)


@router.get("/gaps", response_model=list[GapOut], dependencies=[requires(Permission.AUDIT_GAPS_READ)])
def list_gaps(
    session: DbSession,
    principal: CurrentPrincipal,
    day: Day = None,
    date_from: From = None,
    date_to: To = None,
    issuer_nit: Nit = None,
) -> list[GapOut]:
    """The gaps first detected on `day` (default: yesterday, organisation's time zone), or with
    `from` and `to` the gaps with a received document on either side dated in the range."""
    return service.gaps(session, _query(principal, day, date_from, date_to, issuer_nit))


@router.get(
    "/gaps.csv",
    dependencies=[requires(Permission.AUDIT_GAPS_READ)],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_gaps(
    session: DbSession,
    principal: CurrentPrincipal,
    day: Day = None,
    date_from: From = None,
    date_to: To = None,
    issuer_nit: Nit = None,
    expand: Annotated[bool, Query(description="One row per missing number instead of one per gap.")] = False,
) -> StreamingResponse:
    """The same gaps as CSV (formula-safe cells)."""
    return StreamingResponse(
        service.gaps_csv(session, _query(principal, day, date_from, date_to, issuer_nit), expand),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition("numeros-faltantes.csv")},
    )


@router.get("/sequences", response_model=list[SequenceOut], dependencies=[requires(Permission.AUDIT_GAPS_READ)])
def list_sequences(session: DbSession, principal: CurrentPrincipal, issuer_nit: Nit = None) -> list[SequenceOut]:
    """Every sequence followed (issuer, kind, series): auditable or not, its floor, what is missing."""
    return service.sequences(session, issuer_nit, principal.issuer_nits)


@router.get("/top", response_model=list[TopOut], dependencies=[requires(Permission.AUDIT_SUMMARY_READ)])
def top_issuers(
    session: DbSession,
    principal: CurrentPrincipal,
    date_from: From = None,
    date_to: To = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = DEFAULT_TOP,
) -> list[TopOut]:
    """The issuers with the most missing numbers in the range (default 2024-01-01 to today)."""
    return service.top(session, date_from, date_to, limit, principal.issuer_nits)


@router.get("/monthly", response_model=list[MonthlyOut], dependencies=[requires(Permission.AUDIT_SUMMARY_READ)])
def monthly_report(session: DbSession, principal: CurrentPrincipal, since: Month = "2024-01") -> list[MonthlyOut]:
    """Per issuer and month since `since`: documents, gaps opened, gaps closed late, numbers
    missing at the month's end."""
    return service.monthly(session, date(int(since[:4]), int(since[5:]), 1), principal.issuer_nits)
