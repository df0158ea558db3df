from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import typer

from facturo.cli.context import JsonOption, console, emit_json, emit_page, fail, local_actor, table, unit_of_work
from facturo.invoicing import service
from facturo.invoicing.lifecycle import LABELS_ES
from facturo.invoicing.schemas import ChainReportOut
from facturo.invoicing.views import invoice_out, invoice_summary
from facturo.kit import clock
from facturo.kit.money import format_money
from facturo.kit.pagination import PageParams
from facturo.organisation import service as organisation
from facturo.payments import service as payments

app = typer.Typer(help="Invoices and credit notes (facturas y notas de crédito).", no_args_is_help=True)


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a calendar date, no time
    except ValueError:
        fail(f"{option} debe ser una fecha AAAA-MM-DD (recibido: {value}).", 2)


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


@app.command("list")
def list_invoices(
    status: service.Status = typer.Option(None, help="draft, issued, partially_paid, paid, credited, void."),
    customer: int = typer.Option(None, help="Customer id."),
    date_from: str = typer.Option(None, "--from", help="Issue date from, YYYY-MM-DD."),
    date_to: str = typer.Option(None, "--to", help="Issue date to, YYYY-MM-DD."),
    overdue: bool = typer.Option(False, help="Only overdue invoices."),
    page: int = typer.Option(1, min=1, max=1_000_000),
    size: int = typer.Option(50, min=1, max=500),
    as_json: bool = JsonOption,
) -> None:
    """List invoices, newest first."""
    with unit_of_work(write=False) as session:
        today = clock.today(organisation.own_timezone(session))
        flt = service.InvoiceFilter(
            status=status,
            customer_id=customer,
            date_from=_date(date_from, "--from"),
            date_to=_date(date_to, "--to"),
            overdue_on=today if overdue else None,
        )
        found = service.list_invoices(session, PageParams(page, size), flt).map(lambda d: invoice_summary(d, today))
    if as_json:
        emit_page(found)
        return
    table(
        f"Documentos (página {found.page} de {max(found.pages, 1)}, {found.total} en total)",
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
        today = clock.today(organisation.own_timezone(session))
        doc = invoice_out(service.get_document(session, invoice_id), today)
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


@app.command("issue")
def issue_invoice(invoice_id: int, as_json: bool = JsonOption) -> None:
    """Issue a draft: it takes the next number of its series."""
    with unit_of_work() as session:
        doc = service.issue_invoice(session, local_actor(), invoice_id)
        out = invoice_out(doc, clock.today(organisation.own_timezone(session)))
    if as_json:
        emit_json(out)
    else:
        typer.echo(f"Factura {out.full_number} emitida por {format_money(out.total, out.currency)}.")


@app.command("void")
def void_invoice(invoice_id: int, reason: str = typer.Option(..., help="Why it is voided.")) -> None:
    """Void an issued invoice without payments (it keeps its number)."""
    with unit_of_work() as session:
        doc = service.void_invoice(session, local_actor(), invoice_id, reason)
        typer.echo(f"Factura {doc.full_number} anulada.")


@app.command("pdf")
def invoice_pdf(
    invoice_id: int,
    output: Path = typer.Option(None, "--output", "-o", help="File to write (default: NUMBER.pdf)."),
) -> None:
    """Write the invoice PDF."""
    with unit_of_work(write=False) as session:
        filename, content = payments.invoice_pdf(session, invoice_id)
    target = output or Path(filename)
    target.write_bytes(content)
    typer.echo(f"PDF escrito en {target} ({len(content):,} bytes).")


@app.command("verify-chain")
def verify_chain(as_json: bool = JsonOption) -> None:
    """Recompute every issued document's hash and check the chain of each series."""
    with unit_of_work(write=False) as session:
        reports = [
            ChainReportOut.model_validate(r) for r in service.verify_all(session, organisation.own_issuer(session).id)
        ]
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
