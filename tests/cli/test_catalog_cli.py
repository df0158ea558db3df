"""``facturo catalog``: categories, products, prices and stock, driven as a person at a terminal would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.test_admin_cli import refused
from tests.cli.test_cli import Run, as_json, cli_env, flat


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Run]:
    with cli_env(tmp_path) as run:
        yield run


def product(run: Run, code: str, *extra: str) -> dict[str, Any]:
    args = ("catalog", "products", "create", "--code", code, "--name", f"Producto {code}", "--json")
    return as_json(run(*args, *extra))  # type: ignore[no-any-return]


def show(run: Run, product_id: int) -> dict[str, Any]:
    return as_json(run("catalog", "products", "show", str(product_id), "--json"))  # type: ignore[no-any-return]


def test_categories(cli: Run) -> None:
    created = cli("catalog", "categories", "create", "--name", "Herramientas", "--description", "Manuales y eléctricas")
    assert created.exit_code == 0, created.output
    assert flat(created.output) == "Categoría 1 creada: Herramientas."
    assert cli("catalog", "categories", "create", "--name", "Electricidad").exit_code == 0
    refused(
        cli("catalog", "categories", "create", "--name", "HERRAMIENTAS"), 4, "Ya existe la categoría «HERRAMIENTAS»."
    )
    refused(cli("catalog", "categories", "create", "--name", ""), 2, "Datos no válidos: name")

    listed = as_json(cli("catalog", "categories", "list", "--json"))
    assert [(c["name"], c["description"]) for c in listed] == [
        ("Electricidad", ""),
        ("Herramientas", "Manuales y eléctricas"),
    ]
    assert "Herramientas │ Manuales y eléctricas" in flat(cli("catalog", "categories", "list").output)


def test_products_are_created_with_their_terms(cli: Run) -> None:
    category = as_json(cli("catalog", "categories", "create", "--name", "Servicios", "--json"))
    service = product(
        cli,
        "INST",
        "--kind",
        "service",
        "--unit",
        "hora",
        "--price",
        "300",
        "--tax-rate",
        "0",
        "--tax-excluded",
        "--category",
        str(category["id"]),
    )
    stored = show(cli, service["id"])
    assert (stored["code"], stored["name"], stored["category_id"]) == ("INST", "Producto INST", category["id"])
    assert {k: stored[k] for k in ("kind", "unit", "unit_price", "tax_rate", "price_includes_tax", "stock")} == {
        "kind": "service",
        "unit": "hora",
        "unit_price": "300.000000",
        "tax_rate": "0.0000",
        "price_includes_tax": False,
        "stock": None,
    }
    # Unit prices keep six decimals exactly (cloud resources are priced per hour).
    tiny = product(cli, "CPU-H", "--price", "0.000125")
    assert show(cli, tiny["id"])["unit_price"] == "0.000125"
    assert (tiny["tax_rate"], tiny["price_includes_tax"], tiny["stock"]) == ("0.12", True, None)

    table = flat(cli("catalog", "products", "show", str(service["id"])).output)
    assert "Precio unitario │ 300.00" in table
    assert "Precio incluye IVA │ no" in table
    assert "Existencias │ sin control" in table


def test_product_creation_refuses_bad_input_clearly(cli: Run) -> None:
    product(cli, "MART", "--price", "125.50")
    create = ("catalog", "products", "create", "--name", "Otro")
    refused(cli(*create, "--code", "MART", "--price", "1"), 4, "Ya existe un producto con código MART.")
    refused(cli(*create, "--code", "X", "--price", "abc"), 2, "Datos no válidos: unit_price")
    refused(cli(*create, "--code", "X", "--price", "-1"), 2, "Datos no válidos: unit_price")
    refused(cli(*create, "--code", "X", "--price", "1.0000001"), 2, "Datos no válidos: unit_price")
    refused(cli(*create, "--code", "X", "--price", "1", "--tax-rate", "12"), 2, "Datos no válidos: tax_rate")
    refused(cli(*create, "--code", "X", "--price", "1", "--kind", "bien"), 2, "Datos no válidos: kind")
    refused(cli(*create, "--code", "X", "--price", "1", "--category", "9"), 2, "No existe la categoría 9.")
    refused(cli(*create, "--code", "X", "--price", "1", "--stock", "-2"), 2, "stock: debe ser mayor o igual que 0")
    refused(
        cli(*create, "--code", "X", "--price", "1", "--kind", "service", "--stock", "1"),
        2,
        "Un servicio no lleva existencias.",
    )
    assert as_json(cli("catalog", "products", "list", "--json"))["total"] == 1


def test_update_changes_only_the_given_fields(cli: Run) -> None:
    category = as_json(cli("catalog", "categories", "create", "--name", "Herramientas", "--json"))
    created = product(cli, "MART", "--price", "125.50", "--category", str(category["id"]), "--stock", "4")
    before = show(cli, created["id"])

    updated = cli("catalog", "products", "update", str(before["id"]), "--name", "Martillo Stanley", "--unit", "pieza")
    assert flat(updated.output) == f"Producto {before['id']} (MART) actualizado."
    after = show(cli, before["id"])
    assert after == before | {"name": "Martillo Stanley", "unit": "pieza"}

    cli("catalog", "products", "update", str(before["id"]), "--no-category", "--inactive", "--tax-excluded")
    assert show(cli, before["id"]) == after | {"category_id": None, "active": False, "price_includes_tax": False}
    assert as_json(cli("catalog", "products", "update", str(before["id"]), "--active", "--json"))["active"] is True

    refused(cli("catalog", "products", "update", "99", "--name", "X"), 3, "No existe el producto 99.")
    refused(cli("catalog", "products", "update", str(before["id"]), "--category", "7"), 2, "No existe la categoría 7.")
    refused(cli("catalog", "products", "update", str(before["id"]), "--price", "gratis"), 2, "unit_price")


def test_list_searches_and_filters(cli: Run) -> None:
    tools = as_json(cli("catalog", "categories", "create", "--name", "Herramientas", "--json"))
    product(cli, "MART-16", "--price", "125.50", "--category", str(tools["id"]))
    product(cli, "MART-20", "--price", "150", "--category", str(tools["id"]))
    product(cli, "CLAVO", "--price", "0.25")

    def codes(*args: str) -> list[str]:
        return [p["code"] for p in as_json(cli("catalog", "products", "list", *args, "--json"))["items"]]

    assert codes() == ["CLAVO", "MART-16", "MART-20"]
    assert codes("--search", "mart") == ["MART-16", "MART-20"]
    assert codes("--category", str(tools["id"])) == ["MART-16", "MART-20"]
    page = as_json(cli("catalog", "products", "list", "--size", "2", "--page", "2", "--json"))
    assert (page["total"], page["pages"], [p["code"] for p in page["items"]]) == (3, 2, ["MART-20"])
    listing = flat(cli("catalog", "products", "list").output)
    assert "CLAVO │ Producto CLAVO │ bien │ 0.25 │ 12 %" in listing


def test_prices_keep_their_history(cli: Run) -> None:
    created = product(cli, "MART", "--price", "125.50")
    pid = str(created["id"])
    changed = cli("catalog", "prices", "set", pid, "--price", "130")
    assert flat(changed.output) == "Nuevo precio de MART: 130.00."
    # The same figure written another way is no new price.
    assert cli("catalog", "prices", "set", pid, "--price", "130.00").exit_code == 0
    assert cli("catalog", "products", "update", pid, "--price", "135.75").exit_code == 0

    history = as_json(cli("catalog", "prices", "list", pid, "--json"))
    assert [p["unit_price"] for p in history] == ["125.500000", "130.000000", "135.750000"]
    assert all(p["recorded_by"].startswith("local:") for p in history)
    assert show(cli, created["id"])["unit_price"] == "135.750000"
    table = flat(cli("catalog", "prices", "list", pid).output)
    assert "125.50" in table and "135.75" in table

    refused(cli("catalog", "prices", "list", "42"), 3, "No existe el producto 42.")
    refused(cli("catalog", "prices", "set", pid, "--price", "-5"), 2, "unit_price")


def test_stock_adjustments_and_their_card(cli: Run) -> None:
    pid = str(product(cli, "MART", "--price", "125.50", "--stock", "10")["id"])
    received = cli("catalog", "stock", "adjust", pid, "--delta", "5", "--reason", "Compra a proveedor")
    assert flat(received.output) == "Existencias de MART: 15."
    counted = as_json(cli("catalog", "stock", "adjust", pid, "--delta", "-2.5", "--reason", "Conteo físico", "--json"))
    assert counted["stock"] == "12.500000"

    refused(
        cli("catalog", "stock", "adjust", pid, "--delta", "-20", "--reason", "Merma"),
        4,
        "Existencias insuficientes de MART (Producto MART): hay 12.5, se necesitan 20.",
    )
    refused(cli("catalog", "stock", "adjust", pid, "--delta", "1", "--reason", "x"), 2, "Datos no válidos: reason")
    refused(
        cli("catalog", "stock", "adjust", "77", "--delta", "1", "--reason", "Compra"), 3, "No existe el producto 77."
    )
    untracked = str(product(cli, "FLETE", "--kind", "service", "--price", "50")["id"])
    refused(
        cli("catalog", "stock", "adjust", untracked, "--delta", "1", "--reason", "Compra"),
        4,  # the product's state is in the way (a conflict), not the input
        "El producto FLETE no lleva control de existencias.",
    )

    card = as_json(cli("catalog", "stock", "show", pid, "--json"))
    assert (card["code"], card["stock"]) == ("MART", "12.500000")
    assert [(m["delta"], m["stock"], m["reason"], m["document"]) for m in card["movements"]] == [
        ("5", "15.000000", "Compra a proveedor", None),
        ("-2.5", "12.500000", "Conteo físico", None),
    ]
    shown = flat(cli("catalog", "stock", "show", pid).output)
    assert "Existencias de MART (Producto MART): 12.5" in shown
    assert "+5 │ 15 │ Compra a proveedor" in shown
    assert show(cli, int(pid))["stock"] == "12.500000"


def test_bad_ids_are_usage_errors_not_tracebacks(cli: Run) -> None:
    for args in (("products", "show", "abc"), ("products", "show", "0"), ("stock", "show", "99999999999")):
        result = cli("catalog", *args)
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)
    refused(cli("catalog", "products", "show", "5"), 3, "No existe el producto 5.")
    refused(cli("catalog", "stock", "show", "5"), 3, "No existe el producto 5.")
