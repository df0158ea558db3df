"""Creating usage records one by one (API, CLI, web) through the very rules a message applies.

Each function turns its input into the item a message would carry and runs it through the same
importer step, so a record typed by hand is validated exactly like one that arrived in a file.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.customers import service as customers
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.errors import Conflict, Msg, ValidationFailed, not_found
from facturo.organisation import service as organisation
from facturo.usage import configuration_import as apply
from facturo.usage.import_report import ImportReport
from facturo.usage.ipc2 import messages as items
from facturo.usage.ipc2.values import ValueRejected, parse_decimal, parse_nit
from facturo.usage.models import ITEM_QUANTITY_SCALE, Category, Configuration, Instance, Resource
from facturo.usage.schemas import (
    CategoryIn,
    ConfigurationIn,
    InstanceIn,
    ResourceIn,
    UsageCustomerIn,
)


def _report() -> ImportReport:
    return ImportReport("configuration")


def _raise_rejections(report: ImportReport, field: str) -> None:
    if report.rejections:
        note = report.rejections[0].note
        raise ValidationFailed.on(field, note.rule, note.es, note.en)


def _ensure_new(session: Session, model: type[Resource | Category | Configuration | Instance], code: str) -> None:
    if session.scalar(select(model.id).where(model.code == code)) is not None:
        raise Conflict(Msg(f"Ya existe un registro con id «{code}».", f"A record with id “{code}” already exists."))


def create_resource(session: Session, actor: Actor, data: ResourceIn) -> Resource:
    _ensure_new(session, Resource, data.code)
    item = items.ResourceItem(0, data.code, data.name, data.abbreviation, data.metric, data.kind, data.price_per_hour)
    return apply.apply_resources(session, actor, [item], clock.now(), _report())[data.code]


def create_category(session: Session, actor: Actor, data: CategoryIn) -> Category:
    _ensure_new(session, Category, data.code)
    item = items.CategoryItem(0, data.code, data.name, data.description, data.workload)
    return apply.apply_categories(session, actor, [item], _report())[data.code]


def create_configuration(session: Session, actor: Actor, data: ConfigurationIn) -> Configuration:
    _ensure_new(session, Configuration, data.code)
    category = session.scalars(select(Category).where(Category.code == data.category_code)).one_or_none()
    if category is None:
        raise ValidationFailed.on(
            "category_code",
            "configuration.unknown_category",
            f"La categoría «{data.category_code}» no existe.",
            f"Category “{data.category_code}” does not exist.",
        )
    quantities = {}
    for code, quantity in data.resources.items():
        try:
            quantities[code] = parse_decimal(
                format(quantity, "f"),
                field_es=f"cantidad del recurso {code}",
                field_en=f"quantity of resource {code}",
                max_places=ITEM_QUANTITY_SCALE,
            )
        except ValueRejected as exc:
            raise ValidationFailed.on("resources", exc.note.rule, exc.note.es, exc.note.en) from None
    item = items.ConfigurationItem(0, data.code, data.name, data.description, data.category_code, quantities)
    report = _report()
    stored = apply.apply_configurations(session, actor, [item], {}, {category.code: category}, clock.now(), report)
    _raise_rejections(report, "resources")
    return stored[data.code]


def create_customer(session: Session, actor: Actor, data: UsageCustomerIn) -> tuple[int, ImportReport]:
    """A usage customer: the same lenient NIT rule as messages (a wrong check digit is a warning)."""
    try:
        nit, notes = parse_nit(data.nit)
    except ValueRejected as exc:
        raise ValidationFailed.on("nit", exc.note.rule, exc.note.es, exc.note.en) from None
    if customers.find_by_nits(session, [nit]):
        raise Conflict(Msg(f"Ya existe un cliente con NIT {nit}.", f"A customer with NIT {nit} already exists."))
    report = _report()
    for note in notes:
        report.warn(0, "customer", nit, note)
    item = items.CustomerItem(0, nit, data.name, data.username, data.password, data.address, data.email)
    ids = apply.apply_customers(session, actor, [item], report)
    return ids[nit], report


def create_instance(session: Session, actor: Actor, data: InstanceIn) -> Instance:
    _ensure_new(session, Instance, data.code)
    try:
        nit, _ = parse_nit(data.customer_nit)
    except ValueRejected as exc:
        raise ValidationFailed.on("customer_nit", exc.note.rule, exc.note.es, exc.note.en) from None
    found = customers.find_by_nits(session, [nit])
    if not found:
        raise ValidationFailed.on(
            "customer_nit",
            "instance.unknown_customer",
            f"No existe un cliente con NIT {nit}.",
            f"There is no customer with NIT {nit}.",
        )
    if data.state == "cancelada" and data.end_date is None:
        raise ValidationFailed.on(
            "end_date",
            "instance.cancelled_without_end",
            "Una instancia Cancelada necesita fecha final.",
            "A cancelled instance needs an end date.",
        )
    end = data.end_date if data.state == "cancelada" else None
    if end is not None and end < data.start_date:
        raise ValidationFailed.on(
            "end_date",
            "instance.end_before_start",
            "La fecha final es anterior a la de inicio.",
            "The end date is before the start date.",
        )
    item = items.InstanceItem(0, data.code, nit, data.configuration_code, data.name, data.start_date, data.state, end)
    report = _report()
    apply.apply_instances(session, actor, [item], {nit: found[nit].id}, {}, report)
    _raise_rejections(report, "configuration_code")
    return session.scalars(select(Instance).where(Instance.code == data.code)).one()


def get_instance(session: Session, code: str) -> Instance:
    instance = session.scalars(select(Instance).where(Instance.code == code)).one_or_none()
    if instance is None:
        raise not_found("la instancia", "Instance", code)
    return instance


def cancel_instance(session: Session, actor: Actor, code: str, end_date: date | None = None) -> Instance:
    instance = get_instance(session, code)
    if instance.state == "cancelada":
        raise Conflict(
            Msg(
                f"La instancia {code} ya está cancelada desde el {instance.end_date:%d/%m/%Y}.",
                f"Instance {code} is already cancelled since {instance.end_date}.",
            )
        )
    end = end_date or clock.today(organisation.own_timezone(session))
    if end < instance.start_date:
        raise ValidationFailed.on(
            "end_date",
            "instance.end_before_start",
            f"La fecha final {end:%d/%m/%Y} es anterior al inicio ({instance.start_date:%d/%m/%Y}).",
            f"The end date {end.isoformat()} is before the start ({instance.start_date.isoformat()}).",
        )
    instance.state, instance.end_date = "cancelada", end
    session.flush()
    audit.record(
        session,
        actor,
        "usage_instance",
        instance.id,
        "cancelled",
        before={"state": "vigente"},
        after={"state": "cancelada", "end_date": end.isoformat()},
    )
    return instance
