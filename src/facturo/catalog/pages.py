"""Catalog pages: products (list and search, create, edit, stock, price history and change history)
and categories (list, create)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, Response
from pydantic import ValidationError

from facturo.audit import service as audit
from facturo.catalog import service
from facturo.catalog.models import PRICE_SCALE, RATE_SCALE, Product
from facturo.catalog.schemas import CategoryIn, ProductIn, ProductPatch, StockAdjustmentIn
from facturo.kit.access import Permission
from facturo.kit.errors import FacturoError
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


def _plain(value: Decimal | None) -> str:
    """A stored figure for a form field: exact, without trailing zeros beyond the cents."""
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    whole, _sep, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


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


def _category_options(session: Any) -> list[tuple[str, str]]:
    return [("", _("No category"))] + [(str(c.id), c.name) for c in service.list_categories(session)]


@router.get("/catalog", dependencies=[page_requires(Permission.CATALOG_READ)])
def product_list(request: Request, q: str = "", category: str = "", page: str = "1") -> Response:
    request.state.menu_key = "catalog"
    session = request.state.session
    query = q.strip()[:MAX_QUERY]
    category_id = _category_id(category, {})
    found = service.search_products(session, PageParams(page_number(page), PAGE_SIZE), query or None, category_id)
    categories = service.list_categories(session)
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
    request: Request, values: dict[str, Any], errors: dict[str, str], product: Product | None = None, status: int = 200
) -> Response:
    request.state.menu_key = "catalog"
    context = {
        "values": values,
        "errors": errors,
        "product": product,
        "category_options": _category_options(request.state.session),
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
        "tax_rate": "12",
        "price_includes_tax": True,
        "category_id": "",
        "stock": "",
        "active": True,
    }
    return _form(request, values, {})


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
    if errors or model is None:
        return _form(request, values, errors, status=422)
    try:
        product = service.create_product(request.state.session, current(request).actor, model)
    except FacturoError as exc:
        return _form(request, values, problems(exc, "code"), status=problem_status(exc))
    return redirect(
        f"/catalog/{product.id}", kind="success", message=_("Product %(code)s created.") % {"code": product.code}
    )


def _detail(
    request: Request,
    product: Product,
    stock_values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    request.state.menu_key = "catalog"
    session = request.state.session
    principal = current(request)
    category = service.get_category(session, product.category_id) if product.category_id else None
    return render(
        request,
        "catalog/detail.html",
        {
            "product": product,
            "exact_price": _plain(product.unit_price)
            if product.unit_price != product.unit_price.quantize(_CENTS)
            else "",
            "category": category,
            "prices": service.price_history(session, product.id),
            "history": _history(session, product) if principal.can(Permission.HISTORY_READ) else None,
            "can_write": principal.can(Permission.CATALOG_WRITE),
            "stock_values": stock_values or {"delta": "", "reason": ""},
            "errors": errors or {},
        },
        status,
    )


def _history(session: Any, product: Product) -> list[HistoryEntry]:
    names = {
        "kind": {"good": _("Good"), "service": _("Service")},
        "category_id": {str(c.id): c.name for c in service.list_categories(session)},
    }
    return history_entries(audit.history_of(session, "product", product.id), _history_labels(), names)


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
    return _categories(request, {"name": "", "description": ""}, {})


def _categories(request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200) -> Response:
    request.state.menu_key = "catalog"
    context = {
        "categories": service.list_categories(request.state.session),
        "values": values,
        "errors": errors,
        "can_write": current(request).can(Permission.CATALOG_WRITE),
    }
    return render(request, "catalog/categories.html", context, status)


@router.post("/catalog/categories", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def create_category(request: Request, name: Text = "", description: Text = "") -> Response:
    values = {"name": name, "description": description}
    try:
        data = CategoryIn.model_validate(values)
        category = service.create_category(request.state.session, current(request).actor, data)
    except (ValidationError, FacturoError) as exc:
        return _categories(request, values, problems(exc, "name"), problem_status(exc))
    return redirect(
        "/catalog/categories", kind="success", message=_("Category %(name)s created.") % {"name": category.name}
    )


@router.get("/catalog/{product_id}", dependencies=[page_requires(Permission.CATALOG_READ)])
def product_detail(request: Request, product_id: RecordId) -> Response:
    return _detail(request, service.get_product(request.state.session, product_id))


@router.get("/catalog/{product_id}/edit", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def edit_product(request: Request, product_id: RecordId) -> Response:
    product = service.get_product(request.state.session, product_id)
    values = {
        "code": product.code,
        "name": product.name,
        "kind": product.kind,
        "unit": product.unit,
        "unit_price": _plain(product.unit_price),
        "tax_rate": format((product.tax_rate * 100).normalize(), "f"),
        "price_includes_tax": product.price_includes_tax,
        "category_id": str(product.category_id or ""),
        "stock": "",
        "active": product.active,
    }
    return _form(request, values, {}, product)


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
    session = request.state.session
    product = service.get_product(session, product_id)
    values: dict[str, Any] = {
        "code": product.code,
        "name": name,
        "kind": product.kind,
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
    if errors or patch is None:
        return _form(request, values, errors, product, 422)
    try:
        service.update_product(session, current(request).actor, product_id, _at_scale(patch))
    except FacturoError as exc:
        return _form(request, values, problems(exc, "name"), product, problem_status(exc))
    return redirect(f"/catalog/{product_id}", kind="success", message=_("Changes saved."))


@router.post("/catalog/{product_id}/stock", dependencies=[page_requires(Permission.CATALOG_WRITE)])
def adjust_stock(request: Request, product_id: RecordId, delta: Text = "", reason: Text = "") -> Response:
    session = request.state.session
    product = service.get_product(session, product_id)
    values = {"delta": delta, "reason": reason}
    try:
        data = StockAdjustmentIn.model_validate({"delta": _number(delta), "reason": reason})
        service.adjust_stock(session, current(request).actor, product_id, data.delta, data.reason)
    except (ValidationError, FacturoError) as exc:
        return _detail(request, product, values, problems(exc, "delta"), problem_status(exc))
    return redirect(f"/catalog/{product.id}", kind="success", message=_("Stock updated."))
