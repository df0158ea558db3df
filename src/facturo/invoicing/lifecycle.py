"""The invoice lifecycle, in one place.

    draft ──issue──▶ issued ──pay──▶ partially_paid ──pay──▶ paid
                       │  ╲                 │
                       │   ╲──credit──▶ credited (settled by credit notes alone)
                       └──void──▶ void   (only without payments or credit notes; keeps its number)

Payments and credit notes move an invoice between issued, partially_paid, paid and credited by
themselves (``settlement_status``); reversing a payment can move it back. Overdue is not a
status: it is derived from the due date and the balance (``is_overdue``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from facturo.kit.errors import InvalidTransition, Msg


class Status(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CREDITED = "credited"
    VOID = "void"


OPEN = frozenset({Status.ISSUED, Status.PARTIALLY_PAID})
SETTLEMENT = frozenset({Status.ISSUED, Status.PARTIALLY_PAID, Status.PAID, Status.CREDITED})

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.DRAFT: frozenset({Status.ISSUED}),
    Status.ISSUED: frozenset({Status.PARTIALLY_PAID, Status.PAID, Status.CREDITED, Status.VOID}),
    Status.PARTIALLY_PAID: frozenset({Status.ISSUED, Status.PAID, Status.CREDITED}),
    Status.PAID: frozenset({Status.PARTIALLY_PAID, Status.ISSUED}),
    Status.CREDITED: frozenset({Status.ISSUED, Status.PARTIALLY_PAID}),
    Status.VOID: frozenset(),
}

LABELS_ES = {
    Status.DRAFT: "borrador",
    Status.ISSUED: "emitida",
    Status.PARTIALLY_PAID: "pagada parcialmente",
    Status.PAID: "pagada",
    Status.CREDITED: "acreditada",
    Status.VOID: "anulada",
}


def ensure_transition(current: str, target: Status) -> None:
    source = Status(current)
    if source == target:
        return
    if target not in ALLOWED[source]:
        raise InvalidTransition(
            Msg(
                f"Una factura {LABELS_ES[source]} no puede pasar a {LABELS_ES[target]}.",
                f"An invoice that is {source.value} cannot become {target.value}.",
            )
        )


def settlement_status(total: Decimal, credited: Decimal, paid: Decimal) -> Status:
    """Where an issued invoice stands given what was credited and paid against it."""
    if total - credited - paid <= 0:
        return Status.PAID if paid > 0 else Status.CREDITED
    if paid > 0:
        return Status.PARTIALLY_PAID
    return Status.ISSUED


def is_overdue(status: str, due_date: date | None, balance: Decimal, today: date) -> bool:
    return Status(status) in OPEN and due_date is not None and due_date < today and balance > 0
