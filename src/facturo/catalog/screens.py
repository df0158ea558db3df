"""What the catalog pages show, each gathered by one call: the product page, the product form, the
product list and the categories page.

A page that saves something and, when the save is refused, shows its form again gets both from one
call: the outcome carries the refusal with what the form needs, so the page never asks twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from facturo.catalog import service
from facturo.catalog.models import Category, Product, ProductPrice
from facturo.catalog.schemas import CategoryIn, ProductIn, ProductPatch, StockAdjustmentIn
from facturo.kit.actor import Actor
from facturo.kit.errors import FacturoError
from facturo.kit.pagination import Page, PageParams

if TYPE_CHECKING:
    from facturo.audit.models import HistoryRecord


@dataclass(frozen=True, slots=True)
class ProductScreen:
    product: Product
    category: Category | None
    prices: list[ProductPrice]  # oldest first
    history: list[HistoryRecord] | None  # None for a reader who may not see the history
    categories: list[Category]  # names for the category changes in the history (empty without it)


def product_screen(session: Session, product_id: int, *, with_history: bool) -> ProductScreen:
    product = service.get_product(session, product_id)
    return _screen(session, product, with_history)


def _screen(session: Session, product: Product, with_history: bool) -> ProductScreen:
    category = service.get_category(session, product.category_id) if product.category_id else None
    prices = service.price_history(session, product.id)
    if not with_history:
        return ProductScreen(product, category, prices, None, [])
    history = service.product_history(session, product.id)
    return ProductScreen(product, category, prices, history, service.list_categories(session))


@dataclass(frozen=True, slots=True)
class StockAdjustment:
    product: Product
    problem: FacturoError | None  # the service's refusal, if it refused
    screen: ProductScreen | None  # the product page to show again, unless the movement was made


def adjust_stock(
    session: Session, actor: Actor, product_id: int, data: StockAdjustmentIn | None, *, with_history: bool
) -> StockAdjustment:
    """Move the stock as ``data`` says; ``None`` (the input was not valid) moves nothing and only
    gathers the page to show again. An unknown product is refused before anything else."""
    product = service.get_product(session, product_id)
    problem = None
    if data is not None:
        try:
            service.adjust_stock(session, actor, product_id, data.delta, data.reason)
        except FacturoError as exc:
            problem = exc
        else:
            return StockAdjustment(product, None, None)
    return StockAdjustment(product, problem, _screen(session, product, with_history))


@dataclass(frozen=True, slots=True)
class ProductForm:
    product: Product | None  # the product edited; None for a new one
    categories: list[Category]  # to choose from, by name


def product_form(session: Session, product_id: int | None = None) -> ProductForm:
    product = service.get_product(session, product_id) if product_id is not None else None
    return ProductForm(product, service.list_categories(session))


@dataclass(frozen=True, slots=True)
class ProductSave:
    product: Product | None  # the product saved (or, on a refused edit, the one edited)
    problem: FacturoError | None  # the service's refusal, if it refused
    form: ProductForm | None  # the form to show again, unless the product was saved


def create_product(session: Session, actor: Actor, data: ProductIn | None) -> ProductSave:
    """Create the product ``data`` describes; ``None`` (the input was not valid) only gathers the form."""
    if data is not None:
        try:
            return ProductSave(service.create_product(session, actor, data), None, None)
        except FacturoError as exc:
            return ProductSave(None, exc, ProductForm(None, service.list_categories(session)))
    return ProductSave(None, None, ProductForm(None, service.list_categories(session)))


def update_product(session: Session, actor: Actor, product_id: int, patch: ProductPatch | None) -> ProductSave:
    """Apply ``patch``; ``None`` (the input was not valid) changes nothing and only gathers the form.
    An unknown product is refused before anything else."""
    product = service.get_product(session, product_id)
    problem = None
    if patch is not None:
        try:
            service.update_product(session, actor, product_id, patch)
        except FacturoError as exc:
            problem = exc
        else:
            return ProductSave(product, None, None)
    return ProductSave(product, problem, ProductForm(product, service.list_categories(session)))


@dataclass(frozen=True, slots=True)
class ProductList:
    found: Page[Product]
    categories: list[Category]  # by name: the filter's options and the list's category names


def product_list(session: Session, params: PageParams, query: str | None, category_id: int | None) -> ProductList:
    return ProductList(service.search_products(session, params, query, category_id), service.list_categories(session))


@dataclass(frozen=True, slots=True)
class CategorySave:
    category: Category | None  # the category created
    problem: FacturoError | None  # the service's refusal, if it refused
    categories: list[Category]  # the list to show again with the form (empty once created)


def create_category(session: Session, actor: Actor, data: CategoryIn | None) -> CategorySave:
    """Create the category ``data`` describes; ``None`` (the input was not valid) only gathers the list."""
    if data is not None:
        try:
            return CategorySave(service.create_category(session, actor, data), None, [])
        except FacturoError as exc:
            return CategorySave(None, exc, service.list_categories(session))
    return CategorySave(None, None, service.list_categories(session))
