"""Small typed factories for test data. Valid NITs are computed, never hard-coded guesses."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from stdnum.gt import nit as gt_nit

from facturo.catalog import service as catalog
from facturo.catalog.models import Product
from facturo.catalog.schemas import CategoryIn, ProductIn
from facturo.customers import service as customers
from facturo.customers.models import Customer
from facturo.customers.schemas import CustomerIn
from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.invoicing.schemas import DraftIn, LineIn
from facturo.kit.actor import Actor
from facturo.organisation import service as organisation
from facturo.organisation.models import Issuer
from facturo.organisation.schemas import IssuerIn

ACTOR = Actor("user", "tester", "Test User")
# A fixed business moment for tests that depend on "today" (a Friday morning in Guatemala).
NOW = datetime(2024, 6, 14, 10, 0, tzinfo=ZoneInfo("America/Guatemala"))
_seq = itertools.count(1000)


def valid_nit(body: int | None = None) -> str:
    digits = str(body if body is not None else next(_seq) * 7919)
    return f"{digits}-{gt_nit.calc_check_digit(digits)}"


def make_issuer(session: Session, **overrides: object) -> Issuer:
    data = {"name": "Tecnologías Chapinas, S.A.", "nit": valid_nit(1234567), "address": "Zona 10, Guatemala"}
    data.update(overrides)
    issuer = organisation.save_profile(session, ACTOR, IssuerIn(**data))  # type: ignore[arg-type]
    invoicing.ensure_default_series(session, ACTOR, issuer.id)
    return issuer


def make_customer(session: Session, **overrides: object) -> Customer:
    data: dict[str, object] = {"nit": valid_nit(), "name": f"Cliente {next(_seq)}"}
    data.update(overrides)
    return customers.create_customer(session, ACTOR, CustomerIn(**data))  # type: ignore[arg-type]


def make_product(session: Session, price: str = "100.00", **overrides: object) -> Product:
    data: dict[str, object] = {"code": f"P{next(_seq)}", "name": "Producto de prueba", "unit_price": Decimal(price)}
    data.update(overrides)
    return catalog.create_product(session, ACTOR, ProductIn(**data))  # type: ignore[arg-type]


def make_category(session: Session, name: str = "General") -> int:
    return catalog.create_category(session, ACTOR, CategoryIn(name=name)).id


def make_draft(session: Session, customer: Customer | None = None, lines: list[LineIn] | None = None) -> Invoice:
    customer = customer or make_customer(session)
    lines = lines or [LineIn(description="Servicio", quantity=Decimal(1), unit_price=Decimal("112.00"))]
    return invoicing.create_draft(session, ACTOR, DraftIn(customer_id=customer.id, lines=lines))


def make_issued(session: Session, total: str = "112.00", customer: Customer | None = None) -> Invoice:
    draft = make_draft(
        session, customer, [LineIn(description="Servicio", quantity=Decimal(1), unit_price=Decimal(total))]
    )
    return invoicing.issue_invoice(session, ACTOR, draft.id)
