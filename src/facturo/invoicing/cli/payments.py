"""``facturo payments``: record a payment (one method or several), list an invoice's payments, reverse one."""

from __future__ import annotations

from typing import Any

import typer

from facturo.invoicing import payments as service
from facturo.invoicing import service as invoicing
from facturo.invoicing.cli.parsing import number, parse_date, usage_error, validated
from facturo.invoicing.lifecycle import LABELS_ES
from facturo.invoicing.payment_schemas import METHOD_LABELS_ES, Method, PaymentIn, PaymentOut, ReversalIn
from facturo.kit.money import format_money
from facturo.surface.console.context import JsonOption, answer, console, emit_json, local_actor, table, unit_of_work

app = typer.Typer(
    help="Payments (pagos): several methods in one payment, partial payments, reversals.", no_args_is_help=True
)

# What people also type for a method: Spanish names, and hyphens for underscores.
_ALIASES = {
    "efectivo": Method.CASH,
    "tarjeta_credito": Method.CREDIT_CARD,
    "tarjeta_de_credito": Method.CREDIT_CARD,
    "credito": Method.CREDIT_CARD,
    "tarjeta_debito": Method.DEBIT_CARD,
    "tarjeta_de_debito": Method.DEBIT_CARD,
    "debito": Method.DEBIT_CARD,
    "transferencia": Method.BANK_TRANSFER,
    "transfer": Method.BANK_TRANSFER,
    "check": Method.CHEQUE,
}
_METHODS = ", ".join(m.value for m in Method)


def _method(text: str, given: str) -> str:
    key = text.strip().lower().replace("-", "_").replace("é", "e").replace("í", "i")
    if key in Method.__members__.values():
        return key
    if key in _ALIASES:
        return _ALIASES[key].value
    usage_error(f"{given}: «{text}» no es un método de pago; use uno de: {_METHODS}.")


def _split(value: str) -> dict[str, Any]:
    """``METHOD:AMOUNT[:REFERENCE]``; the reference may itself hold colons."""
    given = f"--split «{value}»"
    parts = value.split(":", 2)
    if len(parts) < 2:
        usage_error(f"{given}: escriba MÉTODO:IMPORTE[:REFERENCIA], por ejemplo --split cash:100.00.")
    split: dict[str, Any] = {"method": _method(parts[0], given), "amount": number(parts[1], "el importe", given)}
    if len(parts) == 3:
        split["reference"] = parts[2]
    return split


def _methods(payment: PaymentOut) -> str:
    return ", ".join(
        f"{METHOD_LABELS_ES[s.method]} {format_money(s.amount, payment.currency)}"
        + (f" (ref. {s.reference})" if s.reference else "")
        for s in payment.splits
    )


def _after(out: PaymentOut) -> str:
    status = LABELS_ES[invoicing.Status(out.invoice_status)] if out.invoice_status else "—"
    balance = format_money(out.invoice_balance, out.currency) if out.invoice_balance is not None else "—"
    return f"Saldo de la factura {out.invoice_id}: {balance} ({status})."


@app.command("record")
def record(
    invoice_id: int = typer.Argument(..., help="Invoice id."),
    amount: str = typer.Option(None, "--amount", help="Amount paid with one method, e.g. 100.00."),
    method: str = typer.Option(None, "--method", help=f"With --amount: {_METHODS}."),
    reference: str = typer.Option("", "--reference", help="With --amount: card voucher, transfer or cheque number."),
    splits: list[str] = typer.Option(
        None, "--split", help="METHOD:AMOUNT[:REFERENCE], one per method of a split payment. Repeatable."
    ),
    received_on: str = typer.Option(None, "--date", help="Date received YYYY-MM-DD (default: today)."),
    notes: str = typer.Option("", "--notes"),
    as_json: bool = JsonOption,
) -> None:
    """Record a payment against an issued invoice: one method (--amount, --method) or several (--split)."""
    if amount is not None and splits:
        usage_error("Use --amount (un solo método) o --split (varios), no ambos.")
    if amount is not None:
        if method is None:
            usage_error(f"Indique el método de pago con --method ({_METHODS}).")
        parts = [
            {
                "method": _method(method, "--method"),
                "amount": number(amount, "el importe", f"--amount «{amount}»"),
                "reference": reference,
            }
        ]
    elif splits:
        if method is not None or reference:
            usage_error("Con --split el método y la referencia van en cada --split (MÉTODO:IMPORTE[:REFERENCIA]).")
        parts = [_split(v) for v in splits]
    else:
        usage_error("Indique el pago: --amount 100.00 --method cash, o uno o más --split cash:100.00.")
    data = validated(PaymentIn, {"received_on": parse_date(received_on, "--date"), "splits": parts, "notes": notes})
    with unit_of_work() as session:
        out = service.register_payment_view(session, local_actor(), invoice_id, data)
    if as_json:
        emit_json(out)
    else:
        typer.echo(
            f"Pago {out.id} registrado el {out.received_on:%d/%m/%Y} por {format_money(out.amount, out.currency)}: "
            f"{_methods(out)}. {_after(out)}"
        )


@app.command("list")
def list_payments(invoice_id: int = typer.Argument(..., help="Invoice id."), as_json: bool = JsonOption) -> None:
    """The payments of an invoice, reversed ones included."""
    with unit_of_work(write=False) as session:
        found = [PaymentOut.model_validate(p) for p in service.payments_of(session, invoice_id)]
    if as_json:
        emit_json(found)
        return
    if not found:
        console.print(f"La factura {invoice_id} no tiene pagos registrados.")
        return
    table(
        f"Pagos de la factura {invoice_id}",
        ["Id", "Fecha", "Importe", "Formas de pago", "Estado"],
        [
            (
                p.id,
                f"{p.received_on:%d/%m/%Y}",
                format_money(p.amount, p.currency),
                _methods(p),
                "activo" if p.status == "active" else f"revertido: {p.reversal_reason}",
            )
            for p in found
        ],
        right=("Importe",),
        wrap=("Formas de pago", "Estado"),
    )


@app.command("show")
def show_payment(payment_id: int, as_json: bool = JsonOption) -> None:
    """One payment, with the invoice's status and balance now."""
    with unit_of_work(write=False) as session:
        out = service.find_payment_view(session, payment_id)
    if as_json:
        emit_json(out)
        return
    state = "activo" if out.status == "active" else f"revertido ({out.reversal_reason})"
    typer.echo(
        f"Pago {out.id} de la factura {out.invoice_id}, {out.received_on:%d/%m/%Y}, "
        f"{format_money(out.amount, out.currency)}, {state}: {_methods(out)}. {_after(out)}"
    )


@app.command("reverse")
def reverse(
    payment_id: int = typer.Argument(..., help="Payment id (see payments list)."),
    reason: str = typer.Option(..., "--reason", help="Why it is reversed (at least 5 characters)."),
    as_json: bool = JsonOption,
) -> None:
    """Reverse a payment (it is kept, marked reversed, and the invoice's balance goes back up)."""
    data = validated(ReversalIn, {"reason": reason})
    with unit_of_work() as session:
        out = service.reverse_payment_view(session, local_actor(), payment_id, data.reason)
    answer(out, as_json, f"Pago {out.id} revertido ({format_money(out.amount, out.currency)}). {_after(out)}")
