"""The payment list: every payment received, newest first, in keyset pages (docs/api.md,
"Pagination"), filtered by invoice, customer, method and received date.

Each filter has an index ending in the order (received_on, id) (migration 0008), or walks that
order and keeps the matches (method, customer: see the notes on ``_filtered``); the EXPLAIN tests
in tests/lists check every plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from facturo.invoicing.payment_models import Payment, PaymentSplit
from facturo.invoicing.payment_schemas import PaymentOut
from facturo.kit.pagination import KeyRange, Keyset, KeysetPage, KeysetParams, keyset_page

PAYMENT_ORDER = Keyset(name="pay", key=Payment.received_on, id=Payment.id, key_type=date, attribute="received_on")


@dataclass(frozen=True)
class PaymentFilter:
    invoice_id: int | None = None
    customer_id: int | None = None
    method: str | None = None
    date_from: date | None = None  # received on or after
    date_to: date | None = None  # received on or before
    status: str | None = None  # active | reversed
    visible_to: int | None = None  # a portal caller's own customer: nothing else is listed


def _filtered(flt: PaymentFilter) -> Select[Payment]:
    """The filters. The customer is the invoice's, copied on the payment when it is registered
    (``payments.customer_id``), so a customer's payments are one range of
    ix_payments_customer_received. The method (held by the splits) walks the order and keeps the
    matches."""
    stmt = select(Payment)
    if flt.invoice_id is not None:
        stmt = stmt.where(Payment.invoice_id == flt.invoice_id)
    if flt.customer_id is not None:
        stmt = stmt.where(Payment.customer_id == flt.customer_id)
    if flt.visible_to is not None:
        stmt = stmt.where(Payment.customer_id == flt.visible_to)
    if flt.method is not None:
        stmt = stmt.where(exists().where(PaymentSplit.payment_id == Payment.id, PaymentSplit.method == flt.method))
    if flt.status is not None:
        stmt = stmt.where(Payment.status == flt.status)
    return stmt


def filtered_payments(flt: PaymentFilter) -> tuple[Select[Payment], KeyRange]:
    """The filter's statement without order or limit, and its range on the received date (the
    EXPLAIN tests plan them)."""
    return _filtered(flt), KeyRange(flt.date_from, flt.date_to)


def list_payments(session: Session, params: KeysetParams, flt: PaymentFilter) -> KeysetPage[PaymentOut]:
    """A keyset page of payments, newest received first."""
    stmt, key_range = filtered_payments(flt)
    return keyset_page(session, stmt, PAYMENT_ORDER, params, key_range).map(PaymentOut.model_validate)
