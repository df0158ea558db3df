"""What the customer pages show, each gathered by one call.

An edit that is refused shows its form again with the customer it was about: the outcome carries
both, so the page never asks twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from facturo.customers import service
from facturo.customers.models import Customer
from facturo.customers.schemas import CustomerPatch
from facturo.kit.actor import Actor
from facturo.kit.errors import FacturoError

if TYPE_CHECKING:
    from facturo.audit.models import HistoryRecord


@dataclass(frozen=True, slots=True)
class CustomerScreen:
    customer: Customer
    history: list[HistoryRecord] | None  # None for a reader who may not see the history


def customer_screen(session: Session, customer_id: int, *, with_history: bool) -> CustomerScreen:
    customer = service.get_customer(session, customer_id)
    return CustomerScreen(customer, service.customer_history(session, customer_id) if with_history else None)


@dataclass(frozen=True, slots=True)
class CustomerEdit:
    customer: Customer  # as it is now: changed if the edit went through, as it was if not
    problem: FacturoError | None  # the service's refusal, if it refused


def edit_customer(session: Session, actor: Actor, customer_id: int, patch: CustomerPatch | None) -> CustomerEdit:
    """Apply ``patch``; ``None`` (the input was not valid) changes nothing and only fetches the
    customer for the form. An unknown customer is refused before anything else."""
    customer = service.get_customer(session, customer_id)
    if patch is None:
        return CustomerEdit(customer, None)
    try:
        service.update_customer(session, actor, customer_id, patch)
    except FacturoError as exc:
        return CustomerEdit(customer, exc)
    return CustomerEdit(customer, None)
