"""Categories, products, their price history and stock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from facturo.audit import service as audit
from facturo.catalog.models import Category, Product, ProductPrice
from facturo.catalog.schemas import CategoryIn, ProductIn, ProductPatch
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.db import table_of
from facturo.kit.errors import Conflict, FieldProblem, Msg, ValidationFailed, not_found
from facturo.kit.numbers import plain, positional
from facturo.kit.pagination import Page, PageParams, paginate

if TYPE_CHECKING:
    from facturo.audit.models import HistoryRecord


def get_category(session: Session, category_id: int) -> Category:
    category = session.get(Category, category_id)
    if category is None:
        raise not_found("la categoría", "Category", category_id)
    return category


def list_categories(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).order_by(Category.name)))


def create_category(session: Session, actor: Actor, data: CategoryIn) -> Category:
    if session.scalar(select(Category.id).where(func.lower(Category.name) == data.name.lower())):
        raise Conflict(Msg(f"Ya existe la categoría «{data.name}».", f"Category “{data.name}” already exists."))
    category = Category(**data.model_dump())
    session.add(category)
    session.flush()
    audit.record(session, actor, "category", category.id, "created", after=audit.snapshot(category))
    return category


def get_product(session: Session, product_id: int) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise not_found("el producto", "Product", product_id)
    return product


def search_products(
    session: Session, params: PageParams, query: str | None = None, category_id: int | None = None
) -> Page[Product]:
    stmt = select(Product)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(Product.name).like(like), func.lower(Product.code).like(like)))
    if category_id is not None:
        stmt = stmt.where(Product.category_id == category_id)
    return paginate(session, stmt.order_by(Product.code), params)


def _check_category(session: Session, category_id: int | None) -> None:
    if category_id is not None and session.get(Category, category_id) is None:
        raise ValidationFailed.on(
            "category_id",
            "category.unknown",
            f"No existe la categoría {category_id}.",
            f"Category {category_id} does not exist.",
        )


def create_product(session: Session, actor: Actor, data: ProductIn) -> Product:
    _check_category(session, data.category_id)
    if session.scalar(select(Product.id).where(Product.code == data.code)):
        raise Conflict(Msg(f"Ya existe un producto con código {data.code}.", f"Product code {data.code} is taken."))
    if data.kind == "service" and data.stock is not None:
        raise ValidationFailed.on(
            "stock", "stock.service", "Un servicio no lleva existencias.", "A service has no stock count."
        )
    if data.stock is not None and data.stock < 0:
        raise ValidationFailed.on(
            "stock", "stock.negative", "Las existencias no pueden ser negativas.", "Stock cannot be negative."
        )
    product = Product(**data.model_dump())
    session.add(product)
    session.flush()
    _record_price(session, actor, product, clock.now())
    audit.record(session, actor, "product", product.id, "created", after=audit.snapshot(product))
    return product


def _record_price(session: Session, actor: Actor, product: Product, effective_from: datetime) -> None:
    session.add(
        ProductPrice(
            product_id=product.id,
            unit_price=product.unit_price,
            effective_from=effective_from,
            recorded_by=actor.label,
        )
    )


def update_product(session: Session, actor: Actor, product_id: int, patch: ProductPatch) -> Product:
    """Edits apply from now on; issued invoices keep the price they were issued with."""
    product = get_product(session, product_id)
    before = audit.snapshot(product)
    changes = patch.model_dump(exclude_unset=True)
    # A figure equal to the current one is no change, however it is written (25 and 25.000000).
    for key in ("unit_price", "tax_rate"):
        if changes.get(key) is not None and changes[key] == getattr(product, key):
            del changes[key]
    if "category_id" in changes:
        _check_category(session, changes["category_id"])
    for key, value in changes.items():
        if value is None and key != "category_id":
            continue
        setattr(product, key, value)
    session.flush()
    if before["unit_price"] != audit.jsonable(product.unit_price):
        _record_price(session, actor, product, clock.now())
    old, new = audit.changed_only(before, audit.snapshot(product))
    if new:
        action = "price_changed" if set(new) == {"unit_price"} else "updated"
        audit.record(session, actor, "product", product.id, action, before=old, after=new)
    return product


def price_history(session: Session, product_id: int) -> list[ProductPrice]:
    get_product(session, product_id)
    stmt = select(ProductPrice).where(ProductPrice.product_id == product_id)
    return list(session.scalars(stmt.order_by(ProductPrice.effective_from, ProductPrice.id)))


def product_history(session: Session, product_id: int) -> list[HistoryRecord]:
    """Every change to the product, oldest first (an unknown product is refused)."""
    get_product(session, product_id)
    return audit.history_of(session, "product", product_id)


def price_at(session: Session, product_id: int, at: datetime) -> Decimal:
    """The price in force at ``at``; the first known price applies to everything before it."""
    stmt = select(ProductPrice.unit_price).where(ProductPrice.product_id == product_id)
    current = session.scalar(
        stmt.where(ProductPrice.effective_from <= at).order_by(
            ProductPrice.effective_from.desc(), ProductPrice.id.desc()
        )
    )
    if current is not None:
        return current
    first = session.scalar(stmt.order_by(ProductPrice.effective_from, ProductPrice.id))
    if first is None:
        return get_product(session, product_id).unit_price
    return first


# Built once: stock moves run for every issued document.
_products = table_of(Product)
# The most units a stock count holds (18 digits, 6 of them decimals: StockQuantity).
MAX_STOCK = Decimal(10**12) - Decimal("0.000001")

_TRACKED = select(_products.c.id).where(
    _products.c.id.in_(bindparam("ids", expanding=True)), _products.c.stock.is_not(None)
)
_delta = bindparam("delta", type_=_products.c.stock.type)
_MOVE = (
    update(_products)
    .where(_products.c.id == bindparam("product_id"), _products.c.stock + _delta >= 0)
    .values(stock=_products.c.stock + _delta)
    .returning(_products.c.stock)
)


def move_stocks(
    session: Session,
    actor: Actor,
    deltas: dict[int, Decimal],
    reason: str,
    *,
    document: tuple[str, int] | None = None,
) -> None:
    """Add (delta > 0) or take (delta < 0) units of several products; untracked products are left alone.

    Each movement is one guarded UPDATE, so concurrent movements can neither lose an update nor take
    a count below zero: running out is an error the user sees, not a silent negative count. Products
    are updated in id order, a fixed lock order that rules out deadlocks between documents.
    """
    connection = session.connection()  # Core statements: no ORM bookkeeping on the hot path
    tracked = connection.execute(_TRACKED, {"ids": list(deltas)}).scalars()
    for product_id in sorted(tracked):
        delta = deltas[product_id]
        moved = connection.execute(_MOVE, {"product_id": product_id, "delta": delta}).scalar_one_or_none()
        loaded = session.identity_map.get(identity_key(Product, product_id))
        if loaded is not None:
            session.expire(loaded, ["stock"])  # an instance already in the session must not show the old count
        if moved is None:
            product = get_product(session, product_id)
            assert product.stock is not None
            raise Conflict(
                Msg(
                    f"Existencias insuficientes de {product.code} ({product.name}): hay "
                    f"{plain(product.stock)}, se necesitan {plain(-delta)}.",
                    f"Not enough stock of {product.code} ({product.name}): {plain(product.stock)} on hand,"
                    f" {plain(-delta)} needed.",
                )
            )
        audit.record(
            session,
            actor,
            "product",
            product_id,
            "stock_moved",
            before={"stock": audit.jsonable(moved - delta)},
            after={"stock": audit.jsonable(moved), "delta": audit.jsonable(delta), "reason": reason},
            parent=document,
        )


def adjust_stock(session: Session, actor: Actor, product_id: int, delta: Decimal, reason: str) -> Product:
    """A manual stock movement (receipt, count correction)."""
    product = get_product(session, product_id)
    if product.stock is None:  # the product's state, not the request, is in the way: 409
        message = Msg(
            f"El producto {product.code} no lleva control de existencias.",
            f"Product {product.code} does not track stock.",
        )
        raise Conflict(message, [FieldProblem("delta", "stock.untracked", message)])
    if abs(product.stock + delta) > MAX_STOCK:
        message = Msg(
            f"Las existencias de {product.code} pasarían del máximo ({positional(MAX_STOCK)}).",
            f"The stock of {product.code} would pass the maximum ({positional(MAX_STOCK)}).",
        )
        raise Conflict(message, [FieldProblem("delta", "stock.too_large", message)])
    move_stocks(session, actor, {product_id: delta}, reason)
    session.flush()
    return product


@dataclass(frozen=True, slots=True)
class StockMovement:
    at: datetime
    delta: Decimal
    stock: Decimal  # on hand after the movement
    reason: str
    by: str
    document: tuple[str, int] | None  # the invoice or credit note that moved it, if any


@dataclass(frozen=True, slots=True)
class StockCard:
    product: Product
    movements: list[StockMovement]


def stock_card(session: Session, product_id: int) -> StockCard:
    """A product's stock on hand and the movements that brought it there, oldest first."""
    product = get_product(session, product_id)
    movements = [
        StockMovement(
            at=r.at,
            delta=Decimal(r.after["delta"]),
            stock=Decimal(r.after["stock"]),
            reason=str(r.after.get("reason") or ""),
            by=r.actor_name,
            document=(r.parent_type, r.parent_id) if r.parent_type and r.parent_id is not None else None,
        )
        for r in audit.history_of(session, "product", product_id)
        if r.action == "stock_moved" and r.entity_type == "product" and r.entity_id == product_id and r.after
    ]
    return StockCard(product, movements)
