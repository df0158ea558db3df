"""Catalog pages: products (list and search, create, edit, stock, price history and change history)
and categories (list, create)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError

from facturo.catalog import screens, service
from facturo.catalog.models import PRICE_SCALE, RATE_SCALE, Category
from facturo.catalog.schemas import CategoryIn, ProductIn, ProductPatch, StockAdjustmentIn
from facturo.kit.access import Permission
from facturo.kit.money import DEFAULT_TAX_RATE
from facturo.kit.numbers import plain
from facturo.kit.pagination import PageParams
from facturo.kit.schemas import MAX_ID
from facturo.surface.web.forms import (
    MAX_QUERY,
    PAGE_SIZE,
    HistoryEntry,
    RecordId,
    history_entries,
    page_number,
    problem_status,
    problems,
)
from facturo.surface.web.i18n import gettext as _
from facturo.surface.web.routing import PageRoute, current, page_requires, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Text = Annotated[str, Form()]
_GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d*)?$")
_CENTS = Decimal("0.01")


def _number(raw: str) -> str:
    """A typed figure as the model reads it: without a currency sign, spaces or thousands commas."""
    text = raw.strip().removeprefix("Q").replace(" ", "")
    return text.replace(",", "") if _GROUPED.match(text) else text


def _rate(raw: str, errors: dict[str, str]) -> Decimal | None:
    """The tax rate typed as a percentage (12 → 0.12)."""
    try:
        percent = Decimal(_number(raw).removesuffix("%"))
    except InvalidOperation:
        percent = Decimal("NaN")
    if not percent.is_finite() or not 0 <= percent <= 100 or percent != percent.quantize(_CENTS):
        errors["tax_rate"] = _("Enter a percentage between 0 and 100, for example 12.")
        return None
    return percent / 100


def _category_id(raw: str, errors: dict[str, str]) -> int | None:
    text = raw.strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        errors["category_id"] = _("Choose one of the options.")
        return None
    return int(text)


def _category_options(categories: list[Category]) -> list[tuple[str, str]]:
    return [("", _("No category"))] + [(str(c.id), c.name) for c in categories]


@router.get("/catalog", dependencies=[page_requires(Permission.CATALOG_READ)])
def product_list(request: Request, q: str = "", category: str = "", page: str = "1") -> Response:
    request.state.menu_key = "catalog"
    query = q.strip()[:MAX_QUERY]
    category_id = _category_id(category, {})
    listed = screens.product_list(
        request.state.session, PageParams(page_number(page), PAGE_SIZE), query or None, category_id
    )
    found, categories = listed.found, listed.categories
    keep = urlencode({k: v for k, v in (("q", query), ("category", str(category_id or ""))) if v})
    return render(
        request,
        "catalog/list.html",
        {
            "found": found,
            "q": query,
            "category": str(category_id or ""),
            "categories": {c.id: c.name for c in categories},
            "category_options": [("", _("All categories"))] + [(str(c.id), c.name) for c in categories],
            "pager_query": f"&{keep}" if keep else "",
            "can_write": current(request).can(Permission.CATALOG_WRITE),
        },
    )


def _form(
    request: Request, form: screens.ProductForm, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    request.state.menu_key = "catalog"
    context = {
        "values": values,
        "errors": errors,
        "product": form.product,
        "category_options": _category_options(form.categories),
        "kind_options": [("good", _("Good")), ("service", _("Service"))],
    }
    return render(request, "catalog/form.html", context, status)


@router.get("/catalog/new", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def new_product(request: Request) -> Response:
    values = {
        "code": "",
        "name": "",
        "kind": "good",
        "unit": "unidad",
        "unit_price": "",
        "tax_rate": plain(DEFAULT_TAX_RATE * 100),
        "price_includes_tax": True,
        "category_id": "",
        "stock": "",
        "active": True,
    }
    return _form(request, screens.product_form(request.state.session), values, {})


@router.post("/catalog/new", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def create_product(
    request: Request,
    code: Text = "",
    name: Text = "",
    kind: Text = "good",
    unit: Text = "",
    unit_price: Text = "",
    tax_rate: Text = "",
    price_includes_tax: Text = "",
    category_id: Text = "",
    stock: Text = "",
) -> Response:
    values: dict[str, Any] = {
        "code": code,
        "name": name,
        "kind": kind,
        "unit": unit,
        "unit_price": unit_price,
        "tax_rate": tax_rate,
        "price_includes_tax": bool(price_includes_tax),
        "category_id": category_id,
        "stock": stock,
        "active": True,
    }
    errors: dict[str, str] = {}
    data = {
        "code": code,
        "name": name,
        "kind": kind,
        "unit": unit,
        "unit_price": _number(unit_price),
        "tax_rate": _rate(tax_rate, errors),
        "price_includes_tax": bool(price_includes_tax),
        "category_id": _category_id(category_id, errors),
        "stock": _number(stock) or None,
    }
    model: ProductIn | None = None
    try:
        model = ProductIn.model_validate(data)
    except ValidationError as exc:
        errors = problems(exc) | errors
    saved = screens.create_product(request.state.session, current(request).actor, None if errors else model)
    if saved.form is not None:
        if saved.problem is not None:
            return _form(request, saved.form, values, problems(saved.problem, "code"), problem_status(saved.problem))
        return _form(request, saved.form, values, errors, 422)
    product = saved.product
    assert product is not None
    return redirect(
        f"/catalog/{product.id}", kind="success", message=_("Product %(code)s created.") % {"code": product.code}
    )


def _detail(
    request: Request,
    screen: screens.ProductScreen,
    stock_values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    request.state.menu_key = "catalog"
    product = screen.product
    return render(
        request,
        "catalog/detail.html",
        {
            "product": product,
            "exact_price": plain(product.unit_price, 2)
            if product.unit_price != product.unit_price.quantize(_CENTS)
            else "",
            "category": screen.category,
            "prices": screen.prices,
            "history": _history(screen) if screen.history is not None else None,
            "can_write": current(request).can(Permission.CATALOG_WRITE),
            "stock_values": stock_values or {"delta": "", "reason": ""},
            "errors": errors or {},
        },
        status,
    )


def _history(screen: screens.ProductScreen) -> list[HistoryEntry]:
    names = {
        "kind": {"good": _("Good"), "service": _("Service")},
        "category_id": {str(c.id): c.name for c in screen.categories},
    }
    return history_entries(screen.history or [], _history_labels(), names)


def _history_labels() -> dict[str, str]:
    return {
        "code": _("Code"),
        "name": _("Name"),
        "kind": _("Kind"),
        "unit": _("Unit"),
        "unit_price": _("Unit price"),
        "tax_rate": _("Tax rate"),
        "price_includes_tax": _("The price includes the tax"),
        "category_id": _("Category"),
        "stock": _("Stock"),
        "delta": _("Units moved"),
        "reason": _("Reason"),
        "active": _("Active"),
    }


def _at_scale(patch: ProductPatch) -> ProductPatch:
    """Figures at the scale they are stored with, so an unchanged 0.12 is not recorded as a change
    from 0.1200 (the history compares the stored text)."""
    scaled: dict[str, Decimal] = {}
    if patch.unit_price is not None:
        scaled["unit_price"] = patch.unit_price.quantize(Decimal(1).scaleb(-PRICE_SCALE))
    if patch.tax_rate is not None:
        scaled["tax_rate"] = patch.tax_rate.quantize(Decimal(1).scaleb(-RATE_SCALE))
    return patch.model_copy(update=scaled)


@router.get("/catalog/categories", dependencies=[page_requires(Permission.CATALOG_READ)])
def category_list(request: Request) -> Response:
    categories = service.list_categories(request.state.session)
    return _categories(request, categories, {"name": "", "description": ""}, {})


def _categories(
    request: Request, categories: list[Category], values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    request.state.menu_key = "catalog"
    context = {
        "categories": categories,
        "values": values,
        "errors": errors,
        "can_write": current(request).can(Permission.CATALOG_WRITE),
    }
    return render(request, "catalog/categories.html", context, status)


@router.post("/catalog/categories", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def create_category(request: Request, name: Text = "", description: Text = "") -> Response:
    values = {"name": name, "description": description}
    invalid: ValidationError | None = None
    data: CategoryIn | None = None
    try:
        data = CategoryIn.model_validate(values)
    except ValidationError as exc:
        invalid = exc
    saved = screens.create_category(request.state.session, current(request).actor, data)
    refusal = invalid or saved.problem
    if refusal is not None:
        return _categories(request, saved.categories, values, problems(refusal, "name"), problem_status(refusal))
    category = saved.category
    assert category is not None
    return redirect(
        "/catalog/categories", kind="success", message=_("Category %(name)s created.") % {"name": category.name}
    )


@router.get("/catalog/{product_id}", dependencies=[page_requires(Permission.CATALOG_READ)])
def product_detail(request: Request, product_id: RecordId) -> Response:
    with_history = current(request).can(Permission.HISTORY_READ)
    return _detail(request, screens.product_screen(request.state.session, product_id, with_history=with_history))


@router.get("/catalog/{product_id}/edit", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def edit_product(request: Request, product_id: RecordId) -> Response:
    form = screens.product_form(request.state.session, product_id)
    product = form.product
    assert product is not None
    values = {
        "code": product.code,
        "name": product.name,
        "kind": product.kind,
        "unit": product.unit,
        "unit_price": plain(product.unit_price, 2),
        "tax_rate": plain(product.tax_rate * 100),
        "price_includes_tax": product.price_includes_tax,
        "category_id": str(product.category_id or ""),
        "stock": "",
        "active": product.active,
    }
    return _form(request, form, values, {})


@router.post("/catalog/{product_id}/edit", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def update_product(
    request: Request,
    product_id: RecordId,
    name: Text = "",
    unit: Text = "",
    unit_price: Text = "",
    tax_rate: Text = "",
    price_includes_tax: Text = "",
    category_id: Text = "",
    active: Text = "",
) -> Response:
    values: dict[str, Any] = {
        "name": name,
        "unit": unit,
        "unit_price": unit_price,
        "tax_rate": tax_rate,
        "price_includes_tax": bool(price_includes_tax),
        "category_id": category_id,
        "stock": "",
        "active": bool(active),
    }
    errors: dict[str, str] = {}
    data = {
        "name": name,
        "unit": unit,
        "unit_price": _number(unit_price),
        "tax_rate": _rate(tax_rate, errors),
        "price_includes_tax": bool(price_includes_tax),
        "category_id": _category_id(category_id, errors),
        "active": bool(active),
    }
    patch: ProductPatch | None = None
    try:
        patch = ProductPatch.model_validate(data)
    except ValidationError as exc:
        errors = problems(exc) | errors
    scaled = _at_scale(patch) if patch is not None and not errors else None
    saved = screens.update_product(request.state.session, current(request).actor, product_id, scaled)
    if saved.form is not None:
        product = saved.form.product
        assert product is not None
        shown = {"code": product.code, "kind": product.kind} | values  # what the form shows but cannot change
        if saved.problem is not None:
            return _form(request, saved.form, shown, problems(saved.problem, "name"), problem_status(saved.problem))
        return _form(request, saved.form, shown, errors, 422)
    return redirect(f"/catalog/{product_id}", kind="success", message=_("Changes saved."))


@router.post("/catalog/{product_id}/stock", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def adjust_stock(request: Request, product_id: RecordId, delta: Text = "", reason: Text = "") -> Response:
    principal = current(request)
    values = {"delta": delta, "reason": reason}
    invalid: ValidationError | None = None
    data: StockAdjustmentIn | None = None
    try:
        data = StockAdjustmentIn.model_validate({"delta": _number(delta), "reason": reason})
    except ValidationError as exc:
        invalid = exc
    moved = screens.adjust_stock(
        request.state.session, principal.actor, product_id, data, with_history=principal.can(Permission.HISTORY_READ)
    )
    refusal = invalid or moved.problem
    if refusal is not None:
        assert moved.screen is not None
        return _detail(request, moved.screen, values, problems(refusal, "delta"), problem_status(refusal))
    return redirect(f"/catalog/{moved.product.id}", kind="success", message=_("Stock updated."))
