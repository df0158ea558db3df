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

from facturo.kit.pagination import KeyRange, Keyset, KeysetPage, KeysetParams, keyset_page
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


def filtered_consumptions(flt: ConsumptionFilter) -> tuple[Select[Consumption], KeyRange]:
    """The filter's statement without order or limit, and its range on the business date (the
    EXPLAIN tests plan them)."""
    stmt = select(Consumption)
    if flt.customer_id is not None:
        stmt = stmt.where(Consumption.customer_id == flt.customer_id)
    if flt.instance_id is not None:
        stmt = stmt.where(Consumption.instance_id == flt.instance_id)
    return stmt, KeyRange(flt.date_from, flt.date_to)


def list_consumptions(session: Session, params: KeysetParams, flt: ConsumptionFilter) -> KeysetPage[ConsumptionOut]:
    """A keyset page of consumptions, newest business day first."""
    stmt, key_range = filtered_consumptions(flt)
    page = keyset_page(session, stmt, CONSUMPTION_ORDER, params, key_range)
    return page.map(ConsumptionOut.model_validate)
