from __future__ import annotations

from fastapi import APIRouter, status

from facturo.invoicing import payments as service
from facturo.invoicing.payment_schemas import PaymentIn, PaymentOut, ReversalIn
from facturo.kit.access import Permission
from facturo.surface.rest.deps import CurrentActor, DbSession, PathId
from facturo.surface.rest.routing import UnitOfWorkRoute
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


@router.get("/payments/{payment_id}", response_model=PaymentOut, dependencies=[requires(Permission.INVOICES_READ)])
def get_payment(session: DbSession, principal: CurrentPrincipal, payment_id: PathId) -> PaymentOut:
    return service.find_payment_view(session, payment_id, visible_to=principal.customer_id)


@router.post(
    "/payments/{payment_id}/reverse", response_model=PaymentOut, dependencies=[requires(Permission.PAYMENTS_WRITE)]
)
def reverse_payment(session: DbSession, actor: CurrentActor, payment_id: PathId, data: ReversalIn) -> PaymentOut:
    return service.reverse_payment_view(session, actor, payment_id, data.reason)
