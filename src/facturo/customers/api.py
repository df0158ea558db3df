from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from facturo.audit.schemas import HistoryEntryOut
from facturo.customers import service
from facturo.customers.schemas import CustomerIn, CustomerOut, CustomerPatch
from facturo.kit.access import Permission
from facturo.kit.schemas import NO_NUL
from facturo.surface.rest.deps import CurrentActor, DbSession, Keyset, PathId
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.schemas import ListOut
from facturo.surface.rest.security import requires

router = APIRouter(prefix="/api/v1/customers", tags=["customers"], route_class=UnitOfWorkRoute)


@router.get("", response_model=ListOut[CustomerOut], dependencies=[requires(Permission.CUSTOMERS_READ)])
def list_customers(
    session: DbSession,
    paging: Keyset,
    q: Annotated[str | None, Query(max_length=100, pattern=NO_NUL, description="Search in name and NIT.")] = None,
    active: bool | None = None,
) -> ListOut[CustomerOut]:
    """By name, in keyset pages (docs/api.md, "Pagination")."""
    page = service.list_customers(session, paging, q, active)
    return ListOut.of(page.map(CustomerOut.model_validate))


@router.post(
    "",
    response_model=CustomerOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.CUSTOMERS_WRITE)],
)
def create_customer(session: DbSession, actor: CurrentActor, data: CustomerIn) -> CustomerOut:
    return CustomerOut.model_validate(service.create_customer(session, actor, data))


@router.get("/{customer_id}", response_model=CustomerOut, dependencies=[requires(Permission.CUSTOMERS_READ)])
def get_customer(session: DbSession, customer_id: PathId) -> CustomerOut:
    return CustomerOut.model_validate(service.get_customer(session, customer_id))


@router.patch("/{customer_id}", response_model=CustomerOut, dependencies=[requires(Permission.CUSTOMERS_WRITE)])
def update_customer(session: DbSession, actor: CurrentActor, customer_id: PathId, data: CustomerPatch) -> CustomerOut:
    return CustomerOut.model_validate(service.update_customer(session, actor, customer_id, data))


@router.post(
    "/{customer_id}/deactivate", response_model=CustomerOut, dependencies=[requires(Permission.CUSTOMERS_WRITE)]
)
def deactivate_customer(session: DbSession, actor: CurrentActor, customer_id: PathId) -> CustomerOut:
    return CustomerOut.model_validate(service.set_active(session, actor, customer_id, False))


@router.post("/{customer_id}/activate", response_model=CustomerOut, dependencies=[requires(Permission.CUSTOMERS_WRITE)])
def activate_customer(session: DbSession, actor: CurrentActor, customer_id: PathId) -> CustomerOut:
    return CustomerOut.model_validate(service.set_active(session, actor, customer_id, True))


@router.delete(
    "/{customer_id}", status_code=status.HTTP_204_NO_CONTENT, dependencies=[requires(Permission.CUSTOMERS_WRITE)]
)
def delete_customer(session: DbSession, actor: CurrentActor, customer_id: PathId) -> None:
    service.delete_customer(session, actor, customer_id)


@router.get(
    "/{customer_id}/history", response_model=list[HistoryEntryOut], dependencies=[requires(Permission.HISTORY_READ)]
)
def customer_history(session: DbSession, customer_id: PathId) -> list[HistoryEntryOut]:
    return [HistoryEntryOut.model_validate(r) for r in service.customer_history(session, customer_id)]
