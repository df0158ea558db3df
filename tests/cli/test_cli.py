"""The command line, driven as a user would: load the demo, list, show, issue, print, verify.

Each test gets its own data directory (SQLite). The demo is loaded once per module into a
template database that each test copies, so every test starts from the same 14 documents.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from facturo.cli.main import app
from facturo.kit.config import get_settings
from facturo.surface.console.context import database

Run = Callable[..., Result]
DB_FILE = "facturo.sqlite3"
STATUSES = {"draft", "issued", "partially_paid", "paid", "credited", "void"}


def _reset_caches() -> None:
    if database.cache_info().currsize:
        database().dispose()
    database.cache_clear()
    get_settings.cache_clear()


@contextmanager
def cli_env(data_dir: Path) -> Iterator[Run]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FACTURO_DATA_DIR", str(data_dir))
        mp.delenv("FACTURO_DATABASE_URL", raising=False)
        mp.setenv("FACTURO_AUTO_MIGRATE", "true")
        mp.setenv("COLUMNS", "200")  # messages on one line, as in a wide terminal
        _reset_caches()
        runner = CliRunner()

        def run(*args: str) -> Result:
            return runner.invoke(app, list(args))

        try:
            yield run
        finally:
            _reset_caches()


def flat(text: str) -> str:
    """Rich may wrap long messages; compare text with whitespace collapsed."""
    return " ".join(text.split())


def as_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("demo-template")
    with cli_env(data_dir) as run:
        result = run("demo")
        assert result.exit_code == 0, result.output
    return data_dir


@pytest.fixture
def cli(demo_template: Path, tmp_path: Path) -> Iterator[Run]:
    """A data directory holding the freshly loaded demo."""
    for file in demo_template.iterdir():
        if file.name.startswith(DB_FILE):
            shutil.copy2(file, tmp_path / file.name)
    with cli_env(tmp_path) as run:
        yield run


def documents(run: Run) -> list[dict[str, Any]]:
    listing = as_json(run("invoices", "list", "--json"))
    assert listing["total"] == len(listing["items"])
    return listing["items"]  # type: ignore[no-any-return]


# --- demo -----------------------------------------------------------------------------------------


def test_demo_loads_into_an_empty_data_directory(tmp_path: Path) -> None:
    with cli_env(tmp_path) as run:
        result = run("demo")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert out.startswith(
        "Demostración cargada: 9 clientes, 8 productos, 14 facturas en todos los estados, "
        "150 consumos de nube por facturar"
    )
    assert "admin@chapinas.example │ demo-admin-2026 │ admin" in out
    assert "portal@martillo.example │ demo-portal-2026 │ customer" in out
    assert (tmp_path / DB_FILE).exists()


def test_demo_a_second_time_does_nothing(cli: Run) -> None:
    before = documents(cli)
    result = cli("demo")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert out.startswith("La base de datos ya tiene una organización; no se cargaron datos de demostración.")
    # The sign-ins are demo data: printed again, so a second `./dev up` still tells how to get in.
    assert "contabilidad@chapinas.example │ demo-conta-2026 │ accountant" in out
    assert documents(cli) == before
    assert as_json(cli("customers", "list", "--json"))["total"] == 9


def test_demo_leaves_out_sign_ins_that_no_longer_work(cli: Run) -> None:
    users = {u["email"]: u["id"] for u in as_json(cli("users", "list", "--json"))}
    assert cli("users", "deactivate", str(users["auditoria@chapinas.example"])).exit_code == 0
    out = flat(cli("demo").stdout)
    assert "admin@chapinas.example │ demo-admin-2026 │ admin" in out
    assert "auditoria@chapinas.example" not in out


# --- invoices -------------------------------------------------------------------------------------


def test_invoices_list_shows_every_status(cli: Run) -> None:
    listing = as_json(cli("invoices", "list", "--json"))
    assert listing["total"] == 14
    assert (listing["page"], listing["pages"]) == (1, 1)
    items = listing["items"]
    assert len(items) == 14
    assert {i["status"] for i in items} == STATUSES
    kinds = [i["document_type"] for i in items]
    assert (kinds.count("invoice"), kinds.count("credit_note")) == (12, 2)
    numbers = sorted(i["full_number"] for i in items if i["full_number"])
    assert numbers == [f"A-{n:08d}" for n in range(1, 11)] + ["NC-00000001", "NC-00000002"]
    assert sum(1 for i in items if i["status"] == "draft") == 2
    assert all(i["full_number"] is None for i in items if i["status"] == "draft")
    assert "882.00" in {i["total"] for i in items}  # amounts travel as exact strings
    assert any(i["overdue"] for i in items)


def test_invoices_list_filters_by_status(cli: Run) -> None:
    listing = as_json(cli("invoices", "list", "--status", "void", "--json"))
    assert listing["total"] == 1
    assert [i["status"] for i in listing["items"]] == ["void"]
    assert Decimal(listing["items"][0]["balance"]) == 0
    assert Decimal(listing["items"][0]["total"]) > 0


def test_amounts_in_json_always_have_two_decimals(cli: Run) -> None:
    # Scripts compare these strings; "0" next to "0.00" would be two spellings of one amount.
    items = documents(cli)
    for field in ("total", "balance"):
        badly_written = {(i["full_number"], i[field]) for i in items if not re.fullmatch(r"-?\d+\.\d{2}", i[field])}
        assert badly_written == set(), field


def test_invoices_show(cli: Run) -> None:
    paid = next(i for i in documents(cli) if i["status"] == "paid" and i["total"] == "882.00")
    doc = as_json(cli("invoices", "show", str(paid["id"]), "--json"))
    assert doc["id"] == paid["id"]
    assert doc["full_number"] == paid["full_number"]
    assert doc["customer_name"] == "Ferretería El Martillo, S.A."
    assert (doc["subtotal"], doc["tax_total"], doc["total"]) == ("787.50", "94.50", "882.00")
    assert (doc["paid_total"], doc["credited_total"], doc["balance"]) == ("882.00", "0.00", "0.00")
    assert [(ln["description"], ln["total_amount"]) for ln in doc["lines"]] == [
        ("Pintura látex blanca, galón", "660.00"),
        ('Llave de paso de bronce 1/2"', "222.00"),
    ]
    assert doc["content_hash"] and len(doc["content_hash"]) == 64


def test_invoices_show_in_a_table(cli: Run) -> None:
    paid = next(i for i in documents(cli) if i["total"] == "882.00")
    result = cli("invoices", "show", str(paid["id"]))
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert f"Factura {paid['full_number']} · pagada" in out
    assert "Total: Q882.00" in out
    assert "Saldo: Q0.00" in out


def test_showing_an_unknown_invoice_fails_with_not_found(cli: Run) -> None:
    result = cli("invoices", "show", "999999")
    assert result.exit_code == 3
    assert "No existe la factura 999999." in flat(result.stderr)


def test_issuing_a_draft_gives_it_the_next_number(cli: Run) -> None:
    draft = next(i for i in documents(cli) if i["status"] == "draft" and i["total"] == "1200.00")
    result = cli("invoices", "issue", str(draft["id"]))
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == "Factura A-00000011 emitida por Q1,200.00."
    issued = as_json(cli("invoices", "show", str(draft["id"]), "--json"))
    assert (issued["status"], issued["full_number"], issued["balance"]) == ("issued", "A-00000011", "1200.00")
    # Issuing it again is refused with the conflict exit code, and nothing changes.
    again = cli("invoices", "issue", str(draft["id"]))
    assert again.exit_code == 4
    assert "A-00000011 ya fue emitida" in flat(again.stderr)
    assert as_json(cli("invoices", "verify-chain", "--json"))[0]["documents"] == 11


def test_voiding_a_paid_invoice_is_refused(cli: Run) -> None:
    paid = next(i for i in documents(cli) if i["total"] == "882.00")
    result = cli("invoices", "void", str(paid["id"]), "--reason", "Cliente devolvió todo")
    assert result.exit_code == 4
    assert "tiene pagos registrados" in flat(result.stderr)
    assert as_json(cli("invoices", "show", str(paid["id"]), "--json"))["status"] == "paid"


def test_invoice_pdf(cli: Run, tmp_path: Path) -> None:
    invoice = next(i for i in documents(cli) if i["status"] == "partially_paid")
    target = tmp_path / "factura.pdf"
    result = cli("invoices", "pdf", str(invoice["id"]), "-o", str(target))
    assert result.exit_code == 0, result.output
    content = target.read_bytes()
    assert content.startswith(b"%PDF")
    assert len(content) > 1000
    assert str(target) in flat(result.stdout)


def test_verify_chain(cli: Run) -> None:
    result = cli("invoices", "verify-chain")
    assert result.exit_code == 0, result.output
    assert "ALTERADA" not in result.stdout
    reports = as_json(cli("invoices", "verify-chain", "--json"))
    assert [(r["series_code"], r["documents"], r["ok"]) for r in reports] == [("A", 10, True), ("NC", 2, True)]


# --- customers -------------------------------------------------------------------------------------


def test_customers_list(cli: Run) -> None:
    listing = as_json(cli("customers", "list", "--json"))
    assert listing["total"] == 9
    names = [c["name"] for c in listing["items"]]
    assert "Consumidor Final" in names
    assert names == sorted(names)
    assert {c["nit"] for c in listing["items"] if c["name"] == "Consumidor Final"} == {"CF"}
    found = as_json(cli("customers", "list", "--search", "MARTILLO", "--json"))
    assert [c["name"] for c in found["items"]] == ["Ferretería El Martillo, S.A."]


def test_customers_list_walks_on_with_the_cursor_it_prints(cli: Run) -> None:
    everyone = [c["name"] for c in as_json(cli("customers", "list", "--json"))["items"]]
    first = as_json(cli("customers", "list", "--limit", "4", "--json"))
    assert first["total"] == 9 and first["next_cursor"]
    shown = [c["name"] for c in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        text = cli("customers", "list", "--limit", "4", "--cursor", cursor)
        assert text.exit_code == 0 and f"--cursor {cursor}" not in text.output
        nxt = as_json(cli("customers", "list", "--limit", "4", "--cursor", cursor, "--json"))
        shown += [c["name"] for c in nxt["items"]]
        cursor = nxt["next_cursor"]
    assert shown == everyone and len(shown) == 9
    assert "siguiente: --cursor" in cli("customers", "list", "--limit", "4").output


def test_customers_create_with_a_wrong_nit_exits_2_with_the_reason(cli: Run) -> None:
    result = cli("customers", "create", "--nit", "576937-0", "--name", "Comercial La Paz")
    assert result.exit_code == 2
    message = flat(result.stderr)
    assert "dígito verificador" in message
    assert "El NIT 576937-0 no es válido" in message
    assert "debería ser K" in message
    assert as_json(cli("customers", "list", "--json"))["total"] == 9


def test_customers_create_with_an_empty_name_is_a_message_not_a_traceback(cli: Run) -> None:
    result = cli("customers", "create", "--nit", "576937-K", "--name", "", "--terms", "-1")
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = flat(result.stderr)
    assert "Datos no válidos:" in message
    assert "name: no puede quedar vacío" in message
    assert "payment_terms_days: debe ser mayor o igual que 0" in message


def test_customers_create(cli: Run) -> None:
    result = cli("customers", "create", "--nit", "576937-k", "--name", "Comercial La Paz", "--json")
    created = as_json(result)
    assert (created["nit"], created["name"], created["active"]) == ("576937-K", "Comercial La Paz", True)
    again = cli("customers", "create", "--nit", "576937K", "--name", "Otra")
    assert again.exit_code == 4
    assert "Comercial La Paz" in flat(again.stderr)
