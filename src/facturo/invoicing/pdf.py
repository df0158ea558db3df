"""Printable A4 PDF of an invoice or credit note, in Spanish, laid out with the kit's toolkit
(``kit.pdf``: page frame, stamps, "Label: value" rows, tables).

Figures are printed exactly as stored on the document (subtotal, IVA, total, line totals) and
formatted with ``kit.money``; nothing is recomputed here, so the PDF always agrees with the
screen, the API and the CSV exports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fpdf import XPos, YPos

from facturo.invoicing.amounts import LineAmounts, tax_breakdown
from facturo.invoicing.models import Invoice
from facturo.kit.display import DASH, day
from facturo.kit.money import amount_in_words, format_money
from facturo.kit.numbers import percent, plain
from facturo.kit.pdf import ACCENT, INK, LINE_H, MARGIN, MUTED, RULE, VOID_RED, VOID_STAMP, ZEBRA, DocumentPDF, Stamp
from facturo.organisation.models import Issuer

__all__ = ["PaymentLine", "render_invoice_pdf"]


@dataclass(frozen=True, slots=True)
class PaymentLine:
    received_on: date
    method_label: str
    amount: Decimal


_DRAFT_STAMP = Stamp("BORRADOR", (225, 228, 232), 84)
_LINE_COLUMNS = ("No.", "Descripción", "Cantidad", "Precio unitario", "Descuento", "Total")
_LINE_WIDTHS = (10.0, 70.0, 18.0, 28.0, 24.0, 30.0)
_LINE_ALIGN = ("CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")


def _or_dash(value: str | None) -> str:
    return value.strip() if value and value.strip() else DASH


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _new_pdf(doc: Invoice, issuer: Issuer) -> DocumentPDF:
    stamp = _DRAFT_STAMP if doc.status == "draft" else VOID_STAMP if doc.status == "void" else None
    huella = f"Huella: {doc.content_hash[:16]}…" if doc.content_hash else ""
    pdf = DocumentPDF(_metadata_title(doc), issuer.name, footer_note=huella, stamp=stamp)
    pdf.stable_date(doc.issued_at or doc.issue_date)
    return pdf


def _document_title(doc: Invoice) -> str:
    if doc.status == "draft":
        return "BORRADOR — SIN VALOR FISCAL"
    return "NOTA DE CRÉDITO" if doc.document_type == "credit_note" else "FACTURA"


def _metadata_title(doc: Invoice) -> str:
    kind = "Nota de crédito" if doc.document_type == "credit_note" else "Factura"
    return f"{kind} {doc.full_number}" if doc.full_number else f"{kind} (borrador)"


def _issuer_block(pdf: DocumentPDF, issuer: Issuer, width: float) -> float:
    top = pdf.get_y()
    pdf.font("B", 13)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(width, 6, issuer.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    if issuer.trade_name.strip():
        pdf.font("", 10)
        pdf.multi_cell(width, 5, issuer.trade_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font()
    pdf.cell(width, LINE_H, f"NIT: {issuer.nit}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if issuer.address.strip():
        pdf.multi_cell(width, LINE_H, issuer.address, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(width, LINE_H, f"Establecimiento: {issuer.establishment_code}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    contact = "  ·  ".join(part for part in (issuer.phone.strip(), issuer.email.strip()) if part)
    if contact:
        pdf.set_text_color(*MUTED)
        pdf.cell(width, LINE_H, contact, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
    return pdf.get_y() - top


def _document_box(pdf: DocumentPDF, doc: Invoice, x: float, width: float) -> float:
    top = pdf.get_y()
    title = _document_title(doc)
    size = 15.0
    pdf.font("B", size)
    while size > 8 and pdf.get_string_width(title) > width - 4:
        size -= 0.5
        pdf.font("B", size)
    pdf.set_fill_color(*ACCENT)
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(x, top)
    pdf.cell(width, 9, title, align="C", fill=True, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(1.5)

    series_code = doc.series.code if doc.series is not None else DASH
    number = str(doc.number) if doc.number is not None else DASH
    # One row each for series and number: extracted text still reads "Serie: A Número: 1".
    rows = [
        ("Serie:", series_code),
        ("Número:", number),
        ("Documento:", _or_dash(doc.full_number)),
        ("Fecha de emisión:", day(doc.issue_date)),
        ("Vencimiento:", day(doc.due_date)),
    ]
    label_w = 30.0
    for label, value in rows:
        pdf.set_x(x + 2)
        pdf.font("B")
        pdf.cell(label_w, LINE_H, label, new_x=XPos.RIGHT)
        pdf.font()
        pdf.cell(width - label_w - 4, LINE_H, value, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(1)
    height = pdf.get_y() - top
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.3)
    pdf.rect(x, top, width, height)
    return height


def _void_banner(pdf: DocumentPDF, doc: Invoice) -> None:
    pdf.set_text_color(*VOID_RED)
    pdf.set_draw_color(*VOID_RED)
    pdf.set_line_width(0.5)
    top = pdf.get_y()
    pdf.font("B", 14)
    pdf.cell(pdf.epw, 8, "ANULADA", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font()
    when = f" ({day(doc.voided_at.date())})" if doc.voided_at else ""
    pdf.multi_cell(
        pdf.epw,
        LINE_H,
        f"Motivo de anulación{when}: {_or_dash(doc.void_reason)}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(1.5)
    pdf.rect(pdf.l_margin, top, pdf.epw, pdf.get_y() - top)
    pdf.set_text_color(*INK)
    pdf.ln(3)


def _customer_block(pdf: DocumentPDF, doc: Invoice) -> None:
    top = pdf.get_y()
    pdf.set_fill_color(*ZEBRA)
    pdf.font("B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(pdf.epw, 5.5, "  CLIENTE", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(1)
    pdf.set_left_margin(MARGIN + 2)
    pdf.set_x(pdf.l_margin)
    customer = [
        ("NIT:", _or_dash(doc.customer_nit)),
        ("Nombre:", _or_dash(doc.customer_name)),
        ("Dirección:", _or_dash(doc.customer_address)),
    ]
    pdf.facts(customer, label_w=22, gap_after=0)
    pdf.set_left_margin(MARGIN)
    pdf.set_x(pdf.l_margin)
    pdf.ln(1)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top, pdf.epw, pdf.get_y() - top)
    pdf.ln(4)


def _credit_note_block(pdf: DocumentPDF, doc: Invoice) -> None:
    credited = doc.credited_invoice
    if credited is not None and credited.full_number:
        reference = (
            f"{credited.full_number} del {day(credited.issue_date)}" if credited.issue_date else credited.full_number
        )
    elif doc.credited_invoice_id is not None:
        reference = f"Factura ID {doc.credited_invoice_id}"
    else:
        reference = DASH
    pdf.facts([("Factura de referencia:", reference), ("Motivo:", _or_dash(doc.reason))], label_w=38, gap_after=3)


def _lines_table(pdf: DocumentPDF, doc: Invoice) -> None:
    money = doc.currency
    rows = [
        (
            str(line.line_number),
            line.description,
            plain(line.quantity, grouped=True),
            format_money(line.unit_price, money),
            format_money(line.discount, money) if line.discount else DASH,
            format_money(line.total_amount, money),
        )
        for line in doc.lines
    ]
    pdf.grid(_LINE_COLUMNS, _LINE_WIDTHS, _LINE_ALIGN, rows, padding=(1.2, 1.5), gap_after=5)


def _totals(pdf: DocumentPDF, doc: Invoice) -> None:
    breakdown = tax_breakdown(
        (line.tax_rate, LineAmounts(line.base_amount, line.tax_amount, line.total_amount)) for line in doc.lines
    )
    row_h = 5.5
    height = max(len(breakdown) + 2, 4) * row_h + 8
    pdf.ensure_space(height)
    top = pdf.get_y()
    money = doc.currency

    # Left: IVA per rate.
    left_w = (30.0, 32.0, 28.0)
    pdf.font("B", 8)
    pdf.set_fill_color(*ZEBRA)
    pdf.set_text_color(*MUTED)
    for text, width, align in zip(("Resumen de IVA", "Monto gravable", "IVA"), left_w, "LRR", strict=True):
        pdf.cell(width, row_h, text, align=align, fill=True, new_x=XPos.RIGHT)
    pdf.set_text_color(*INK)
    pdf.ln(row_h)
    pdf.font("", 8.5)
    for rate, amounts in breakdown.items():
        pdf.cell(left_w[0], row_h, f"IVA {percent(rate, space=False)}", new_x=XPos.RIGHT)
        pdf.cell(left_w[1], row_h, format_money(amounts.base, money), align="R", new_x=XPos.RIGHT)
        pdf.cell(left_w[2], row_h, format_money(amounts.tax, money), align="R", new_x=XPos.LMARGIN)
        pdf.ln(row_h)
    left_bottom = pdf.get_y()

    # Right: document totals, exactly as stored on the document.
    label_w, value_w = 40.0, 35.0
    x = pdf.w - pdf.r_margin - label_w - value_w
    pdf.set_xy(x, top)
    for label, amount in (("Subtotal (sin IVA)", doc.subtotal), ("IVA", doc.tax_total)):
        pdf.font()
        pdf.cell(label_w, row_h, label, new_x=XPos.RIGHT)
        pdf.cell(value_w, row_h, format_money(amount, money), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_x(x)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(x, pdf.get_y() + 0.5, x + label_w + value_w, pdf.get_y() + 0.5)
    pdf.ln(1.5)
    pdf.set_x(x)
    pdf.font("B", 11)
    pdf.set_text_color(*ACCENT)
    pdf.cell(label_w, 7, "TOTAL", new_x=XPos.RIGHT)
    pdf.cell(value_w, 7, format_money(doc.total, money), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.set_y(max(pdf.get_y(), left_bottom) + 4)


def _total_in_words(pdf: DocumentPDF, doc: Invoice) -> None:
    words = _capitalised(amount_in_words(doc.total, doc.currency))
    pdf.ensure_space(12)
    top = pdf.get_y()
    pdf.set_x(pdf.l_margin + 2)
    pdf.font("B")
    label = "TOTAL EN LETRAS: "
    label_w = pdf.get_string_width(label) + 1
    pdf.cell(label_w, 6, label, new_x=XPos.RIGHT)
    pdf.font()
    pdf.multi_cell(pdf.epw - label_w - 4, 6, words, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top - 1, pdf.epw, pdf.get_y() - top + 2)
    pdf.ln(5)


def _notes(pdf: DocumentPDF, doc: Invoice) -> None:
    if not doc.notes.strip():
        return
    pdf.ensure_space(12)
    pdf.font("B")
    pdf.cell(pdf.epw, LINE_H, "Observaciones", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font()
    pdf.multi_cell(pdf.epw, LINE_H, doc.notes, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _payments(pdf: DocumentPDF, doc: Invoice, payments: Sequence[PaymentLine]) -> None:
    if not payments:
        return
    row_h = 5.5
    widths = (30.0, 70.0, 35.0)
    pdf.ensure_space(row_h * 3 + 6)
    pdf.font("B", 10)
    pdf.set_text_color(*ACCENT)
    pdf.cell(pdf.epw, 6, "Pagos", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.font("B", 8)
    pdf.set_fill_color(*ZEBRA)
    for text, width, align in zip(("Fecha", "Método", "Monto"), widths, "LLR", strict=True):
        pdf.cell(width, row_h, text, align=align, fill=True, new_x=XPos.RIGHT)
    pdf.ln(row_h)
    pdf.font("", 8.5)
    for payment in payments:
        pdf.ensure_space(row_h)
        pdf.cell(widths[0], row_h, day(payment.received_on), new_x=XPos.RIGHT)
        pdf.cell(widths[1], row_h, payment.method_label, new_x=XPos.RIGHT)
        pdf.cell(widths[2], row_h, format_money(payment.amount, doc.currency), align="R", new_x=XPos.LMARGIN)
        pdf.ln(row_h)
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + sum(widths), pdf.get_y())
    pdf.ln(1)
    pdf.font("B", 9.5)
    pdf.cell(widths[0] + widths[1], row_h, "Saldo:", align="R", new_x=XPos.RIGHT)
    pdf.cell(widths[2], row_h, format_money(doc.balance, doc.currency), align="R", new_x=XPos.LMARGIN)
    pdf.ln(row_h + 3)


def render_invoice_pdf(doc: Invoice, issuer: Issuer, *, payments: Sequence[PaymentLine] = ()) -> bytes:
    """The document as an A4 PDF. Output is byte-for-byte stable for the same inputs."""
    pdf = _new_pdf(doc, issuer)
    pdf.add_page()

    top = pdf.get_y()
    box_w = 72.0
    _issuer_block(pdf, issuer, pdf.epw - box_w - 6)
    issuer_bottom = pdf.get_y()
    pdf.set_y(top)
    _document_box(pdf, doc, pdf.w - pdf.r_margin - box_w, box_w)
    pdf.set_xy(pdf.l_margin, max(issuer_bottom, pdf.get_y()) + 5)

    if doc.status == "void":
        _void_banner(pdf, doc)
    if doc.document_type == "credit_note":
        _credit_note_block(pdf, doc)
    _customer_block(pdf, doc)
    _lines_table(pdf, doc)
    _totals(pdf, doc)
    _total_in_words(pdf, doc)
    _notes(pdf, doc)
    _payments(pdf, doc, payments)
    return bytes(pdf.output())
