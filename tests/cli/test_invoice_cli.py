"""``facturo invoices`` beyond listing: drafts from flags and files, edit, delete, issue, credit notes,
void, history and alerts; and ``facturo usage runs`` with the empty billing run. Driven as a user would,
on a copy of the demo (see tests/cli/test_cli.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from click.testing import Result

from tests.cli import test_cli as harness
from tests.cli.test_cli import Run, as_json, documents, flat

# The harness's fixtures: the demo loaded once per module, and a fresh copy of it for each test.
demo_template = harness.demo_template
cli = harness.cli

MARTILLO_NIT = "4719856-7"  # Ferretería El Martillo, S.A., customer 1 of the demo


def refused(result: Result, code: int = 2) -> str:
    """A refusal: the exit code, no traceback, and the message (whitespace collapsed)."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return flat(result.stderr)


def show(run: Run, invoice_id: int) -> dict[str, Any]:
    return as_json(run("invoices", "show", str(invoice_id), "--json"))  # type: ignore[no-any-return]


def today(run: Run) -> str:
    return as_json(run("invoices", "alerts", "--json"))["today"]  # type: ignore[no-any-return]


def new_draft(run: Run, *args: str) -> dict[str, Any]:
    return as_json(run("invoices", "create", "--customer", MARTILLO_NIT, *args, "--json"))  # type: ignore[no-any-return]


def issued_invoice(run: Run, *lines: str) -> dict[str, Any]:
    draft = new_draft(run, *(a for line in lines for a in ("--line", line)))
    return as_json(run("invoices", "issue", str(draft["id"]), "--json"))  # type: ignore[no-any-return]


# --- create ---------------------------------------------------------------------------------------


def test_create_a_draft_from_flags(cli: Run) -> None:
    result = cli(
        "invoices",
        "create",
        "--customer",
        MARTILLO_NIT,
        "--line",
        "CEM-42:10",
        "--line",
        "PIN-GL:2:15.00",
        "--item",
        "Flete especial a obra;1;350.00;12%",
        "--due",
        "2030-01-31",
        "--notes",
        "Entrega en obra",
    )
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert out.startswith("Borrador 15 creado para Ferretería El Martillo, S.A.: 3 línea(s), total Q1,560.00.")
    assert "facturo invoices issue 15" in out
    doc = show(cli, 15)
    assert (doc["status"], doc["full_number"], doc["customer_nit"]) == ("draft", None, MARTILLO_NIT)
    assert (doc["due_date"], doc["notes"]) == ("2030-01-31", "Entrega en obra")
    assert [(ln["line_number"], ln["description"], ln["discount"], ln["total_amount"]) for ln in doc["lines"]] == [
        (1, "Cemento gris 42.5 kg", "0.00", "895.00"),
        (2, "Pintura látex blanca, galón", "15.00", "315.00"),
        (3, "Flete especial a obra", "0.00", "350.00"),
    ]
    assert (doc["subtotal"], doc["tax_total"], doc["total"]) == ("1392.86", "167.14", "1560.00")
    assert Decimal(doc["lines"][2]["tax_rate"]) == Decimal("0.12")


def test_create_by_ids_and_a_series_code(cli: Run) -> None:
    draft = as_json(cli("invoices", "create", "--customer", "2", "--line", "1:3", "--series", "A", "--json"))
    assert (draft["customer_name"], draft["series_code"]) == ("Distribuidora La Ceiba", "A")
    assert [(ln["description"], ln["total_amount"]) for ln in draft["lines"]] == [("Cemento gris 42.5 kg", "268.50")]


def test_create_from_a_yaml_file_keeps_amounts_exact(cli: Run, tmp_path: Path) -> None:
    # 0.1 and 0.2 are the classic float traps: YAML would read them as binary floats.
    file = tmp_path / "draft.yaml"
    file.write_text(
        f"customer: {MARTILLO_NIT}\n"
        "due_date: 2030-02-28\n"
        "notes: Cotización por correo\n"
        "lines:\n"
        "  - product: CEM-42\n"
        "    quantity: 0.1\n"
        "  - description: Asesoría remota\n"
        "    quantity: 3\n"
        "    unit_price: 0.1\n"
        "    tax_rate: 0.12\n"
        "    price_includes_tax: false\n",
        encoding="utf-8",
    )
    draft = as_json(cli("invoices", "create", "--file", str(file), "--json"))
    assert (draft["customer_name"], draft["due_date"], draft["notes"]) == (
        "Ferretería El Martillo, S.A.",
        "2030-02-28",
        "Cotización por correo",
    )
    first, second = draft["lines"]
    assert Decimal(first["quantity"]) == Decimal("0.1")
    assert first["total_amount"] == "8.95"
    assert (Decimal(second["unit_price"]), second["price_includes_tax"]) == (Decimal("0.1"), False)
    assert (second["base_amount"], second["tax_amount"], second["total_amount"]) == ("0.30", "0.04", "0.34")
    assert draft["total"] == "9.29"


def test_create_from_a_json_file(cli: Run, tmp_path: Path) -> None:
    file = tmp_path / "draft.json"
    file.write_text(
        json.dumps({"customer_id": 3, "lines": [{"product_id": 2, "quantity": 2.5}]}).replace("2.5", "2.50"),
        encoding="utf-8",
    )
    draft = as_json(cli("invoices", "create", "--file", str(file), "--json"))
    assert draft["customer_name"] == "Constructora Volcán de Agua, S.A."
    assert [(ln["description"], Decimal(ln["quantity"]), ln["total_amount"]) for ln in draft["lines"]] == [
        ('Varilla de hierro 3/8" x 6 m', Decimal("2.5"), "106.88")
    ]


def test_flags_override_the_file(cli: Run, tmp_path: Path) -> None:
    file = tmp_path / "draft.yml"
    file.write_text("customer: 1\nnotes: del archivo\nlines:\n  - product: CEM-42\n    quantity: 1\n")
    draft = as_json(cli("invoices", "create", "-f", str(file), "--customer", "2", "--line", "TUB-PVC:2", "--json"))
    assert (draft["customer_id"], draft["notes"]) == (2, "del archivo")
    assert [ln["description"] for ln in draft["lines"]] == ['Tubo PVC 1/2" x 6 m']


def test_a_bad_file_names_the_field_and_creates_nothing(cli: Run, tmp_path: Path) -> None:
    before = len(documents(cli))
    file = tmp_path / "draft.yaml"
    file.write_text(
        "customer: 1\nlines:\n  - product: CEM-42\n    quantity: 1\n  - product: PIN-GL\n    quantity: doce\n"
        "  - description: Sin precio\n    quantity: 1\n  - product: CEM-42\n    quantity: 1\n    colour: red\n"
    )
    message = refused(cli("invoices", "create", "--file", str(file)))
    assert message.startswith("Error: Datos no válidos:")
    assert "lines.2.quantity: debe ser un número" in message
    assert "lines.4.colour: campo no permitido" in message
    file.write_text("customer: 1\nlines:\n  - description: Sin precio\n    quantity: 1\n")
    assert "lines.1: una línea sin producto necesita descripción y precio unitario" in refused(
        cli("invoices", "create", "--file", str(file))
    )
    file.write_text("customer: 1\nlines:\n  - product: NO-EXISTE\n    quantity: 1\n")
    assert "lines.1.product: no hay ningún producto con código «NO-EXISTE»." in refused(
        cli("invoices", "create", "--file", str(file))
    )
    assert len(documents(cli)) == before


def test_unreadable_files_are_refused_clearly(cli: Run, tmp_path: Path) -> None:
    missing = refused(cli("invoices", "create", "--file", str(tmp_path / "nope.yaml")))
    assert f"No existe el archivo {tmp_path / 'nope.yaml'}." in missing
    broken = tmp_path / "broken.yaml"
    broken.write_text("customer: 1\nlines: [\n  - quantity: 1\n")
    message = refused(cli("invoices", "create", "--file", str(broken)))
    assert f"El archivo {broken} no es YAML válido (línea 3, columna 3)" in message
    broken_json = tmp_path / "broken.json"
    broken_json.write_text('{"customer_id": 1, "lines": [}')
    assert "no es JSON válido (línea 1, columna 30)" in refused(cli("invoices", "create", "--file", str(broken_json)))
    listed = tmp_path / "list.yaml"
    listed.write_text("- customer: 1\n")
    assert "debe contener un objeto con campos" in refused(cli("invoices", "create", "--file", str(listed)))
    tagged = tmp_path / "tagged.yaml"
    tagged.write_text("customer: 1\nlines:\n  - product: CEM-42\n    quantity: !!float 0.1\n")
    assert "lines.1.quantity: el valor 0.1 se leyó como número de coma flotante" in refused(
        cli("invoices", "create", "--file", str(tagged))
    )


def test_bad_flags_are_refused_with_the_reason(cli: Run) -> None:
    before = len(documents(cli))
    assert "--line «CEM-42:12,5x»: la cantidad «12,5x» no es un número válido; use punto decimal" in refused(
        cli("invoices", "create", "--customer", "1", "--line", "CEM-42:12,5x")
    )
    assert "--line «CEM-42»: escriba PRODUCTO:CANTIDAD[:DESCUENTO]" in refused(
        cli("invoices", "create", "--customer", "1", "--line", "CEM-42")
    )
    assert "--item «Flete;1»: escriba DESCRIPCIÓN;CANTIDAD;PRECIO[;TASA]" in refused(
        cli("invoices", "create", "--customer", "1", "--item", "Flete;1")
    )
    assert "lines.1.quantity: debe ser mayor que 0" in refused(
        cli("invoices", "create", "--customer", "1", "--line", "CEM-42:0")
    )
    assert "lines.1.tax_rate: debe ser menor o igual que 1" in refused(
        cli("invoices", "create", "--customer", "1", "--item", "Flete;1;100;12")
    )
    assert "debería ser 7" in refused(cli("invoices", "create", "--customer", "4719856-8", "--line", "CEM-42:1"))
    assert "No hay ningún cliente con NIT 576937-K." in refused(
        cli("invoices", "create", "--customer", "576937-K", "--line", "CEM-42:1")
    )
    assert "No existe el cliente 99." in refused(cli("invoices", "create", "--customer", "99", "--line", "CEM-42:1"))
    assert "Indique el cliente: --customer ID_o_NIT" in refused(cli("invoices", "create", "--line", "CEM-42:1"))
    assert "--due debe ser una fecha AAAA-MM-DD (recibido: 31/01/2030)" in refused(
        cli("invoices", "create", "--customer", "1", "--due", "31/01/2030")
    )
    assert len(documents(cli)) == before


def test_cf_names_the_one_final_consumer(cli: Run) -> None:
    draft = as_json(cli("invoices", "create", "--customer", "cf", "--item", "Mostrador;1;25.00", "--json"))
    assert (draft["customer_name"], draft["customer_nit"], draft["total"]) == ("Consumidor Final", "CF", "25.00")


# --- edit and delete ------------------------------------------------------------------------------


def test_edit_a_draft(cli: Run) -> None:
    draft = new_draft(cli, "--line", "CEM-42:10", "--due", "2030-01-31", "--notes", "Primera versión")
    result = cli("invoices", "edit", str(draft["id"]), "--notes", "Cotización aprobada", "--line", "SRV-HORA:2")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout).startswith(f"Borrador {draft['id']} actualizado para Ferretería El Martillo, S.A.")
    doc = show(cli, draft["id"])
    assert (doc["notes"], doc["due_date"], doc["total"]) == ("Cotización aprobada", "2030-01-31", "700.00")
    assert [ln["description"] for ln in doc["lines"]] == ["Hora de asesoría técnica"]
    cleared = as_json(cli("invoices", "edit", str(draft["id"]), "--clear-due", "--json"))
    assert (cleared["due_date"], cleared["notes"], cleared["total"]) == (None, "Cotización aprobada", "700.00")
    assert "Nada que cambiar" in refused(cli("invoices", "edit", str(draft["id"])))


def test_an_issued_invoice_cannot_be_edited_or_deleted(cli: Run) -> None:
    invoice = next(i for i in documents(cli) if i["status"] == "paid")
    edit = refused(cli("invoices", "edit", str(invoice["id"]), "--notes", "otra"), 4)
    assert f"La factura {invoice['full_number']} ya fue emitida y no puede modificarse" in edit
    assert "ya fue emitida" in refused(cli("invoices", "delete", str(invoice["id"])), 4)
    assert show(cli, invoice["id"])["status"] == "paid"


def test_delete_a_draft(cli: Run) -> None:
    draft = new_draft(cli, "--line", "CEM-42:1")
    result = cli("invoices", "delete", str(draft["id"]))
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == f"Borrador {draft['id']} eliminado."
    assert f"No existe la factura {draft['id']}." in refused(cli("invoices", "show", str(draft["id"])), 3)
    assert refused(cli("invoices", "delete", str(draft["id"])), 3)


# --- issue, credit notes, void --------------------------------------------------------------------


def test_issue_with_a_date(cli: Run) -> None:
    draft = new_draft(cli, "--line", "CEM-42:2")
    day = today(cli)
    issued = as_json(cli("invoices", "issue", str(draft["id"]), "--date", day, "--json"))
    assert (issued["status"], issued["full_number"], issued["issue_date"]) == ("issued", "A-00000011", day)
    other = new_draft(cli, "--line", "CEM-42:2")
    assert "--date debe ser una fecha AAAA-MM-DD" in refused(
        cli("invoices", "issue", str(other["id"]), "--date", "mañana")
    )
    assert show(cli, other["id"])["status"] == "draft"


def test_credit_note_of_part_by_amount_and_by_line(cli: Run) -> None:
    invoice = issued_invoice(cli, "CEM-42:10", "PIN-GL:2")  # 895.00 + 330.00
    assert invoice["total"] == "1225.00"
    discount = ("--reason", "Descuento acordado", "--amount", "Descuento por volumen;100.00")
    result = cli("invoices", "credit-note", str(invoice["id"]), *discount)
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == (
        "Nota de crédito NC-00000003 emitida por Q100.00 sobre la factura A-00000011; "
        "saldo de la factura: Q1,125.00 (emitida)."
    )
    by_line = as_json(
        cli("invoices", "credit-note", str(invoice["id"]), "--reason", "Devolución de 2 sacos", "-l", "1:2", "--json")
    )
    assert (by_line["document_type"], by_line["full_number"], by_line["total"]) == (
        "credit_note",
        "NC-00000004",
        "179.00",
    )
    assert by_line["credited_invoice_id"] == invoice["id"]
    doc = show(cli, invoice["id"])
    assert (doc["credited_total"], doc["balance"], doc["status"]) == ("279.00", "946.00", "issued")
    too_much = refused(cli("invoices", "credit-note", str(invoice["id"]), "--reason", "Devolución", "--line", "1:9"))
    assert "Línea 1: se pueden acreditar como máximo 8 unidades" in too_much
    assert "indique full o las partidas a acreditar" in refused(
        cli("invoices", "credit-note", str(invoice["id"]), "--reason", "Devolución")
    )
    assert "--amount «Descuento;12,5x»: el importe «12,5x» no es un número válido" in refused(
        cli("invoices", "credit-note", str(invoice["id"]), "--reason", "Devolución", "--amount", "Descuento;12,5x")
    )
    assert "reason: debe tener al menos 5 caracteres" in refused(
        cli("invoices", "credit-note", str(invoice["id"]), "--reason", "no", "--line", "1:1")
    )
    assert show(cli, invoice["id"])["balance"] == "946.00"


def test_void_another_invoice(cli: Run) -> None:
    invoice = issued_invoice(cli, "TUB-PVC:3")
    assert "reason: debe tener al menos 5 caracteres" in refused(
        cli("invoices", "void", str(invoice["id"]), "--reason", "no")
    )
    result = cli("invoices", "void", str(invoice["id"]), "--reason", "Cliente canceló el pedido")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == f"Factura {invoice['full_number']} anulada."
    doc = show(cli, invoice["id"])
    assert (doc["status"], doc["full_number"], doc["void_reason"]) == (
        "void",
        invoice["full_number"],
        "Cliente canceló el pedido",
    )
    assert refused(cli("invoices", "void", str(invoice["id"]), "--reason", "Otra vez"), 4)


# --- history and alerts ---------------------------------------------------------------------------


def test_history_lists_every_change(cli: Run) -> None:
    draft = new_draft(cli, "--line", "CEM-42:10")
    assert cli("invoices", "edit", str(draft["id"]), "--notes", "Entregar el lunes").exit_code == 0
    assert cli("invoices", "issue", str(draft["id"])).exit_code == 0
    assert cli("payments", "record", str(draft["id"]), "--amount", "95.00", "--method", "cash").exit_code == 0
    entries = as_json(cli("invoices", "history", str(draft["id"]), "--json"))
    assert [(e["entity_type"], e["action"]) for e in entries] == [
        ("invoice", "draft_created"),
        ("invoice", "draft_updated"),
        ("product", "stock_moved"),  # cement leaves the warehouse when the invoice is issued
        ("invoice", "issued"),
        ("payment", "registered"),
        ("invoice", "payment_applied"),
    ]
    assert all(e["actor_name"].endswith("(CLI)") for e in entries)
    assert entries[1]["after"]["notes"] == "Entregar el lunes"
    result = cli("invoices", "history", str(draft["id"]))
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    for text in (
        "Borrador creado",
        "Borrador modificado",
        "notas: — → Entregar el lunes",
        "Existencia del producto 1",
        "Emitida",
        "estado: borrador → emitida",
        "Pago registrado",
        "importe: 95.00",
        "estado: emitida → pagada parcialmente, pagado: 0.00 → 95.00",
    ):
        assert text in out
    assert "No existe la factura 999999." in refused(cli("invoices", "history", "999999"), 3)


def test_alerts(cli: Run) -> None:
    alerts = as_json(cli("invoices", "alerts", "--json"))
    assert alerts["due_soon_days"] == 7
    overdue = [(i["full_number"], i["customer_name"], i["balance"]) for i in alerts["overdue"]]
    assert overdue == [
        ("A-00000001", "Constructora Volcán de Agua, S.A.", "14140.00"),
        ("A-00000002", "Agropecuaria El Quetzal", "2600.00"),
    ]
    assert alerts["overdue_total"] == "16740.00"
    assert all(i["overdue"] for i in alerts["overdue"])
    assert [i["full_number"] for i in alerts["due_soon"]] == ["A-00000006"]
    wider = as_json(cli("invoices", "alerts", "--days", "30", "--json"))
    assert len(wider["due_soon"]) > 1
    assert Decimal(wider["due_soon_total"]) == sum(Decimal(i["balance"]) for i in wider["due_soon"])
    result = cli("invoices", "alerts")
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "Vencidas al" in out and "saldo Q16,740.00" in out and "Vencen en los próximos 7 días: 1" in out
    assert "--days" in refused(cli("invoices", "alerts", "--days", "91"))


# --- usage billing runs ---------------------------------------------------------------------------


def test_usage_runs_and_the_empty_run(cli: Run) -> None:
    none_yet = cli("usage", "runs")
    assert none_yet.exit_code == 0, none_yet.output
    assert flat(none_yet.stdout).startswith("Todavía no hay corridas de facturación")
    assert as_json(cli("usage", "runs", "--json")) == []

    empty = cli("usage", "bill", "--from", "2001-01-01", "--to", "2001-01-31")
    assert empty.exit_code == 0, empty.output
    assert flat(empty.stdout) == (
        "Nada que facturar en ese rango (01/01/2001 – 31/01/2001). No hay consumos pendientes de facturar; "
        "no se creó ninguna corrida ni factura."
    )
    assert "Corrida de facturación" not in empty.stdout
    preview = cli("usage", "bill", "--from", "2001-01-01", "--to", "2001-01-31", "--dry-run")
    assert "Nada que facturar en ese rango (01/01/2001 – 31/01/2001)" in flat(preview.stdout)

    billed = as_json(cli("usage", "bill", "--from", "2001-01-01", "--to", today(cli), "--json"))
    assert billed["consumption_count"] == 150 and billed["run_id"] is not None
    runs = as_json(cli("usage", "runs", "--json"))
    assert [(r["id"], r["invoice_count"], r["consumption_count"], r["total"]) for r in runs] == [
        (billed["run_id"], billed["invoice_count"], 150, billed["total"])
    ]
    assert runs[0]["actor_name"].endswith("(CLI)")
    table = cli("usage", "runs")
    assert table.exit_code == 0, table.output
    assert "Corridas de facturación (1, la más reciente primero)" in flat(table.stdout)
    again = cli("usage", "bill", "--from", "2001-01-01", "--to", today(cli))
    assert flat(again.stdout).startswith("Nada que facturar en ese rango (01/01/2001 –")
    assert len(as_json(cli("usage", "runs", "--json"))) == 1
