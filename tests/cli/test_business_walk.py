"""The whole business from a terminal, on a fresh database, with no API call and no web page: the first
administrator, the organisation, a customer and a product, an invoice issued and paid in two methods,
part of it credited, another voided, the alerts, and IPC2 usage messages imported and billed.

Every step is checked as the operator would check it: the amounts and numbers the CLI prints back."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from facturo.cli.main import app
from facturo.kit import clock
from tests.cli.test_cli import Run, as_json, cli_env, flat

IPC2 = Path(__file__).resolve().parents[1] / "data" / "ipc2"
PASSWORD = "clave-de-la-jefa-2026"


def _ok(result: Any) -> str:
    assert result.exit_code == 0, result.output
    return flat(result.output)


def test_the_whole_business_from_the_cli(tmp_path: Path) -> None:
    with cli_env(tmp_path) as run:
        _walk(run)


def _walk(run: Run) -> None:
    # 1. A fresh database: everything points at the setup steps, in CLI terms.
    refused = run("usage", "bill", "--from", "2023-01-01", "--to", "2023-12-31")
    assert refused.exit_code == 4
    assert "facturo organisation set --name NOMBRE --nit NIT" in flat(refused.output)
    assert "PUT /api" not in refused.output
    assert as_json(run("invoices", "list", "--json"))["total"] == 0  # a list is empty, not an error

    admin = CliRunner().invoke(
        app,
        ["users", "create-admin", "--email", "jefa@martillo.gt", "--name", "La Jefa", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert _ok(admin) == "Administrador 1 creado: La Jefa <jefa@martillo.gt>."

    # 2. The organisation (series A and NC come with it).
    _ok(
        run("organisation", "set", "--name", "Ferretería El Martillo, S.A.", "--nit", "576937-K", "--address", "Zona 1")
    )
    profile = as_json(run("organisation", "show", "--json"))
    assert (profile["name"], profile["nit"], profile["address"]) == (
        "Ferretería El Martillo, S.A.",
        "576937-K",
        "Zona 1",
    )
    assert {s["code"] for s in as_json(run("organisation", "series", "list", "--json"))} == {"A", "NC"}

    # 3. A customer and a product with stock.
    customer = as_json(run("customers", "create", "--nit", "4719856-7", "--name", "Constructora Quetzal", "--json"))
    product = as_json(
        run("catalog", "products", "create", "--code", "CEM-42", "--name", "Cemento 42.5 kg", "--price", "89.60",
            "--stock", "100", "--json")
    )  # fmt: skip
    assert (product["code"], Decimal(product["unit_price"])) == ("CEM-42", Decimal("89.60"))

    # 4. A draft of 10 bags and a free line, issued: 896.00 + 350.00 = 1,246.00 with IVA included.
    draft = as_json(
        run("invoices", "create", "--customer", "4719856-7", "--line", "CEM-42:10", "--item", "Flete;1;350.00",
            "--json")
    )  # fmt: skip
    assert (draft["status"], draft["total"], draft["customer_id"]) == ("draft", "1246.00", customer["id"])
    issued = as_json(run("invoices", "issue", str(draft["id"]), "--json"))
    assert (issued["full_number"], issued["status"], issued["total"]) == ("A-00000001", "issued", "1246.00")
    assert issued["tax_total"] == "133.50"  # 1246.00 − 1246.00 / 1.12, per line: 96.00 + 37.50
    stock = as_json(run("catalog", "products", "show", str(product["id"]), "--json"))
    assert Decimal(stock["stock"]) == 90

    # 5. Paid in two methods, part of it: 500 cash + 246 card leaves 500.00.
    _ok(run("payments", "record", str(issued["id"]), "--split", "cash:500.00", "--split", "credit_card:246.00:AUT-1"))
    after_pay = as_json(run("invoices", "show", str(issued["id"]), "--json"))
    assert (after_pay["status"], after_pay["paid_total"], after_pay["balance"]) == (
        "partially_paid",
        "746.00",
        "500.00",
    )

    # 6. Two bags come back: a credit note of 2 × 89.60 = 179.20 in series NC; 320.80 remains.
    note = as_json(
        run("invoices", "credit-note", str(issued["id"]), "--line", "1:2", "--reason", "Devolución de 2 sacos",
            "--json")
    )  # fmt: skip
    assert (note["full_number"], note["total"], note["document_type"]) == ("NC-00000001", "179.20", "credit_note")
    credited = as_json(run("invoices", "show", str(issued["id"]), "--json"))
    assert (credited["credited_total"], credited["balance"]) == ("179.20", "320.80")
    assert Decimal(as_json(run("catalog", "products", "show", str(product["id"]), "--json"))["stock"]) == 92

    # 7. Another invoice, issued by mistake and voided: it keeps its number.
    wrong = as_json(run("invoices", "create", "--customer", str(customer["id"]), "--item", "Error;1;10.00", "--json"))
    wrong = as_json(run("invoices", "issue", str(wrong["id"]), "--json"))
    _ok(run("invoices", "void", str(wrong["id"]), "--reason", "Emitida por error"))
    voided = as_json(run("invoices", "show", str(wrong["id"]), "--json"))
    assert (voided["full_number"], voided["status"]) == ("A-00000002", "void")

    # 8. The history and the alerts: the open invoice falls due in 30 days (not overdue, due soon at 30).
    history = as_json(run("invoices", "history", str(issued["id"]), "--json"))
    assert [(e["entity_type"], e["action"]) for e in history] == [
        ("invoice", "draft_created"),
        ("product", "stock_moved"),
        ("invoice", "issued"),
        ("payment", "registered"),
        ("invoice", "payment_applied"),
        ("product", "stock_moved"),
        ("invoice", "credit_note_issued"),
        ("invoice", "credit_note_applied"),
    ]
    assert {e["actor_kind"] for e in history} == {"local"}  # the terminal operator, named in every record
    alerts = as_json(run("invoices", "alerts", "--days", "31", "--json"))
    assert alerts["overdue"] == []
    assert [(a["full_number"], a["balance"]) for a in alerts["due_soon"]] == [("A-00000001", "320.80")]

    # 9. Usage: the IPC2 configuration and consumption messages, then a billing run over 2023.
    imported = run("usage", "import", str(IPC2 / "nube_configuracion.xml"), str(IPC2 / "nube_consumos.xml"))
    assert imported.exit_code == 0, imported.output
    preview = as_json(run("usage", "bill", "--from", "2023-01-01", "--to", "2023-12-31", "--dry-run", "--json"))
    assert preview["total"] == "11006.35"
    billed = as_json(run("usage", "bill", "--from", "2023-01-01", "--to", "2023-12-31", "--json"))
    assert (billed["total"], len(billed["invoices"])) == ("11006.35", 3)
    assert [i["number"] for i in billed["invoices"]] == ["A-00000003", "A-00000004", "A-00000005"]
    # Dated today, not on the range's last day: series A stays chronological and nothing is overdue at once.
    assert billed["issue_date"] == clock.today("America/Guatemala").isoformat()
    run_invoice = as_json(run("invoices", "show", str(billed["invoices"][0]["invoice_id"]), "--json"))
    assert (run_invoice["issue_date"], run_invoice["overdue"]) == (billed["issue_date"], False)
    [record] = as_json(run("usage", "runs", "--json"))
    assert (record["invoice_count"], record["total"]) == (3, "11006.35")
    again = run("usage", "bill", "--from", "2023-01-01", "--to", "2023-12-31")
    assert "Nada que facturar" in flat(again.output)  # exactly once

    # 10. The chain of every series still verifies.
    assert run("invoices", "verify-chain").exit_code == 0
