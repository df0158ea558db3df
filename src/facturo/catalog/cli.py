"""``facturo catalog``: categories, products, their price history and stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import typer

from facturo.catalog import service
from facturo.catalog.schemas import (
    CategoryIn,
    CategoryOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductPriceOut,
    StockAdjustmentIn,
)
from facturo.kit.money import DEFAULT_TAX_RATE
from facturo.kit.numbers import percent, plain, positional
from facturo.kit.pagination import PageParams
from facturo.kit.schemas import MAX_ID
from facturo.surface.console.context import JsonOption, answer, emit_json, emit_page, local_actor, table, unit_of_work

app = typer.Typer(help="The catalog (catálogo): categories, products, prices and stock.", no_args_is_help=True)
categories_app = typer.Typer(help="Product categories (categorías).", no_args_is_help=True)
products_app = typer.Typer(help="Products and services (productos).", no_args_is_help=True)
prices_app = typer.Typer(help="A product's price history (historial de precios).", no_args_is_help=True)
stock_app = typer.Typer(help="Stock on hand (existencias) and its movements.", no_args_is_help=True)
app.add_typer(categories_app, name="categories")
app.add_typer(products_app, name="products")
app.add_typer(prices_app, name="prices")
app.add_typer(stock_app, name="stock")

ProductId = typer.Argument(
    ..., min=1, max=MAX_ID, metavar="PRODUCT_ID", help="Product id (see `facturo catalog products list`)."
)
KINDS = {"good": "bien", "service": "servicio"}


def _quantity(value: Decimal | None) -> str:
    return "sin control" if value is None else plain(value)


def _yes(flag: bool) -> str:
    return "sí" if flag else "no"


# --- categories -----------------------------------------------------------------------------------


@categories_app.command("list")
def list_categories(as_json: bool = JsonOption) -> None:
    """List categories, by name."""
    with unit_of_work(write=False) as session:
        found = [CategoryOut.model_validate(c) for c in service.list_categories(session)]
    if as_json:
        emit_json(found)
        return
    table(f"Categorías ({len(found)})", ["Id", "Nombre", "Descripción"], [(c.id, c.name, c.description) for c in found])


@categories_app.command("create")
def create_category(
    name: str = typer.Option(..., help="Category name (unique, case-insensitive)."),
    description: str = typer.Option("", help="Optional description."),
    as_json: bool = JsonOption,
) -> None:
    """Create a category."""
    with unit_of_work() as session:
        data = CategoryIn.model_validate({"name": name, "description": description})
        category = CategoryOut.model_validate(service.create_category(session, local_actor(), data))
    answer(category, as_json, f"Categoría {category.id} creada: {category.name}.")


# --- products -------------------------------------------------------------------------------------


def _product_table(product: ProductOut) -> None:
    table(
        f"Producto {product.id}",
        ["Campo", "Valor"],
        [
            ("Código", product.code),
            ("Nombre", product.name),
            ("Tipo", KINDS.get(product.kind, product.kind)),
            ("Unidad", product.unit),
            ("Precio unitario", plain(product.unit_price, 2)),
            ("IVA", percent(product.tax_rate)),
            ("Precio incluye IVA", _yes(product.price_includes_tax)),
            ("Categoría", product.category_id),
            ("Existencias", _quantity(product.stock)),
            ("Activo", _yes(product.active)),
        ],
    )


@products_app.command("list")
def list_products(
    q: str = typer.Option(None, "--search", "-q", help="Search in code and name."),
    category: int = typer.Option(None, "--category", min=1, max=MAX_ID, help="Only this category's products."),
    page: int = typer.Option(1, min=1, max=1_000_000),
    size: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    """List products, by code."""
    with unit_of_work(write=False) as session:
        found = service.search_products(session, PageParams(page, size), q, category).map(ProductOut.model_validate)
    if as_json:
        emit_page(found)
        return
    table(
        f"Productos (página {found.page} de {max(found.pages, 1)}, {found.total} en total)",
        ["Id", "Código", "Nombre", "Tipo", "Precio", "IVA", "Categoría", "Existencias", "Activo"],
        [
            (
                p.id,
                p.code,
                p.name,
                KINDS.get(p.kind, p.kind),
                plain(p.unit_price, 2),
                percent(p.tax_rate),
                p.category_id,
                _quantity(p.stock),
                _yes(p.active),
            )
            for p in found.items
        ],
        right=("Precio", "IVA", "Existencias"),
    )


@products_app.command("show")
def show_product(product_id: int = ProductId, as_json: bool = JsonOption) -> None:
    """Show one product."""
    with unit_of_work(write=False) as session:
        product = ProductOut.model_validate(service.get_product(session, product_id))
    if as_json:
        emit_json(product)
    else:
        _product_table(product)


@products_app.command("create")
def create_product(
    code: str = typer.Option(..., help="Product code (unique)."),
    name: str = typer.Option(..., help="Name printed on invoices."),
    price: str = typer.Option(..., "--price", help="Unit price, e.g. 125.50 (up to 6 decimals)."),
    kind: str = typer.Option("good", help="good (a bien) or service (a servicio)."),
    unit: str = typer.Option("unidad", help="Unit of measure."),
    tax_rate: str = typer.Option(
        positional(DEFAULT_TAX_RATE),
        help=f"IVA rate as a fraction: {positional(DEFAULT_TAX_RATE)} for {percent(DEFAULT_TAX_RATE)}, 0 for exempt.",
    ),
    tax_included: bool = typer.Option(
        True, "--tax-included/--tax-excluded", help="Whether the price already includes IVA."
    ),
    category: int = typer.Option(None, "--category", min=1, max=MAX_ID, help="Category id."),
    stock: str = typer.Option(None, help="Units on hand; omit to not track stock (services never do)."),
    as_json: bool = JsonOption,
) -> None:
    """Create a product or service; its price starts its price history."""
    values: dict[str, Any] = {
        "code": code,
        "name": name,
        "kind": kind,
        "unit": unit,
        "unit_price": price,
        "tax_rate": tax_rate,
        "price_includes_tax": tax_included,
        "category_id": category,
        "stock": stock,
    }
    with unit_of_work() as session:
        data = ProductIn.model_validate(values)
        product = ProductOut.model_validate(service.create_product(session, local_actor(), data))
    answer(
        product,
        as_json,
        f"Producto {product.id} creado: {product.code} {product.name}, precio {plain(product.unit_price, 2)}.",
    )


@products_app.command("update")
def update_product(
    product_id: int = ProductId,
    name: str = typer.Option(None, help="New name."),
    unit: str = typer.Option(None, help="New unit of measure."),
    price: str = typer.Option(None, "--price", help="New unit price (recorded in the price history)."),
    tax_rate: str = typer.Option(None, help=f"New IVA rate as a fraction ({positional(DEFAULT_TAX_RATE)})."),
    tax_included: bool = typer.Option(
        None, "--tax-included/--tax-excluded", help="Whether the price includes IVA.", show_default=False
    ),
    category: int = typer.Option(None, "--category", min=1, max=MAX_ID, help="Move to this category."),
    no_category: bool = typer.Option(False, "--no-category", help="Take the product out of its category."),
    active: bool = typer.Option(
        None, "--active/--inactive", help="Offer the product again, or stop offering it.", show_default=False
    ),
    as_json: bool = JsonOption,
) -> None:
    """Change the given fields of a product; issued invoices keep the figures they were issued with."""
    given: dict[str, Any] = {
        "name": name,
        "unit": unit,
        "unit_price": price,
        "tax_rate": tax_rate,
        "price_includes_tax": tax_included,
        "category_id": category,
        "active": active,
    }
    changes = {k: v for k, v in given.items() if v is not None}
    if no_category:
        changes["category_id"] = None
    with unit_of_work() as session:
        patch = ProductPatch.model_validate(changes)
        product = ProductOut.model_validate(service.update_product(session, local_actor(), product_id, patch))
    answer(product, as_json, f"Producto {product.id} ({product.code}) actualizado.")


# --- prices ---------------------------------------------------------------------------------------


@prices_app.command("list")
def list_prices(product_id: int = ProductId, as_json: bool = JsonOption) -> None:
    """Every price the product has had, oldest first."""
    with unit_of_work(write=False) as session:
        prices = [ProductPriceOut.model_validate(p) for p in service.price_history(session, product_id)]
    if as_json:
        emit_json(prices)
        return
    table(
        f"Precios del producto {product_id}",
        ["Desde (UTC)", "Precio", "Registrado por"],
        [(p.effective_from.isoformat(timespec="seconds"), plain(p.unit_price, 2), p.recorded_by) for p in prices],
        right=("Precio",),
    )


@prices_app.command("set")
def set_price(
    product_id: int = ProductId,
    price: str = typer.Option(..., "--price", help="The new unit price, in force from now on."),
    as_json: bool = JsonOption,
) -> None:
    """Give a product a new price from now on (past invoices keep theirs)."""
    with unit_of_work() as session:
        patch = ProductPatch.model_validate({"unit_price": price})
        product = ProductOut.model_validate(service.update_product(session, local_actor(), product_id, patch))
    answer(product, as_json, f"Nuevo precio de {product.code}: {plain(product.unit_price, 2)}.")


# --- stock ----------------------------------------------------------------------------------------


@stock_app.command("show")
def show_stock(product_id: int = ProductId, as_json: bool = JsonOption) -> None:
    """Stock on hand and the movements that brought it there."""
    with unit_of_work(write=False) as session:
        card = service.stock_card(session, product_id)
        product = ProductOut.model_validate(card.product)
        movements = card.movements
    if as_json:
        emit_json(
            {
                "product_id": product.id,
                "code": product.code,
                "stock": None if product.stock is None else positional(product.stock),
                "movements": [
                    {
                        "at": m.at.isoformat(),
                        "delta": positional(m.delta),
                        "stock": positional(m.stock),
                        "reason": m.reason,
                        "by": m.by,
                        "document": None if m.document is None else {"type": m.document[0], "id": m.document[1]},
                    }
                    for m in movements
                ],
            }
        )
        return
    table(
        f"Existencias de {product.code} ({product.name}): {_quantity(product.stock)}",
        ["Fecha (UTC)", "Movimiento", "Existencias", "Motivo", "Por"],
        [
            (
                m.at.isoformat(timespec="seconds"),
                ("" if m.delta.is_signed() else "+") + plain(m.delta),
                _quantity(m.stock),
                m.reason if m.document is None else f"{m.reason} (documento {m.document[1]})",
                m.by,
            )
            for m in movements
        ],
        right=("Movimiento", "Existencias"),
        wrap=("Motivo",),
    )


@stock_app.command("adjust")
def adjust_stock(
    product_id: int = ProductId,
    delta: str = typer.Option(..., help="Units added (positive) or removed (negative), e.g. --delta=-3."),
    reason: str = typer.Option(..., help="Why: a receipt, a count correction… (at least 3 characters)."),
    as_json: bool = JsonOption,
) -> None:
    """Add or remove units of a product that tracks stock."""
    with unit_of_work() as session:
        data = StockAdjustmentIn.model_validate({"delta": delta, "reason": reason})
        product = ProductOut.model_validate(
            service.adjust_stock(session, local_actor(), product_id, data.delta, data.reason)
        )
    answer(product, as_json, f"Existencias de {product.code}: {_quantity(product.stock)}.")
