"""``facturo payments`` as a cashier drives it: a split payment, a single one, the list, a reversal,
and every refusal with its reason. On a copy of the demo (see tests/cli/test_cli.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.cli import test_cli as harness
from tests.cli.test_cli import Run, as_json, documents, flat
from tests.cli.test_invoice_cli import refused, show, today

demo_template = harness.demo_template
cli = harness.cli


def issued_draft(run: Run) -> dict[str, Any]:
    """The demo's Q1,200.00 draft, issued: A-00000011 with its whole balance open."""
    draft = next(i for i in documents(run) if i["status"] == "draft" and i["total"] == "1200.00")
    return as_json(run("invoices", "issue", str(draft["id"]), "--json"))  # type: ignore[no-any-return]


def test_a_split_payment_and_the_balance_it_leaves(cli: Run) -> None:
    invoice = issued_draft(cli)
    result = cli(
        "payments", "record", str(invoice["id"]), "--split", "cash:100.00", "--split", "credit_card:50.00:REF123"
    )
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "por Q150.00: Efectivo Q100.00, Tarjeta de crédito Q50.00 (ref. REF123)." in out
    assert f"Saldo de la factura {invoice['id']}: Q1,050.00 (pagada parcialmente)." in out
    doc = show(cli, invoice["id"])
    assert (doc["status"], doc["paid_total"], doc["balance"]) == ("partially_paid", "150.00", "1050.00")
    [payment] = as_json(cli("payments", "list", str(invoice["id"]), "--json"))
    assert (payment["amount"], payment["status"], payment["received_on"]) == ("150.00", "active", today(cli))
    assert [(s["method"], s["amount"], s["reference"]) for s in payment["splits"]] == [
        ("cash", "100.00", ""),
        ("credit_card", "50.00", "REF123"),
    ]


def test_a_single_payment_settles_the_invoice(cli: Run) -> None:
    invoice = issued_draft(cli)
    paid = as_json(
        cli(
            "payments",
            "record",
            str(invoice["id"]),
            "--amount",
            "1200.00",
            "--method",
            "transferencia",
            "--reference",
            "TRF-88",
            "--date",
            today(cli),
            "--notes",
            "Banco Industrial",
            "--json",
        )
    )
    assert (paid["amount"], paid["invoice_status"], paid["invoice_balance"], paid["notes"]) == (
        "1200.00",
        "paid",
        "0.00",
        "Banco Industrial",
    )
    assert [(s["method"], s["reference"]) for s in paid["splits"]] == [("bank_transfer", "TRF-88")]
    assert show(cli, invoice["id"])["status"] == "paid"
    more = refused(cli("payments", "record", str(invoice["id"]), "--amount", "1.00", "--method", "cash"))
    assert "El pago de Q1.00 excede el saldo pendiente de Q0.00 de la factura A-00000011." in more


def test_list_and_reverse(cli: Run) -> None:
    invoice = issued_draft(cli)
    first = as_json(cli("payments", "record", str(invoice["id"]), "--amount", "200", "--method", "cash", "--json"))
    as_json(cli("payments", "record", str(invoice["id"]), "--split", "cheque:300.00:CHQ-0042", "--json"))
    result = cli("payments", "reverse", str(first["id"]), "--reason", "Billete falso detectado")
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == (
        f"Pago {first['id']} revertido (Q200.00). Saldo de la factura {invoice['id']}: Q900.00 (pagada parcialmente)."
    )
    listed = as_json(cli("payments", "list", str(invoice["id"]), "--json"))
    assert [(p["amount"], p["status"], p["reversal_reason"]) for p in listed] == [
        ("200.00", "reversed", "Billete falso detectado"),
        ("300.00", "active", ""),
    ]
    assert show(cli, invoice["id"])["balance"] == "900.00"
    table = cli("payments", "list", str(invoice["id"]))
    assert table.exit_code == 0, table.output
    text = flat(table.stdout)
    assert "revertido: Billete falso detectado" in text and "Cheque Q300.00 (ref. CHQ-0042)" in text
    assert f"El pago {first['id']} ya fue revertido." in refused(
        cli("payments", "reverse", str(first["id"]), "--reason", "Otra vez"), 4
    )
    assert "reason: debe tener al menos 5 caracteres" in refused(
        cli("payments", "reverse", str(listed[1]["id"]), "--reason", "no")
    )
    assert "No existe el pago 999999." in refused(cli("payments", "reverse", "999999", "--reason", "Error de caja"), 3)
    shown = as_json(cli("payments", "show", str(first["id"]), "--json"))
    assert (shown["status"], shown["invoice_balance"]) == ("reversed", "900.00")


def test_an_invoice_without_payments(cli: Run) -> None:
    invoice = issued_draft(cli)
    result = cli("payments", "list", str(invoice["id"]))
    assert result.exit_code == 0, result.output
    assert flat(result.stdout) == f"La factura {invoice['id']} no tiene pagos registrados."
    assert as_json(cli("payments", "list", str(invoice["id"]), "--json")) == []
    assert "No existe la factura 999999." in refused(cli("payments", "list", "999999"), 3)


def test_bad_payments_are_refused_and_change_nothing(cli: Run) -> None:
    invoice = issued_draft(cli)
    target = str(invoice["id"])

    def record(*args: str) -> str:
        return refused(cli("payments", "record", target, *args))

    assert "--amount «12,5x»: el importe «12,5x» no es un número válido; use punto decimal" in record(
        "--amount", "12,5x", "--method", "cash"
    )
    assert "--split «cash:1,000.00»: el importe «1,000.00» no es un número válido" in record("--split", "cash:1,000.00")
    assert "splits.1.amount: admite como máximo 2 decimales" in record("--amount", "10.555", "--method", "cash")
    assert "splits.2.amount: debe ser mayor que 0" in record("--split", "cash:10", "--split", "paypal:0")
    assert "«card» no es un método de pago; use uno de: cash, credit_card, debit_card" in record(
        "--split", "card:50.00:REF123"
    )
    assert "Indique el método de pago con --method" in record("--amount", "10")
    assert "no ambos" in record("--amount", "10", "--method", "cash", "--split", "cash:10")
    assert "Indique el pago" in record()
    assert "--split «cash»: escriba MÉTODO:IMPORTE[:REFERENCIA]" in record("--split", "cash")
    assert "El pago de Q1,200.01 excede el saldo pendiente de Q1,200.00 de la factura A-00000011." in record(
        "--amount", "1200.01", "--method", "cash"
    )
    assert "está en el futuro" in record("--amount", "10", "--method", "cash", "--date", "2999-01-01")
    assert "--date debe ser una fecha AAAA-MM-DD (recibido: ayer)" in record(
        "--amount", "10", "--method", "cash", "--date", "ayer"
    )
    assert "No existe la factura 999999." in refused(
        cli("payments", "record", "999999", "--amount", "10", "--method", "cash"), 3
    )
    draft = next(i for i in documents(cli) if i["status"] == "draft")
    assert refused(cli("payments", "record", str(draft["id"]), "--amount", "10", "--method", "cash"), 4)
    doc = show(cli, invoice["id"])
    assert (doc["paid_total"], doc["balance"]) == ("0.00", "1200.00")
    assert as_json(cli("payments", "list", target, "--json")) == []


def test_amounts_are_exact(cli: Run) -> None:
    # 0.10 + 0.20 is not 0.30 in binary floating point; the payment and the balance must be exact.
    invoice = issued_draft(cli)
    splits = ("--split", "cash:0.10", "--split", "cash:0.20", "--split", "debit_card:0.03")
    paid = as_json(cli("payments", "record", str(invoice["id"]), *splits, "--json"))
    assert paid["amount"] == "0.33"
    assert Decimal(paid["invoice_balance"]) == Decimal("1199.67")
