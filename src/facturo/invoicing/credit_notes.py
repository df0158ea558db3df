"""Credit notes: issued documents of their own series that reduce an invoice's balance.

A credit-note line that returns part of an invoiced line takes that share of the line's amounts
(quantity / invoiced quantity, rounded half-up); crediting the last units takes exactly what is
left, so a full credit equals the invoice to the cent. A free-amount item is a tax-included line
of one unit, split into base and tax by ``amounts.line_amounts`` like any other line.
Never more than the balance (total − credited − paid) can be credited.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.invoicing.amounts import line_amounts
from facturo.invoicing.drafts import draft_snapshot, get_document, refresh_totals
from facturo.invoicing.issuing import issue_documents, take_number_for
from facturo.invoicing.lifecycle import Status
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.invoicing.numbering import default_series
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn
from facturo.invoicing.settlement import apply_settlement, credited_sum, ensure_settleable
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.errors import ValidationFailed
from facturo.kit.money import DEFAULT_TAX_RATE, ZERO, format_money, quantize
from facturo.organisation import service as organisation


def _credited_per_line(session: Session, invoice_id: int) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """For each invoiced line: quantity, base and total already credited."""
    rows = session.execute(
        select(
            InvoiceLine.credited_line_id,
            func.sum(InvoiceLine.quantity),
            func.sum(InvoiceLine.base_amount),
            func.sum(InvoiceLine.total_amount),
        )
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(Invoice.credited_invoice_id == invoice_id, InvoiceLine.credited_line_id.is_not(None))
        .group_by(InvoiceLine.credited_line_id)
    ).all()
    return {row[0]: (row[1], row[2], row[3]) for row in rows if row[0] is not None}


def _share(amount: Decimal, part: Decimal, whole: Decimal, currency: str) -> Decimal:
    return quantize(amount * part / whole, currency)


def _check_kind(item: CreditItemIn, position: int) -> None:
    """An item returns part of a line or takes an amount off, never a bit of both."""
    by_line = [name for name in ("line_number", "quantity") if getattr(item, name) is not None]
    by_amount = [name for name in ("description", "amount", "tax_rate") if getattr(item, name) is not None]
    if by_line and by_amount:
        raise ValidationFailed.on(
            f"items[{position}]",
            "credit.item_kind",
            f"Partida {position + 1}: indique línea y cantidad (devolver parte de una línea) o descripción e "
            f"importe (un importe sobre la factura), no ambos; se recibió {', '.join(by_line + by_amount)}.",
            f"Item {position + 1}: give either line_number and quantity (return part of a line) or description "
            f"and amount (an amount off the invoice), not both; got {', '.join(by_line + by_amount)}.",
        )


def _line_item(
    doc: Invoice, item: CreditItemIn, position: int, credited: dict[int, tuple[Decimal, Decimal, Decimal]]
) -> InvoiceLine:
    if item.line_number is None or item.quantity is None:  # CreditItemIn refuses it; never trust that
        raise _incomplete(position)
    original = next((ln for ln in doc.lines if ln.line_number == item.line_number), None)
    if original is None:
        raise ValidationFailed.on(
            f"items[{position}].line_number",
            "credit.unknown_line",
            f"La factura no tiene la línea {item.line_number}.",
            f"The invoice has no line {item.line_number}.",
        )
    done_qty, done_base, done_total = credited.get(original.id, (ZERO, ZERO, ZERO))
    remaining = original.quantity - done_qty
    if item.quantity > remaining:
        raise ValidationFailed.on(
            f"items[{position}].quantity",
            "credit.quantity_exceeds",
            f"Línea {item.line_number}: se pueden acreditar como máximo {remaining.normalize():f} "
            f"unidades (facturadas {original.quantity.normalize():f}, ya acreditadas {done_qty.normalize():f}).",
            f"Line {item.line_number}: at most {remaining.normalize():f} units can be credited "
            f"(invoiced {original.quantity.normalize():f}, already credited {done_qty.normalize():f}).",
        )
    if item.quantity == remaining:
        base, total = original.base_amount - done_base, original.total_amount - done_total
    else:
        base = _share(original.base_amount, item.quantity, original.quantity, doc.currency)
        total = _share(original.total_amount, item.quantity, original.quantity, doc.currency)
    credited[original.id] = (done_qty + item.quantity, done_base + base, done_total + total)
    return InvoiceLine(
        product_id=original.product_id,
        credited_line_id=original.id,
        description=original.description,
        unit=original.unit,
        quantity=item.quantity,
        unit_price=original.unit_price,
        discount=ZERO,
        tax_rate=original.tax_rate,
        price_includes_tax=original.price_includes_tax,
        base_amount=base,
        tax_amount=total - base,
        total_amount=total,
    )


def _incomplete(position: int) -> ValidationFailed:
    return ValidationFailed.on(
        f"items[{position}]",
        "credit.item_incomplete",
        f"Partida {position + 1}: indique línea y cantidad, o descripción e importe.",
        f"Item {position + 1}: give line_number and quantity, or description and amount.",
    )


def _amount_item(doc: Invoice, item: CreditItemIn, position: int) -> InvoiceLine:
    if item.amount is None or item.description is None:
        raise _incomplete(position)
    rate = DEFAULT_TAX_RATE if item.tax_rate is None else item.tax_rate
    amounts = line_amounts(Decimal(1), item.amount, ZERO, rate, True, doc.currency)
    return InvoiceLine(
        description=item.description,
        unit="unidad",
        quantity=Decimal(1),
        unit_price=item.amount,
        discount=ZERO,
        tax_rate=rate,
        price_includes_tax=True,
        base_amount=amounts.base,
        tax_amount=amounts.tax,
        total_amount=amounts.total,
    )


def create_credit_note(session: Session, actor: Actor, invoice_id: int, data: CreditNoteIn) -> Invoice:
    invoice = get_document(session, invoice_id, for_update=True)
    ensure_settleable(invoice, "acreditar", "credit")
    credited = _credited_per_line(session, invoice.id)
    if data.full:
        items = [
            CreditItemIn(line_number=ln.line_number, quantity=ln.quantity - credited.get(ln.id, (ZERO,) * 3)[0])
            for ln in invoice.lines
            if ln.quantity - credited.get(ln.id, (ZERO,) * 3)[0] > 0
        ]
    else:
        items = data.items
    for i, item in enumerate(items):
        _check_kind(item, i)
    lines = [
        _line_item(invoice, item, i, credited) if item.line_number is not None else _amount_item(invoice, item, i)
        for i, item in enumerate(items)
    ]
    issuer = organisation.own_issuer(session)
    day = clock.today(issuer.timezone)
    note = Invoice(
        issuer_id=invoice.issuer_id,
        document_type="credit_note",
        status=Status.ISSUED,
        series_id=default_series(session, issuer.id, "credit_note").id,
        customer_id=invoice.customer_id,
        customer_nit=invoice.customer_nit,
        customer_name=invoice.customer_name,
        customer_address=invoice.customer_address,
        currency=invoice.currency,
        issue_date=day,
        credited_invoice_id=invoice.id,
        reason=data.reason,
        lines=[],
    )
    for number, line in enumerate(lines, start=1):
        line.line_number = number
        note.lines.append(line)
    refresh_totals(note)
    if note.total <= 0:
        raise ValidationFailed.on(
            "items",
            "credit.empty",
            "La nota de crédito no acredita nada.",
            "The credit note credits nothing.",
        )
    if note.total > invoice.balance:
        raise ValidationFailed.on(
            "items",
            "credit.exceeds_balance",
            f"La nota de crédito ({format_money(note.total, note.currency)}) supera el saldo acreditable de la "
            f"factura {invoice.full_number} ({format_money(invoice.balance, invoice.currency)}).",
            f"The credit note ({format_money(note.total, note.currency, 'en_US')}) exceeds what remains creditable "
            f"on invoice {invoice.full_number} ({format_money(invoice.balance, invoice.currency, 'en_US')}).",
        )
    session.add(note)
    session.flush()
    ticket = take_number_for(session, note)
    issue_documents(session, actor, ticket, [note], day, clock.now())
    session.flush()
    audit.record(
        session,
        actor,
        "invoice",
        note.id,
        "credit_note_issued",
        after=draft_snapshot(note),
        parent=("invoice", invoice.id),
    )
    apply_settlement(
        session, actor, invoice, credited_total=credited_sum(session, invoice.id), cause="credit_note_applied"
    )
    return note
