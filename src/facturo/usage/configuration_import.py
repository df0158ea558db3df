"""Applying a configuration message (``archivoConfiguraciones``) to the stored catalog.

Items are matched by their message id (``code``). A changed price or composition becomes a new
version in force from ``effective_from``; other field changes update the record in place. Every
item ends up counted as created, updated, unchanged or rejected, with the reason for the last.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.auth import users
from facturo.customers import service as customers
from facturo.kit.actor import Actor
from facturo.usage.import_report import ImportReport
from facturo.usage.ipc2.messages import (
    CategoryItem,
    ConfigurationItem,
    ConfigurationMessage,
    CustomerItem,
    InstanceItem,
    ResourceItem,
)
from facturo.usage.ipc2.values import Note
from facturo.usage.models import (
    Category,
    Configuration,
    ConfigurationVersion,
    Instance,
    Resource,
    ResourcePrice,
)
from facturo.usage.models import ConfigurationItem as StoredItem
from facturo.usage.rates import in_force


def apply_configuration(
    session: Session, actor: Actor, message: ConfigurationMessage, effective_from: datetime, report: ImportReport
) -> None:
    resources = apply_resources(session, actor, message.resources, effective_from, report)
    categories = apply_categories(session, actor, message.categories, report)
    configurations = apply_configurations(
        session, actor, message.configurations, resources, categories, effective_from, report
    )
    customer_ids = apply_customers(session, actor, message.customers, report)
    apply_instances(session, actor, message.instances, customer_ids, configurations, report)


Item = TypeVar("Item", ResourceItem, CategoryItem, CustomerItem, InstanceItem)
Model = TypeVar("Model", Resource, Category, Configuration, Instance)


def _first_definitions(items: list[Item], entity: str, key_of: str, report: ImportReport) -> list[Item]:
    """Keep the first definition of each id; a repeat is a warning when identical, else rejected."""
    seen: dict[str, Item] = {}
    kept = []
    for item in items:
        key = getattr(item, key_of)
        first = seen.get(key)
        if first is None:
            seen[key] = item
            kept.append(item)
        elif first == replace(item, line=first.line):
            report.warn(item.line, entity, key, _repeated_note(first.line))
        else:
            report.reject(item.line, entity, key, _conflicting_note(first.line))
    return kept


def _repeated_note(first_line: int) -> Note:
    return Note(
        "definition.repeated",
        f"Definido de nuevo igual que en la línea {first_line}: se ignora la repetición.",
        f"Defined again exactly as on line {first_line}: the repetition is ignored.",
    )


def _conflicting_note(first_line: int) -> Note:
    return Note(
        "definition.conflicting",
        f"Ya se definió distinto en la línea {first_line} de este mensaje; se rechaza esta definición.",
        f"Already defined differently on line {first_line} of this message; this definition is rejected.",
    )


def _by_code(session: Session, model: type[Model], codes: list[str]) -> dict[str, Model]:
    found: dict[str, Model] = {}
    for start in range(0, len(codes), 500):
        chunk = codes[start : start + 500]
        found.update((row.code, row) for row in session.scalars(select(model).where(model.code.in_(chunk))))
    return found


def _update_fields(
    session: Session, actor: Actor, entity: str, row: object, fields: dict[str, object], report: ImportReport
) -> bool:
    """Set plain fields; record history and count ``updated`` when something changed."""
    before = audit.snapshot(row)
    for key, value in fields.items():
        setattr(row, key, value)
    changed = audit.record_changes(session, actor, f"usage_{entity}", row.id, before, audit.snapshot(row))  # type: ignore[attr-defined]
    if changed:
        session.flush()
    return bool(changed)


def _created(session: Session, actor: Actor, entity: str, row: object, report: ImportReport) -> None:
    session.add(row)
    session.flush()
    audit.record(session, actor, f"usage_{entity}", row.id, "created", after=audit.snapshot(row))  # type: ignore[attr-defined]
    report.count(entity, "created")


def apply_resources(
    session: Session, actor: Actor, items: list[ResourceItem], effective_from: datetime, report: ImportReport
) -> dict[str, Resource]:
    items = _first_definitions(items, "resource", "code", report)
    stored = _by_code(session, Resource, [i.code for i in items])
    for item in items:
        fields: dict[str, object] = {
            "name": item.name[:200],
            "abbreviation": item.abbreviation[:40],
            "metric": item.metric[:100],
            "kind": item.kind,
        }
        resource = stored.get(item.code)
        if resource is None:
            resource = Resource(code=item.code[:40], **fields)
            resource.prices = [ResourcePrice(valid_from=effective_from, price_per_hour=item.price_per_hour)]
            _created(session, actor, "resource", resource, report)
            stored[item.code] = resource
            continue
        changed = _update_fields(session, actor, "resource", resource, fields, report)
        if in_force(resource.prices, effective_from).price_per_hour != item.price_per_hour:
            _new_price(session, actor, resource, item.price_per_hour, effective_from)
            changed = True
        report.count("resource", "updated" if changed else "unchanged")
    return stored


def _new_price(session: Session, actor: Actor, resource: Resource, price: Decimal, effective_from: datetime) -> None:
    same_moment = next((p for p in resource.prices if p.valid_from == effective_from), None)
    old = in_force(resource.prices, effective_from).price_per_hour
    if same_moment is not None:
        same_moment.price_per_hour = price
    else:
        resource.prices.append(ResourcePrice(valid_from=effective_from, price_per_hour=price))
        resource.prices.sort(key=lambda p: p.valid_from)
    session.flush()
    audit.record(
        session,
        actor,
        "usage_resource",
        resource.id,
        "price_changed",
        before={"price_per_hour": format(old, "f")},
        after={"price_per_hour": format(price, "f"), "valid_from": effective_from.isoformat()},
    )


def apply_categories(
    session: Session, actor: Actor, items: list[CategoryItem], report: ImportReport
) -> dict[str, Category]:
    items = _first_definitions(items, "category", "code", report)
    stored = _by_code(session, Category, [i.code for i in items])
    for item in items:
        fields: dict[str, object] = {
            "name": (item.name or item.code)[:200],
            "description": item.description[:500],
            "workload": item.workload[:100],
        }
        category = stored.get(item.code)
        if category is None:
            category = Category(code=item.code[:40], **fields)
            _created(session, actor, "category", category, report)
            stored[item.code] = category
        else:
            changed = _update_fields(session, actor, "category", category, fields, report)
            report.count("category", "updated" if changed else "unchanged")
    return stored


def _unique_configurations(items: list[ConfigurationItem], report: ImportReport) -> list[ConfigurationItem]:
    """The format nests configurations in categories, so one may appear under two of them."""
    seen: dict[str, ConfigurationItem] = {}
    kept = []
    for item in items:
        first = seen.get(item.code)
        if first is None:
            seen[item.code] = item
            kept.append(item)
        elif first.same_content(item):
            note = Note(
                "configuration.repeated",
                f"Definida de nuevo igual (línea {first.line}) en la categoría {item.category_code}; "
                f"se conserva la primera categoría, {first.category_code}.",
                f"Defined again identically (line {first.line}) under category {item.category_code}; "
                f"the first category, {first.category_code}, is kept.",
            )
            report.warn(item.line, "configuration", item.code, note)
        else:
            report.reject(item.line, "configuration", item.code, _conflicting_note(first.line))
    return kept


def apply_configurations(
    session: Session,
    actor: Actor,
    items: list[ConfigurationItem],
    resources: dict[str, Resource],
    categories: dict[str, Category],
    effective_from: datetime,
    report: ImportReport,
) -> dict[str, Configuration]:
    items = _unique_configurations(items, report)
    missing = sorted({code for i in items for code in i.resources if code not in resources})
    resources = resources | _by_code(session, Resource, missing)
    stored = _by_code(session, Configuration, [i.code for i in items])
    for item in items:
        unknown = [code for code in item.resources if code not in resources]
        if unknown or item.category_code not in categories:
            what = ", ".join(unknown)
            note = (
                Note(
                    "configuration.unknown_resource",
                    f"Usa recursos que no existen: {what}.",
                    f"Uses resources that do not exist: {what}.",
                )
                if unknown
                else Note(
                    "configuration.category_rejected",
                    f"Su categoría {item.category_code} fue rechazada.",
                    f"Its category {item.category_code} was rejected.",
                )
            )
            report.reject(item.line, "configuration", item.code, note)
            continue
        wanted = {resources[code].id: quantity for code, quantity in item.resources.items()}
        fields: dict[str, object] = {
            "name": item.name[:200],
            "description": item.description[:500],
            "category_id": categories[item.category_code].id,
        }
        configuration = stored.get(item.code)
        if configuration is None:
            configuration = Configuration(code=item.code[:40], **fields)
            configuration.versions = [_version(effective_from, wanted)]
            _created(session, actor, "configuration", configuration, report)
            stored[item.code] = configuration
            continue
        changed = _update_fields(session, actor, "configuration", configuration, fields, report)
        current = in_force(configuration.versions, effective_from)
        if {i.resource_id: i.quantity for i in current.items} != wanted:
            configuration.versions.append(_version(effective_from, wanted))
            session.flush()
            audit.record(
                session,
                actor,
                "usage_configuration",
                configuration.id,
                "composition_changed",
                after={
                    "valid_from": effective_from.isoformat(),
                    "resources": {str(k): str(v) for k, v in wanted.items()},
                },
            )
            changed = True
        report.count("configuration", "updated" if changed else "unchanged")
    return stored


def _version(valid_from: datetime, quantities: dict[int, Decimal]) -> ConfigurationVersion:
    version = ConfigurationVersion(valid_from=valid_from)
    version.items = [StoredItem(resource_id=rid, quantity=qty) for rid, qty in quantities.items()]
    return version


def apply_customers(session: Session, actor: Actor, items: list[CustomerItem], report: ImportReport) -> dict[str, int]:
    items = _first_definitions(items, "customer", "nit", report)
    stored = customers.find_by_nits(session, [i.nit for i in items])
    ids: dict[str, int] = {}
    for item in items:
        email = item.email
        if not customers.is_valid_email(email):
            report.warn(
                item.line,
                "customer",
                item.nit,
                Note(
                    "customer.email_invalid",
                    f"El correo «{email[:60]}» no es válido; se deja vacío.",
                    f"Email “{email[:60]}” is not valid; left empty.",
                ),
            )
            email = ""
        customer, outcome = customers.save_imported(
            session, actor, item.nit, item.name, item.address, email, stored.get(item.nit)
        )
        report.count("customer", outcome)
        ids[item.nit] = customer.id
        login, notes = users.ensure_portal_login(session, actor, customer.id, item.username, item.password, email)
        if login != "skipped":
            report.count("portal_login", login)
        for msg in notes:
            report.warn_msg(item.line, "portal_login", item.username or item.nit, "portal_login.notice", msg)
    return ids


def apply_instances(
    session: Session,
    actor: Actor,
    items: list[InstanceItem],
    customer_ids: dict[str, int],
    configurations: dict[str, Configuration],
    report: ImportReport,
) -> None:
    items = _first_definitions(items, "instance", "code", report)
    missing = sorted({i.configuration_code for i in items if i.configuration_code not in configurations})
    configurations = configurations | _by_code(session, Configuration, missing)
    stored = _by_code(session, Instance, [i.code for i in items])
    for item in items:
        configuration = configurations.get(item.configuration_code)
        instance = stored.get(item.code)
        customer_id = customer_ids.get(item.customer_nit)
        if customer_id is None:
            note = Note(
                "instance.customer_rejected",
                f"El cliente {item.customer_nit} fue rechazado; la instancia no se registra.",
                f"Customer {item.customer_nit} was rejected; the instance is not recorded.",
            )
            report.reject(item.line, "instance", item.code, note)
            continue
        if configuration is None:
            note = Note(
                "instance.unknown_configuration",
                f"La configuración «{item.configuration_code}» no existe.",
                f"Configuration “{item.configuration_code}” does not exist.",
            )
            report.reject(item.line, "instance", item.code, note)
            continue
        if instance is not None and instance.customer_id != customer_id:
            note = Note(
                "instance.other_customer",
                f"La instancia {item.code} ya pertenece a otro cliente; no se reasigna.",
                f"Instance {item.code} already belongs to another customer; it is not reassigned.",
            )
            report.reject(item.line, "instance", item.code, note)
            continue
        fields: dict[str, object] = {
            "configuration_id": configuration.id,
            "name": item.name[:200],
            "start_date": item.start_date,
            "state": item.state,
            "end_date": item.end_date,
        }
        if instance is None:
            instance = Instance(code=item.code[:40], customer_id=customer_id, **fields)
            _created(session, actor, "instance", instance, report)
            stored[item.code] = instance
        else:
            changed = _update_fields(session, actor, "instance", instance, fields, report)
            report.count("instance", "updated" if changed else "unchanged")
