from __future__ import annotations

from fastapi import APIRouter, status

from facturo.invoicing import documents
from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import ChainReportOut, SeriesIn, SeriesOut
from facturo.kit.access import Permission
from facturo.organisation import service
from facturo.organisation.schemas import IssuerIn, IssuerOut
from facturo.surface.rest.deps import CurrentActor, DbSession
from facturo.surface.rest.openapi_responses import errors
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.security import requires

router = APIRouter(prefix="/api/v1", tags=["organisation"], route_class=UnitOfWorkRoute)


@router.get(
    "/organisation",
    response_model=IssuerOut,
    responses=errors(409),  # not configured yet
    dependencies=[requires(Permission.INVOICES_READ)],
)
def get_organisation(session: DbSession) -> IssuerOut:
    return IssuerOut.model_validate(service.own_issuer(session))


@router.put("/organisation", response_model=IssuerOut, dependencies=[requires(Permission.ORGANISATION_WRITE)])
def save_organisation(session: DbSession, actor: CurrentActor, data: IssuerIn) -> IssuerOut:
    return IssuerOut.model_validate(invoicing.set_up(session, actor, data))


@router.get("/series", response_model=list[SeriesOut], dependencies=[requires(Permission.INVOICES_READ)])
def list_series(session: DbSession) -> list[SeriesOut]:
    return [SeriesOut.model_validate(s) for s in invoicing.own_series(session)]


@router.post(
    "/series",
    response_model=SeriesOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.ORGANISATION_WRITE)],
)
def create_series(session: DbSession, actor: CurrentActor, data: SeriesIn) -> SeriesOut:
    return SeriesOut.model_validate(invoicing.create_own_series(session, actor, data))


@router.get(
    "/series/verify-chain",
    response_model=list[ChainReportOut],
    responses=errors(409),  # not configured yet
    dependencies=[requires(Permission.HISTORY_READ)],
)
def verify_chain(session: DbSession) -> list[ChainReportOut]:
    return [ChainReportOut.model_validate(r) for r in documents.verify_own_chains(session)]
