"""Reading usage data: the "query data" view and the list of billing runs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from facturo.customers import service as customers
from facturo.kit import clock
from facturo.kit.money import quantize
from facturo.usage.models import BilledPeriod, BillingRun, Category, Configuration, Consumption, Instance, Resource
from facturo.usage.rates import RateBook, in_force


def _text(value: object) -> str:
    return format(value, "f")


def not_billed() -> ColumnElement[bool]:
    """Consumptions no billing run has closed the day of."""
    return ~(
        select(BilledPeriod.id)
        .where(
            BilledPeriod.instance_id == Consumption.instance_id,
            BilledPeriod.date_from <= Consumption.consumed_on,
            BilledPeriod.date_to >= Consumption.consumed_on,
        )
        .exists()
    )


def overview(session: Session, customer_id: int | None = None) -> dict[str, list[dict[str, Any]]]:
    """Everything stored, with prices and rates in force now and the unbilled consumption of each
    instance (count, hours and what it would cost at today's rates). ``customer_id`` narrows the
    customers to one (portal)."""
    now = clock.now()
    resources = list(session.scalars(select(Resource).order_by(Resource.code)))
    configurations = list(session.scalars(select(Configuration).order_by(Configuration.code)))
    book = RateBook(configurations, resources)
    categories = list(session.scalars(select(Category).order_by(Category.code)))
    stmt = select(Instance).order_by(Instance.code)
    if customer_id is not None:
        stmt = stmt.where(Instance.customer_id == customer_id)
    instances = list(session.scalars(stmt))
    unbilled = {
        row.instance_id: row
        for row in session.execute(
            select(
                Consumption.instance_id,
                func.count().label("count"),
                func.sum(Consumption.hours).label("hours"),
            )
            .where(not_billed())
            .group_by(Consumption.instance_id)
        )
    }
    by_customer: dict[int, list[dict[str, Any]]] = {}
    for instance in instances:
        pending = unbilled.get(instance.id)
        rate = book.rate_at(instance.configuration_id, now).per_hour
        hours = pending.hours if pending is not None else None
        by_customer.setdefault(instance.customer_id, []).append(
            {
                "code": instance.code,
                "name": instance.name,
                "configuration": book.configuration(instance.configuration_id).code,
                "start_date": instance.start_date.isoformat(),
                "state": instance.state,
                "end_date": instance.end_date.isoformat() if instance.end_date else None,
                "unbilled_consumptions": pending.count if pending is not None else 0,
                "unbilled_hours": _text(hours) if hours is not None else "0",
                "unbilled_estimate": _text(quantize(hours * rate)) if hours is not None else "0.00",
            }
        )
    owners = customers.by_ids(session, by_customer)
    by_category: dict[int, list[dict[str, Any]]] = {}
    for configuration in configurations:
        version = in_force(configuration.versions, now)
        by_category.setdefault(configuration.category_id, []).append(
            {
                "code": configuration.code,
                "name": configuration.name,
                "description": configuration.description,
                "hour_rate": _text(book.rate_at(configuration.id, now).per_hour),
                "resources": {
                    next(r.code for r in resources if r.id == item.resource_id): _text(item.quantity)
                    for item in version.items
                },
            }
        )
    return {
        "resources": [
            {
                "code": r.code,
                "name": r.name,
                "abbreviation": r.abbreviation,
                "metric": r.metric,
                "kind": r.kind,
                "price_per_hour": _text(in_force(r.prices, now).price_per_hour),
                "price_versions": len(r.prices),
            }
            for r in resources
        ],
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "description": c.description,
                "workload": c.workload,
                "configurations": by_category.get(c.id, []),
            }
            for c in categories
        ],
        "customers": [
            {"nit": owners[cid].nit, "name": owners[cid].name, "instances": items}
            for cid, items in sorted(by_customer.items(), key=lambda kv: owners[kv[0]].nit)
        ],
    }


def list_runs(session: Session, limit: int = 100) -> list[BillingRun]:
    return list(session.scalars(select(BillingRun).order_by(BillingRun.id.desc()).limit(limit)))
