"""Catalog pages as a user sees them: products with category, price, tax rate, kind and stock;
inline errors that keep what was typed; price and change history; categories."""

from __future__ import annotations

import re
from decimal import Decimal

from facturo.catalog import service as catalog
from facturo.kit.access import Role
from facturo.kit.pagination import PageParams
from tests.conftest import RollbackDatabase
from tests.factories import make_category, make_customer, make_product
from tests.web.conftest import Browser, make_user
from tests.web.test_page_access import HOSTILE

PRODUCT_ID = re.compile(r"^/catalog/(\d+)$")


def _create(admin: Browser, **fields: str) -> int:
    data = {"code": "LAP-01", "name": "Laptop 14 pulgadas", "kind": "good", "unit": "unidad"}
    data |= {"unit_price": "5,600.00", "tax_rate": "12", "price_includes_tax": "1", "stock": "10"}
    response = admin.post("/catalog/new", data | fields)
    assert response.status_code == 303, response.text[-1500:]
    found = PRODUCT_ID.match(response.headers["location"])
    assert found is not None
    return int(found.group(1))


def test_create_a_product_in_a_category_and_find_it(admin: Browser, db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        category_id = make_category(session, "Computadoras")
    form = admin.get("/catalog/new")
    assert form.status_code == 200 and "Computadoras" in form.text
    assert 'for="f-category_id"' in form.text and 'for="f-unit_price"' in form.text

    product_id = _create(admin, category_id=str(category_id))

    page = admin.get(f"/catalog/{product_id}")
    assert "Producto LAP-01 creado." in page.text
    assert "Q5,600.00" in page.text and "12 %" in page.text and "Computadoras" in page.text
    assert "incluido en el precio" in page.text and ">10<" in page.text
    with db.unit_of_work() as session:
        product = catalog.get_product(session, product_id)
        assert product.unit_price == Decimal("5600.00") and product.tax_rate == Decimal("0.12")
        assert product.stock == Decimal(10) and product.category_id == category_id

    listing = admin.get("/catalog?q=laptop")
    assert "LAP-01" in listing.text and "Q5,600.00" in listing.text and "Computadoras" in listing.text
    assert "LAP-01" in admin.get(f"/catalog?category={category_id}").text
    assert "LAP-01" not in admin.get("/catalog?q=impresora").text


def test_wrong_values_are_explained_inline_and_kept(admin: Browser) -> None:
    refused = admin.post(
        "/catalog/new",
        {"code": "SRV-01", "name": "Soporte técnico", "kind": "good", "unit": "hora", "unit_price": "doce"}
        | {"tax_rate": "112", "stock": "-1"},
    )
    assert refused.status_code == 422
    assert 'aria-describedby="e-unit_price"' in refused.text and "Escriba un número, por ejemplo 12.50." in refused.text
    assert 'aria-describedby="e-tax_rate"' in refused.text and "Escriba un porcentaje entre 0 y 100" in refused.text
    assert 'value="Soporte técnico"' in refused.text and 'value="doce"' in refused.text

    service_with_stock = admin.post(
        "/catalog/new",
        {"code": "SRV-01", "name": "Soporte técnico", "kind": "service", "unit": "hora", "unit_price": "250"}
        | {"tax_rate": "12", "stock": "5"},
    )
    assert service_with_stock.status_code == 422
    assert "Un servicio no lleva existencias." in service_with_stock.text

    _create(admin, code="DUP-1")
    duplicate = admin.post(
        "/catalog/new", {"code": "DUP-1", "name": "Otro", "unit": "unidad", "unit_price": "1", "tax_rate": "12"}
    )
    assert duplicate.status_code == 409 and "Ya existe un producto con código DUP-1." in duplicate.text


def test_edit_price_keeps_the_history(admin: Browser, db: RollbackDatabase) -> None:
    product_id = _create(admin, code="IMP-01", name="Impresora láser", unit_price="1200")
    form = admin.get(f"/catalog/{product_id}/edit")
    assert 'value="1200.00"' in form.text and 'value="12"' in form.text and "IMP-01" in form.text

    saved = admin.post(
        f"/catalog/{product_id}/edit",
        {"name": "Impresora láser", "unit": "unidad", "unit_price": "1350.50", "tax_rate": "12"}
        | {"price_includes_tax": "1", "active": "1"},
    )
    assert saved.status_code == 303
    page = admin.get(f"/catalog/{product_id}").text
    assert "Q1,350.50" in page
    prices = page[page.index("Historial de precios") :]
    assert "Q1,200.00" in prices and "Q1,350.50" in prices
    history = page[page.index('id="history-title"') :]
    assert "Creado" in history and "Cambio de precio" in history and "por Admin" in history
    with db.unit_of_work() as session:
        assert [p.unit_price for p in catalog.price_history(session, product_id)] == [
            Decimal("1200"),
            Decimal("1350.50"),
        ]


def test_deactivate_through_the_edit_form_and_adjust_stock(admin: Browser) -> None:
    product_id = _create(admin, code="CAJ-01", name="Caja de papel", stock="4")
    off = admin.post(
        f"/catalog/{product_id}/edit",
        {"name": "Caja de papel", "unit": "caja", "unit_price": "45", "tax_rate": "12", "price_includes_tax": "1"},
    )
    assert off.status_code == 303
    assert "Inactivo" in admin.get("/catalog?q=CAJ-01").text

    too_many = admin.post(f"/catalog/{product_id}/stock", {"delta": "-9", "reason": "Venta de mostrador"})
    assert too_many.status_code == 409 and "Existencias insuficientes de CAJ-01" in too_many.text
    assert 'value="Venta de mostrador"' in too_many.text
    received = admin.post(f"/catalog/{product_id}/stock", {"delta": "6", "reason": "Mercadería recibida"})
    assert received.status_code == 303
    page = admin.get(f"/catalog/{product_id}").text
    assert "Existencias actualizadas." in page and ">10<" in page
    assert "Movimiento de existencias" in page and "Mercadería recibida" in page


def test_categories_list_and_create(admin: Browser) -> None:
    page = admin.get("/catalog/categories")
    assert page.status_code == 200 and 'for="f-name"' in page.text
    created = admin.post("/catalog/categories", {"name": "Papelería", "description": "Útiles de oficina"})
    assert created.status_code == 303 and created.headers["location"] == "/catalog/categories"
    listing = admin.get("/catalog/categories").text
    assert "Categoría Papelería creada." in listing and "Útiles de oficina" in listing
    again = admin.post("/catalog/categories", {"name": "papelería"})
    assert again.status_code == 409 and "Ya existe la categoría «papelería»." in again.text
    empty = admin.post("/catalog/categories", {"name": " "})
    assert empty.status_code == 422 and "Este campo es obligatorio." in empty.text


def test_english_catalog(admin: Browser) -> None:
    admin.post("/language", {"language": "en", "next": "/catalog"})
    page = admin.get("/catalog/new").text
    assert "New product" in page and "Tax rate (%)" in page and "The price includes the tax" in page
    refused = admin.post("/catalog/new", {"code": "X", "name": "X", "unit": "u", "unit_price": "-5", "tax_rate": "12"})
    assert refused.status_code == 422 and "The value must be at least 0." in refused.text


def test_an_auditor_sees_the_catalog_but_no_buttons(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    with db.unit_of_work() as session:
        product_id = make_product(session, code="AUD-1").id
    make_user(db, "auditor@web.test", Role.AUDITOR)
    browser.login("auditor@web.test")
    listing = browser.get("/catalog")
    assert listing.status_code == 200 and "AUD-1" in listing.text
    assert 'href="/catalog/new"' not in listing.text
    detail = browser.get(f"/catalog/{product_id}").text
    assert "Editar producto" not in detail and "Ajustar existencias" not in detail
    assert "Nueva categoría" not in browser.get("/catalog/categories").text
    direct = browser.post("/catalog/new", {"code": "HACK", "name": "x", "unit": "u", "unit_price": "1"})
    assert direct.status_code == 403
    assert browser.post("/catalog/categories", {"name": "Intrusa"}).status_code == 403
    with db.unit_of_work() as session:
        assert catalog.search_products(session, PageParams(), "HACK").total == 0


def test_hostile_values_never_break_the_catalog_forms(admin: Browser) -> None:
    product_id = _create(admin)
    fields = ["code", "name", "kind", "unit", "unit_price", "tax_rate", "price_includes_tax", "category_id", "stock"]
    for value in HOSTILE:
        for url in ("/catalog/new", f"/catalog/{product_id}/edit", f"/catalog/{product_id}/stock"):
            response = admin.post(url, dict.fromkeys([*fields, "active", "delta", "reason"], value))
            assert response.status_code in {303, 409, 422}, (url, value[:20], response.status_code)
        assert admin.post("/catalog/categories", {"name": value, "description": value}).status_code < 500
        assert admin.get("/catalog", params={"q": value, "page": value, "category": value}).status_code == 200


def test_a_portal_user_reads_the_catalog_without_staff_details(
    browser: Browser, db: RollbackDatabase, organisation: None
) -> None:
    with db.unit_of_work() as session:
        product_id = make_product(session, code="PUB-1", name="Hosting anual").id
        customer_id = make_customer(session).id
    make_user(db, "cliente@web.test", Role.CUSTOMER, customer_id)
    browser.login("cliente@web.test")
    page = browser.get(f"/catalog/{product_id}")
    assert page.status_code == 200 and "Hosting anual" in page.text and "Historial de precios" in page.text
    assert "Registrado por" not in page.text and 'id="history-title"' not in page.text
    assert browser.post("/catalog/new", {"code": "X"}).status_code == 403
