from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from facturo.audit.schemas import HistoryEntryOut
from facturo.invoicing import documents, service
from facturo.invoicing.cli.parsing import (
    credit_amount,
    credit_line,
    free_item,
    load_document,
    named,
    parse_date,
    product_line,
    usage_error,
    validated,
    with_ids,
)
from facturo.invoicing.documents_pdf import invoice_pdf as printable_invoice
from facturo.invoicing.lifecycle import LABELS_ES
from facturo.invoicing.schemas import (
    ChainReportOut,
    CreditNoteIn,
    DraftIn,
    DraftPatch,
    InvoiceOut,
    InvoiceSummaryOut,
    VoidIn,
)
from facturo.kit.money import format_money
from facturo.kit.pagination import KeysetParams
from facturo.surface.console.context import (
    JsonOption,
    answer,
    console,
    emit_json,
    local_actor,
    table,
    unit_of_work,
)

app = typer.Typer(help="Invoices and credit notes (facturas y notas de crédito).", no_args_is_help=True)


_date = parse_date


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


@app.command("list")
def list_invoices(
    status: service.Status = typer.Option(None, help="draft, issued, partially_paid, paid, credited, void."),
    customer: int = typer.Option(None, help="Customer id."),
    date_from: str = typer.Option(None, "--from", help="Issue date from, YYYY-MM-DD."),
    date_to: str = typer.Option(None, "--to", help="Issue date to, YYYY-MM-DD."),
    overdue: bool = typer.Option(False, help="Only overdue invoices."),
    cursor: str = typer.Option(None, help="Continue after a page: the next_cursor it printed."),
    page: int = typer.Option(None, min=1, max=1_000_000, help="Old offset paging (slow on deep pages)."),
    size: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    """List invoices, newest first, a keyset page at a time (--cursor continues)."""
    try:
        params = KeysetParams(limit=size, cursor=cursor, offset_page=page)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    with unit_of_work(write=False) as session:
        flt = service.InvoiceFilter(
            status=status, customer_id=customer, date_from=_date(date_from, "--from"), date_to=_date(date_to, "--to")
        )
        found = documents.invoice_list_view(session, params, flt, overdue=overdue)
    pages = -(-found.total // size) if found.total is not None and found.page is not None else None
    if as_json:
        emit_json(
            {
                "items": [i.model_dump(mode="json") for i in found.items],
                "size": found.limit,
                "next_cursor": found.next_cursor,
                "total": found.total,
                "page": found.page,
                "pages": pages,
            }
        )
        return
    where = f"página {found.page} de {max(pages or 1, 1)}, " if found.page is not None and pages else ""
    counted = f"{found.total} en total" if found.total is not None else f"{len(found.items)} en esta página"
    more = f" · siguiente: --cursor {found.next_cursor}" if found.next_cursor else ""
    table(
        f"Documentos ({where}{counted}){more}",
        ["Id", "Número", "Estado", "Cliente", "Emisión", "Vence", "Total", "Saldo"],
        [
            (
                i.id,
                i.full_number or "(borrador)",
                LABELS_ES[service.Status(i.status)] + (" · vencida" if i.overdue else ""),
                i.customer_name,
                _dmy(i.issue_date),
                _dmy(i.due_date),
                format_money(i.total),
                format_money(i.balance),
            )
            for i in found.items
        ],
        right=("Total", "Saldo"),
    )


@app.command("show")
def show_invoice(invoice_id: int, as_json: bool = JsonOption) -> None:
    """Show one invoice with its lines."""
    with unit_of_work(write=False) as session:
        doc = documents.invoice_view(session, invoice_id)
    if as_json:
        emit_json(doc)
        return
    kind = "Nota de crédito" if doc.document_type == "credit_note" else "Factura"
    status = LABELS_ES[service.Status(doc.status)]
    console.print(
        f"[bold]{kind} {doc.full_number or '(borrador)'}[/] · {status}{' · [red]VENCIDA[/]' if doc.overdue else ''}\n"
        f"Cliente: {doc.customer_name or doc.customer_id} · NIT {doc.customer_nit or '—'}\n"
        f"Emisión: {_dmy(doc.issue_date)} · Vence: {_dmy(doc.due_date)}"
    )
    table(
        "Líneas",
        ["No.", "Descripción", "Cantidad", "Precio", "Descuento", "Total"],
        [
            (
                ln.line_number,
                ln.description,
                f"{ln.quantity.normalize():f}",
                format_money(ln.unit_price),
                format_money(ln.discount),
                format_money(ln.total_amount),
            )
            for ln in doc.lines
        ],
        right=("Cantidad", "Precio", "Descuento", "Total"),
    )
    for label, amount in (
        ("Subtotal", doc.subtotal),
        ("IVA", doc.tax_total),
        ("Total", doc.total),
        ("Acreditado", doc.credited_total),
        ("Pagado", doc.paid_total),
        ("Saldo", doc.balance),
    ):
        console.print(f"{label:>12}: {format_money(amount, doc.currency):>16}")


# --- drafts -------------------------------------------------------------------------------------------

CustomerOption = typer.Option(None, "--customer", "-c", help="Customer id or NIT (576937-K, or CF if only one).")
LineOption = typer.Option(
    None, "--line", "-l", help="Catalog line PRODUCT:QTY[:DISCOUNT]; PRODUCT is an id or a code. Repeatable."
)
ItemOption = typer.Option(
    None, "--item", help='Free line "DESCRIPTION;QTY;UNIT PRICE[;TAX]" (tax 12% or 0.12; default 12%). Repeatable.'
)
DueOption = typer.Option(None, "--due", help="Due date YYYY-MM-DD (default: issue date + the customer's terms).")
NotesOption = typer.Option(None, "--notes", help="Notes printed on the invoice.")
SeriesOption = typer.Option(None, "--series", help="Series code or id (default: the default invoice series).")
FileOption = typer.Option(
    None, "--file", "-f", help="Draft as YAML or JSON (- reads standard input); flags override its fields."
)


def _draft_data(
    file: str | None,
    customer: str | None,
    lines: list[str] | None,
    items: list[str] | None,
    due: str | None,
    notes: str | None,
    series: str | None,
) -> dict[str, Any]:
    """The draft as plain data, from the file and then the flags: flags win, lines from flags replace the file's."""
    data = load_document(file) if file else {}
    if customer is not None:
        data.pop("customer_id", None)
        data["customer"] = customer
    if series is not None:
        data.pop("series_id", None)
        data["series"] = series
    if due is not None:
        data["due_date"] = _date(due, "--due")
    if notes is not None:
        data["notes"] = notes
    if lines or items:
        data["lines"] = [product_line(v) for v in lines or []] + [free_item(v) for v in items or []]
    return data


def _draft_saved(verb: str, out: InvoiceOut) -> None:
    typer.echo(
        f"Borrador {out.id} {verb} para {out.customer_name}: {len(out.lines)} línea(s), "
        f"total {format_money(out.total, out.currency)}."
    )
    typer.echo(f"Revíselo con «facturo invoices show {out.id}» y emítalo con «facturo invoices issue {out.id}».")


@app.command("create")
def create_draft(
    customer: str = CustomerOption,
    lines: list[str] = LineOption,
    items: list[str] = ItemOption,
    due: str = DueOption,
    notes: str = NotesOption,
    series: str = SeriesOption,
    file: str = FileOption,
    as_json: bool = JsonOption,
) -> None:
    """Create a draft invoice from flags or from a YAML/JSON file (see docs/cli.md)."""
    data = _draft_data(file, customer, lines, items, due, notes, series)
    if "customer" not in data and "customer_id" not in data:
        usage_error("Indique el cliente: --customer ID_o_NIT, o «customer:» en el archivo.")
    draft = named(data)
    with unit_of_work() as session:
        out = documents.create_named_draft(
            session, local_actor(), draft.references, lambda found: validated(DraftIn, with_ids(draft, found))
        )
    if as_json:
        emit_json(out)
    else:
        _draft_saved("creado", out)


@app.command("edit")
def edit_draft(
    invoice_id: int,
    customer: str = CustomerOption,
    lines: list[str] = typer.Option(None, "--line", "-l", help="PRODUCT:QTY[:DISCOUNT]; replaces all lines."),
    items: list[str] = typer.Option(None, "--item", help='"DESCRIPTION;QTY;UNIT PRICE[;TAX]"; replaces all lines.'),
    due: str = DueOption,
    clear_due: bool = typer.Option(False, "--clear-due", help="Remove the due date (back to the customer's terms)."),
    notes: str = NotesOption,
    series: str = SeriesOption,
    file: str = typer.Option(None, "--file", "-f", help="Changes as YAML or JSON (- reads standard input)."),
    as_json: bool = JsonOption,
) -> None:
    """Change a draft: only what is given changes; lines given replace all its lines."""
    data = _draft_data(file, customer, lines, items, due, notes, series)
    if clear_due:
        if due is not None:
            usage_error("Use --due o --clear-due, no ambos.")
        data["due_date"] = None
    if not data:
        usage_error("Nada que cambiar: indique al menos una opción (--customer, --line, --item, --due, --notes, …).")
    changes = named(data)
    with unit_of_work() as session:
        out = documents.update_named_draft(
            session,
            local_actor(),
            invoice_id,
            changes.references,
            lambda found: validated(DraftPatch, with_ids(changes, found)),
        )
    if as_json:
        emit_json(out)
    else:
        _draft_saved("actualizado", out)


@app.command("delete")
def delete_draft(invoice_id: int, as_json: bool = JsonOption) -> None:
    """Delete a draft (an issued invoice is never deleted: void it or credit it)."""
    with unit_of_work() as session:
        service.delete_draft(session, local_actor(), invoice_id)
    answer({"id": invoice_id, "deleted": True}, as_json, f"Borrador {invoice_id} eliminado.")


# --- issued documents ---------------------------------------------------------------------------------


@app.command("issue")
def issue_invoice(
    invoice_id: int,
    issue_date: str = typer.Option(None, "--date", help="Issue date YYYY-MM-DD (default: today)."),
    as_json: bool = JsonOption,
) -> None:
    """Issue a draft: it takes the next number of its series."""
    when = _date(issue_date, "--date")
    with unit_of_work() as session:
        out = documents.issue_invoice_view(session, local_actor(), invoice_id, when)
    answer(out, as_json, f"Factura {out.full_number} emitida por {format_money(out.total, out.currency)}.")


@app.command("void")
def void_invoice(
    invoice_id: int,
    reason: str = typer.Option(..., help="Why it is voided (at least 5 characters)."),
    as_json: bool = JsonOption,
) -> None:
    """Void an issued invoice without payments (it keeps its number)."""
    data = validated(VoidIn, {"reason": reason})
    with unit_of_work() as session:
        out = documents.void_invoice_view(session, local_actor(), invoice_id, data.reason)
    answer(out, as_json, f"Factura {out.full_number} anulada.")


@app.command("credit-note")
def credit_note(
    invoice_id: int,
    reason: str = typer.Option(..., help="Why it is credited (at least 5 characters)."),
    lines: list[str] = typer.Option(
        None, "--line", "-l", help="LINE:QTY: return QTY units of invoice line LINE. Repeatable."
    ),
    amounts: list[str] = typer.Option(
        None, "--amount", help='"DESCRIPTION;AMOUNT[;TAX]": an amount off, tax included. Repeatable.'
    ),
    full: bool = typer.Option(False, "--full", help="Credit everything that remains creditable."),
    as_json: bool = JsonOption,
) -> None:
    """Issue a credit note against an invoice: some units of its lines, amounts, or all of it."""
    items = [credit_line(v) for v in lines or []] + [credit_amount(v) for v in amounts or []]
    data = validated(CreditNoteIn, {"reason": reason, "full": full, "items": items})
    with unit_of_work() as session:
        issued = documents.credit_note_view(session, local_actor(), invoice_id, data)
    note, invoice = issued.note, issued.invoice
    if as_json:
        emit_json(note)
    else:
        typer.echo(
            f"Nota de crédito {note.full_number} emitida por {format_money(note.total, note.currency)} "
            f"sobre la factura {invoice.full_number}; saldo de la factura: "
            f"{format_money(invoice.balance, invoice.currency)} ({LABELS_ES[service.Status(invoice.status)]})."
        )


# --- history and alerts -------------------------------------------------------------------------------

_ACTIONS_ES = {
    ("payment", "registered"): "Pago registrado",
    ("payment", "reversed"): "Pago revertido",
    ("invoice", "draft_created"): "Borrador creado",
    ("invoice", "draft_updated"): "Borrador modificado",
    ("invoice", "draft_deleted"): "Borrador eliminado",
    ("invoice", "issued"): "Emitida",
    ("invoice", "voided"): "Anulada",
    ("invoice", "credit_note_issued"): "Nota de crédito emitida",
    ("invoice", "credit_note_applied"): "Nota de crédito aplicada al saldo",
    ("invoice", "payment_applied"): "Pago aplicado al saldo",
    ("invoice", "payment_reversed"): "Reversión de pago aplicada al saldo",
    ("product", "stock_moved"): "Existencia del producto",
}
_FIELDS_ES = {
    "status": "estado",
    "number": "número",
    "customer_name": "cliente",
    "issue_date": "emisión",
    "due_date": "vence",
    "received_on": "recibido",
    "total": "total",
    "amount": "importe",
    "credited_total": "acreditado",
    "paid_total": "pagado",
    "notes": "notas",
    "reason": "motivo",
    "void_reason": "motivo",
    "reversal_reason": "motivo",
    "stock": "existencia",
}
_PAYMENT_STATUS_ES = {"active": "activo", "reversed": "revertido"}


def _shown(key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if key == "status" and value in service.Status.__members__.values():
        return LABELS_ES[service.Status(value)]
    if key == "status" and value in _PAYMENT_STATUS_ES:
        return _PAYMENT_STATUS_ES[value]
    if key == "stock":
        return f"{Decimal(str(value)).normalize():f}"
    return str(value)


def _changes(entry: HistoryEntryOut) -> str:
    """The figures a person looks for in a change: before → after, or what was recorded."""
    before, after = entry.before or {}, entry.after or {}
    parts = []
    for key, label in _FIELDS_ES.items():
        if entry.entity_type == "product" and key != "stock":
            continue  # a stock movement's reason is the invoice's own action
        if key in before and key in after:
            if before[key] != after[key]:
                parts.append(f"{label}: {_shown(key, before[key])} → {_shown(key, after[key])}")
        elif (value := after.get(key, before.get(key))) not in (None, ""):
            parts.append(f"{label}: {_shown(key, value)}")
    for key, label in (("lines", "líneas"), ("splits", "formas de pago")):
        if isinstance(after.get(key), list):
            parts.append(f"{label}: {len(after[key])}")
    return ", ".join(parts)


@app.command("history")
def history(invoice_id: int, as_json: bool = JsonOption) -> None:
    """The change history of an invoice and its payments: who, when, what."""
    with unit_of_work(write=False) as session:
        found = documents.history_view(session, invoice_id)
    entries, zone = found.entries, ZoneInfo(found.timezone)
    if as_json:
        emit_json(entries)
        return
    table(
        f"Historial de la factura {invoice_id}",
        ["Fecha", "Acción", "Por", "Cambios"],
        [
            (
                entry.at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
                _ACTIONS_ES.get((entry.entity_type, entry.action), entry.action)
                + (f" {entry.entity_id}" if entry.entity_type != "invoice" or entry.entity_id != invoice_id else ""),
                entry.actor_name,
                _changes(entry),
            )
            for entry in entries
        ],
        wrap=("Cambios",),
    )


def _alert_rows(items: list[InvoiceSummaryOut], today: date) -> list[tuple[Any, ...]]:
    return [
        (
            i.id,
            i.full_number,
            i.customer_name,
            _dmy(i.due_date),
            f"{abs((today - i.due_date).days)} días" if i.due_date else "—",
            format_money(i.balance),
        )
        for i in items
    ]


@app.command("alerts")
def alerts(
    days: int = typer.Option(7, "--days", min=0, max=90, help="Due soon: within this many days."),
    as_json: bool = JsonOption,
) -> None:
    """Open invoices that are overdue, and those falling due within --days."""
    with unit_of_work(write=False) as session:
        out = documents.alerts_view(session, days)
    if as_json:
        emit_json(out)
        return
    columns = ["Id", "Número", "Cliente", "Vence"]
    if out.overdue:
        table(
            f"Vencidas al {_dmy(out.today)}: {len(out.overdue)}, saldo {format_money(out.overdue_total)}",
            [*columns, "Atraso", "Saldo"],
            _alert_rows(out.overdue, out.today),
            right=("Atraso", "Saldo"),
        )
    else:
        console.print(f"No hay facturas vencidas al {_dmy(out.today)}.")
    if out.due_soon:
        table(
            f"Vencen en los próximos {days} días: {len(out.due_soon)}, saldo {format_money(out.due_soon_total)}",
            [*columns, "Faltan", "Saldo"],
            _alert_rows(out.due_soon, out.today),
            right=("Faltan", "Saldo"),
        )
    else:
        console.print(f"Ninguna factura vence en los próximos {days} días.")


@app.command("pdf")
def invoice_pdf(
    invoice_id: int,
    output: Path = typer.Option(None, "--output", "-o", help="File to write (default: NUMBER.pdf)."),
) -> None:
    """Write the invoice PDF."""
    with unit_of_work(write=False) as session:
        filename, content = printable_invoice(session, invoice_id)
    target = output or Path(filename)
    target.write_bytes(content)
    typer.echo(f"PDF escrito en {target} ({len(content):,} bytes).")


@app.command("verify-chain")
def verify_chain(as_json: bool = JsonOption) -> None:
    """Recompute every issued document's hash and check the chain of each series."""
    with unit_of_work(write=False) as session:
        reports = [ChainReportOut.model_validate(r) for r in documents.verify_own_chains(session)]
    if as_json:
        emit_json(reports)
    else:
        table(
            "Cadena de huellas por serie",
            ["Serie", "Documentos", "Resultado", "Primer número con problema", "Problema"],
            [
                (r.series_code, r.documents, "OK" if r.ok else "ALTERADA", r.first_broken_number, r.problem)
                for r in reports
            ],
        )
    if not all(r.ok for r in reports):
        raise typer.Exit(6)
