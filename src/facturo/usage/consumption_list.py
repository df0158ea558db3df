"""The consumption list: readings as stored, newest business day first, in keyset pages
(docs/api.md, "Pagination"), filtered by customer, instance, business date range and billing state.

Order: (consumed_on, id) descending. The customer and instance filters have an index ending in that
order (ix_usage_consumptions_customer_day, ix_usage_consumptions_instance_day), the date range
uses ix_usage_consumptions_on (migration 0008); tests/lists checks each plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import AwareDatetime
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from facturo.kit.pagination import Keyset, KeysetPage, KeysetParams, keyset_page
from facturo.kit.schemas import DecimalText, Out
from facturo.usage.models import Consumption

CONSUMPTION_ORDER = Keyset(
    name="use", key=Consumption.consumed_on, id=Consumption.id, key_type=date, attribute="consumed_on"
)


class ConsumptionOut(Out):
    id: int
    customer_id: int
    instance_id: int
    consumed_at: AwareDatetime
    consumed_on: date
    hours: DecimalText
    message_id: int | None
    recorded_at: AwareDatetime


@dataclass(frozen=True)
class ConsumptionFilter:
    customer_id: int | None = None
    instance_id: int | None = None
    date_from: date | None = None  # business date, inclusive
    date_to: date | None = None


def filtered_consumptions(flt: ConsumptionFilter) -> Select[Consumption]:
    """The filter's statement without order or limit (the EXPLAIN tests plan it)."""
    stmt = select(Consumption)
    if flt.customer_id is not None:
        stmt = stmt.where(Consumption.customer_id == flt.customer_id)
    if flt.instance_id is not None:
        stmt = stmt.where(Consumption.instance_id == flt.instance_id)
    if flt.date_from is not None:
        stmt = stmt.where(Consumption.consumed_on >= flt.date_from)
    if flt.date_to is not None:
        stmt = stmt.where(Consumption.consumed_on <= flt.date_to)
    return stmt


def list_consumptions(session: Session, params: KeysetParams, flt: ConsumptionFilter) -> KeysetPage[ConsumptionOut]:
    """A keyset page of consumptions, newest business day first."""
    page = keyset_page(session, filtered_consumptions(flt), CONSUMPTION_ORDER, params)
    return page.map(ConsumptionOut.model_validate)
