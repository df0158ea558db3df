from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from facturo.invoicing import payment_list
from facturo.invoicing import payments as service
from facturo.invoicing.payment_schemas import Method, PaymentIn, PaymentOut, ReversalIn
from facturo.kit.access import Permission
from facturo.kit.schemas import IsoDate
from facturo.surface.rest.deps import CurrentActor, DbSession, Keyset, PathId, QueryId
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.schemas import ListOut
from facturo.surface.rest.security import CurrentPrincipal, requires

router = APIRouter(prefix="/api/v1", tags=["payments"], route_class=UnitOfWorkRoute)


@router.post(
    "/invoices/{invoice_id}/payments",
    response_model=PaymentOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.PAYMENTS_WRITE)],
)
def register_payment(session: DbSession, actor: CurrentActor, invoice_id: PathId, data: PaymentIn) -> PaymentOut:
    return service.register_payment_view(session, actor, invoice_id, data)


@router.get(
    "/invoices/{invoice_id}/payments",
    response_model=list[PaymentOut],
    dependencies=[requires(Permission.INVOICES_READ)],
)
def list_payments(session: DbSession, principal: CurrentPrincipal, invoice_id: PathId) -> list[PaymentOut]:
    found = service.payments_of(session, invoice_id, visible_to=principal.customer_id)
    return [PaymentOut.model_validate(p) for p in found]


@router.get("/payments", response_model=ListOut[PaymentOut], dependencies=[requires(Permission.INVOICES_READ)])
def list_all_payments(
    session: DbSession,
    principal: CurrentPrincipal,
    paging: Keyset,
    invoice_id: QueryId = None,
    customer_id: QueryId = None,
    method: Method | None = None,
    date_from: Annotated[IsoDate | None, Query(alias="from", description="Received on or after.")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="Received on or before.")] = None,
    status_: Annotated[Literal["active", "reversed"] | None, Query(alias="status")] = None,
) -> ListOut[PaymentOut]:
    """Every payment, newest received first, in keyset pages (docs/api.md, "Pagination")."""
    flt = payment_list.PaymentFilter(
        invoice_id=invoice_id,
        customer_id=customer_id,
        method=method.value if method is not None else None,
        date_from=date_from,
        date_to=date_to,
        status=status_,
        visible_to=principal.customer_id,
    )
    return ListOut.of(payment_list.list_payments(session, paging, flt))


@router.get("/payments/{payment_id}", response_model=PaymentOut, dependencies=[requires(Permission.INVOICES_READ)])
def get_payment(session: DbSession, principal: CurrentPrincipal, payment_id: PathId) -> PaymentOut:
    return service.find_payment_view(session, payment_id, visible_to=principal.customer_id)


@router.post(
    "/payments/{payment_id}/reverse", response_model=PaymentOut, dependencies=[requires(Permission.PAYMENTS_WRITE)]
)
def reverse_payment(session: DbSession, actor: CurrentActor, payment_id: PathId, data: ReversalIn) -> PaymentOut:
    return service.reverse_payment_view(session, actor, payment_id, data.reason)
