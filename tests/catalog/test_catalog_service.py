"""The catalog: categories, products, their price history and stock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.catalog import service as catalog
from facturo.catalog.models import Category, Product
from facturo.catalog.schemas import CategoryIn, ProductIn, ProductPatch
from facturo.kit import clock
from facturo.kit.errors import Conflict, FacturoError, ValidationFailed
from facturo.kit.pagination import PageParams
from tests.factories import ACTOR, make_product

D = Decimal
GT = ZoneInfo("America/Guatemala")
T0 = datetime(2024, 1, 10, 9, 0, tzinfo=GT)
T1 = datetime(2024, 3, 1, 8, 30, tzinfo=GT)
T2 = datetime(2024, 5, 20, 17, 45, tzinfo=GT)


def category(session: Session, name: str) -> Category:
    return catalog.create_category(session, ACTOR, CategoryIn(name=name))


def product(session: Session, **data: object) -> Product:
    values: dict[str, object] = {"code": "CEM-42", "name": "Cemento gris 42.5 kg", "unit_price": D("89.50")}
    values.update(data)
    return catalog.create_product(session, ACTOR, ProductIn(**values))


def stock_in_db(session: Session, product_id: int) -> Decimal | None:
    return session.scalar(select(Product.stock).where(Product.id == product_id))


def rule_of(error: FacturoError) -> str:
    return error.problems[0].rule


# --- categories ---------------------------------------------------------------------------------


@pytest.mark.parametrize("again", ["Materiales", "materiales", "MATERIALES"])
def test_category_names_are_unique_ignoring_case(session: Session, again: str) -> None:
    category(session, "Materiales")
    with pytest.raises(Conflict) as caught:
        category(session, again)
    assert caught.value.message.es == f"Ya existe la categoría «{again}»."
    assert [c.name for c in catalog.list_categories(session)] == ["Materiales"]


def test_categories_are_listed_by_name(session: Session) -> None:
    for name in ("Servicios", "Acabados", "Fontanería"):
        category(session, name)
    assert [c.name for c in catalog.list_categories(session)] == ["Acabados", "Fontanería", "Servicios"]


# --- products -----------------------------------------------------------------------------------


def test_product_with_unknown_category_is_refused(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        product(session, category_id=987654)
    assert rule_of(caught.value) == "category.unknown"
    assert caught.value.problems[0].field == "category_id"
    assert caught.value.message.es == "No existe la categoría 987654."
    assert session.scalar(select(Product.id).where(Product.code == "CEM-42")) is None


def test_moving_a_product_to_an_unknown_category_is_refused(session: Session) -> None:
    materials = category(session, "Materiales")
    item = product(session, category_id=materials.id)
    with pytest.raises(ValidationFailed) as caught:
        catalog.update_product(session, ACTOR, item.id, ProductPatch(category_id=987654))
    assert rule_of(caught.value) == "category.unknown"
    session.expire_all()
    assert catalog.get_product(session, item.id).category_id == materials.id


def test_product_in_a_category_is_found_by_category(session: Session) -> None:
    services = category(session, "Servicios")
    product(session, code="SRV-HORA", name="Hora de asesoría", kind="service", category_id=services.id)
    product(session, code="CEM-42")
    found = catalog.search_products(session, PageParams(), category_id=services.id)
    assert [p.code for p in found.items] == ["SRV-HORA"]
    assert [p.code for p in catalog.search_products(session, PageParams(), query="cemento").items] == ["CEM-42"]


def test_product_codes_are_unique(session: Session) -> None:
    product(session, code="CEM-42")
    with pytest.raises(Conflict, match="CEM-42"):
        product(session, code="CEM-42", name="Otro cemento")


def test_a_service_with_stock_is_refused(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        product(session, code="SRV-INST", name="Instalación", kind="service", stock=D("5"))
    assert rule_of(caught.value) == "stock.service"
    assert caught.value.message.es == "Un servicio no lleva existencias."
    assert session.scalar(select(Product.id).where(Product.code == "SRV-INST")) is None


def test_a_service_without_stock_is_fine(session: Session) -> None:
    item = product(session, code="SRV-INST", name="Instalación", kind="service")
    assert (item.kind, item.stock) == ("service", None)


def test_negative_initial_stock_is_refused(session: Session) -> None:
    # The API's schema refuses it first (StockOnHand); the service refuses it from every surface.
    with pytest.raises(PydanticValidationError):
        product(session, stock=D("-1"))
    unchecked = ProductIn.model_construct(code="CEM-42", name="Cemento", unit_price=D("89.50"), stock=D("-1"))
    with pytest.raises(ValidationFailed) as caught:
        catalog.create_product(session, ACTOR, unchecked)
    assert rule_of(caught.value) == "stock.negative"


# --- prices -------------------------------------------------------------------------------------


def _priced_over_time(session: Session) -> Product:
    with clock.frozen(T0):
        item = product(session, unit_price=D("89.50"))
    with clock.frozen(T2):
        catalog.update_product(session, ACTOR, item.id, ProductPatch(unit_price=D("99.00")))
    with clock.frozen(T1):  # recorded out of order on purpose: history sorts by when it took effect
        catalog.update_product(session, ACTOR, item.id, ProductPatch(unit_price=D("94.25")))
    return item


def test_price_changes_are_recorded_in_order_of_effect(session: Session) -> None:
    item = _priced_over_time(session)
    history = catalog.price_history(session, item.id)
    assert [(p.unit_price, p.effective_from) for p in history] == [
        (D("89.50"), T0),
        (D("94.25"), T1),
        (D("99.00"), T2),
    ]
    assert all(p.recorded_by == ACTOR.label for p in history)
    assert catalog.get_product(session, item.id).unit_price == D("94.25")  # the last edit made


def test_price_changes_leave_history_records(session: Session) -> None:
    item = _priced_over_time(session)
    session.flush()
    changes = [h for h in audit.history_of(session, "product", item.id) if h.action == "price_changed"]
    assert [(D(h.before["unit_price"]), D(h.after["unit_price"])) for h in changes if h.before and h.after] == [
        (D("89.50"), D("99.00")),
        (D("99.00"), D("94.25")),
    ]
    assert all(set(h.after or {}) == {"unit_price"} for h in changes)


def test_editing_something_else_records_no_new_price(session: Session) -> None:
    with clock.frozen(T0):
        item = product(session)
    catalog.update_product(session, ACTOR, item.id, ProductPatch(name="Cemento UGC 42.5 kg"))
    catalog.update_product(session, ACTOR, item.id, ProductPatch(unit_price=D("89.50")))  # same price
    assert [p.unit_price for p in catalog.price_history(session, item.id)] == [D("89.50")]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (T0 - timedelta(days=365), "89.50"),  # before any price: the first price
        (T0 - timedelta(microseconds=1), "89.50"),
        (T0, "89.50"),
        (T1 - timedelta(seconds=1), "89.50"),
        (T1, "94.25"),
        (T1.astimezone(UTC) + timedelta(hours=1), "94.25"),  # the same clock in another zone
        (T2 - timedelta(minutes=1), "94.25"),
        (T2, "99.00"),
        (T2 + timedelta(days=400), "99.00"),
    ],
)
def test_price_at_returns_the_price_in_force(session: Session, at: datetime, expected: str) -> None:
    item = _priced_over_time(session)
    assert catalog.price_at(session, item.id, at) == D(expected)


# --- stock --------------------------------------------------------------------------------------


def test_adjusting_stock_of_an_untracked_product_is_refused(session: Session) -> None:
    item = make_product(session, "10.00")
    with pytest.raises(Conflict) as caught:
        catalog.adjust_stock(session, ACTOR, item.id, D("5"), "Recepción de compra")
    assert rule_of(caught.value) == "stock.untracked"
    assert caught.value.message.es == f"El producto {item.code} no lleva control de existencias."
    assert stock_in_db(session, item.id) is None


def test_adjust_stock_adds_and_removes_units(session: Session) -> None:
    item = product(session, stock=D("10"))
    catalog.adjust_stock(session, ACTOR, item.id, D("2.5"), "Recepción de compra")
    catalog.adjust_stock(session, ACTOR, item.id, D("-12.5"), "Conteo físico")
    assert stock_in_db(session, item.id) == D("0")
    session.flush()
    moves = [h for h in audit.history_of(session, "product", item.id) if h.action == "stock_moved"]
    summary = [
        (D(h.before["stock"]), D(h.after["stock"]), D(h.after["delta"]), h.after["reason"])
        for h in moves
        if h.before and h.after
    ]
    assert summary == [
        (D("10"), D("12.5"), D("2.5"), "Recepción de compra"),
        (D("12.5"), D("0"), D("-12.5"), "Conteo físico"),
    ]


def test_stock_never_goes_negative(session: Session) -> None:
    item = product(session, stock=D("3"))
    with pytest.raises(Conflict) as caught:
        catalog.adjust_stock(session, ACTOR, item.id, D("-3.5"), "Merma")
    assert caught.value.message.es == (
        "Existencias insuficientes de CEM-42 (Cemento gris 42.5 kg): hay 3, se necesitan 3.5."
    )
    assert stock_in_db(session, item.id) == D("3")
    session.flush()
    assert [h.action for h in audit.history_of(session, "product", item.id)] == ["created"]
