"""Printable A4 PDF of an invoice or credit note, in Spanish.

Figures are printed exactly as stored on the document (subtotal, IVA, total, line totals) and
formatted with ``kit.money``; nothing is recomputed here, so the PDF always agrees with the
screen, the API and the CSV exports.

The PDF uses the standard Helvetica font, so no font file has to ship with facturo. Standard
fonts only cover Windows-1252 (enough for Spanish, "Q", "—", "…" and typographic quotes); any
other character in user-entered text is replaced rather than crashing the rendering.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from fpdf import FPDF, FontFace, XPos, YPos

from facturo.invoicing.amounts import LineAmounts, tax_breakdown
from facturo.invoicing.models import Invoice
from facturo.kit.money import amount_in_words, format_money
from facturo.organisation.models import Issuer

__all__ = ["PaymentLine", "pdf_safe_text", "render_invoice_pdf"]


@dataclass(frozen=True, slots=True)
class PaymentLine:
    received_on: date
    method_label: str
    amount: Decimal


# --- text that standard PDF fonts can draw ---------------------------------------------------

_ENCODING = "windows-1252"
_FALLBACKS = {
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u2032": "'",  # prime
    "\u2033": '"',  # double prime
    "\u2039": "<",
    "\u203a": ">",
    "\u00a0": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\t": " ",
}
# Invisible characters that carry no text of their own (emoji joiners, variation selectors, BOM,
# controls, stray combining marks after NFC).
_DROP_CATEGORIES = {"Cf", "Mn", "Me", "Cc", "Cs"}
_UNKNOWN = "?"


def _encodable(char: str) -> bool:
    try:
        char.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def pdf_safe_text(text: str) -> str:
    """Map arbitrary text onto what Helvetica can draw: composed accents are kept, look-alikes
    are substituted ("ﬁ" → "fi", "−" → "-"), and each run of anything else becomes one "?", so
    an emoji sequence such as 👍🏽 or a word in another script reads as a single placeholder."""
    out: list[str] = []
    replacing = False
    for char in unicodedata.normalize("NFC", text):
        if char == "\n":
            piece = char
        elif char in _FALLBACKS:
            piece = _FALLBACKS[char]
        elif unicodedata.category(char) in _DROP_CATEGORIES:
            continue
        elif _encodable(char):
            piece = char
        else:
            compat = unicodedata.normalize("NFKC", char)
            if compat != char and all(map(_encodable, compat)):
                piece = compat
            else:
                if not replacing:
                    out.append(_UNKNOWN)
                replacing = True
                continue
        replacing = False
        out.append(piece)
    return "".join(out)


# --- formatting ------------------------------------------------------------------------------

_DASH = "—"


def _date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else _DASH


def _or_dash(value: str | None) -> str:
    return value.strip() if value and value.strip() else _DASH


def _plain_number(value: Decimal) -> str:
    # normalize() alone would print 100 as "1E+2"; the "f" format keeps it positional.
    return f"{value.normalize():,f}"


def _rate_label(rate: Decimal) -> str:
    return f"IVA {_plain_number(rate * 100)}%"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _creation_date(doc: Invoice) -> datetime:
    """A date that depends only on the document, so re-rendering produces the same bytes."""
    if doc.issued_at is not None:
        issued = doc.issued_at
        return issued if issued.tzinfo else issued.replace(tzinfo=UTC)
    if doc.issue_date is not None:
        return datetime.combine(doc.issue_date, time(), tzinfo=UTC)
    return datetime(2000, 1, 1, tzinfo=UTC)


# --- layout ----------------------------------------------------------------------------------

_MARGIN = 15.0
_BODY_PT = 9.0
_LINE_H = 4.6
_INK = (33, 37, 41)
_MUTED = (108, 117, 125)
_ACCENT = (31, 58, 96)
_RULE = (200, 205, 210)
_ZEBRA = (244, 246, 248)
_VOID_RED = (200, 30, 30)
_LINE_COLUMNS = ("No.", "Descripción", "Cantidad", "Precio unitario", "Descuento", "Total")
_LINE_WIDTHS = (10.0, 70.0, 18.0, 28.0, 24.0, 30.0)
_LINE_ALIGN = ("CENTER", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")


class _InvoicePDF(FPDF):
    def __init__(self, doc: Invoice, issuer: Issuer, running_title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = _ENCODING
        self.doc = doc
        self.issuer = issuer
        self.running_title = running_title
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages()

    def normalize_text(self, text: str) -> str:
        # Every string fpdf2 draws or measures passes through here, so user text (names,
        # descriptions) can never raise an encoding error whichever call site prints it.
        return super().normalize_text(pdf_safe_text(text))

    def header(self) -> None:
        if self.doc.status == "draft":
            self._stamp("BORRADOR", (225, 228, 232), size=84)
        elif self.doc.status == "void":
            self._stamp("ANULADA", (240, 170, 170), size=96)
        if self.page_no() > 1:
            self.set_font("Helvetica", "", 8)
            self.set_text_color(*_MUTED)
            half = self.epw / 2
            self.cell(half, 5, self.issuer.name, new_x=XPos.RIGHT)
            self.cell(half, 5, f"{self.running_title} (continuación)", align="R")
            self.ln(5)
            self._rule()
            self.ln(3)
            self.set_text_color(*_INK)

    def footer(self) -> None:
        self.set_y(-14)
        self._rule()
        self.ln(1.5)
        self.set_font("Helvetica", "", 7)
        self.set_text_color(*_MUTED)
        half = self.epw / 2
        huella = f"Huella: {self.doc.content_hash[:16]}…" if self.doc.content_hash else ""
        self.cell(half, 4, huella, new_x=XPos.RIGHT)
        # "{nb}" is the total page count, substituted by fpdf2 once the last page exists.
        self.cell(half, 4, f"Página {self.page_no()} de {{nb}}", align="R")
        self.set_text_color(*_INK)

    def _stamp(self, text: str, colour: tuple[int, int, int], *, size: float) -> None:
        # Drawn from header() so it sits under the page content and repeats on every page.
        x, y = self.get_x(), self.get_y()
        self.set_font("Helvetica", "B", size)
        self.set_text_color(*colour)
        width = self.get_string_width(text)
        centre_x, centre_y = self.w / 2, self.h / 2
        with self.rotation(45, centre_x, centre_y):
            self.text(centre_x - width / 2, centre_y + size * 0.35 / 2.83, text)
        self.set_text_color(*_INK)
        self.set_xy(x, y)

    def _rule(self, colour: tuple[int, int, int] = _RULE, width: float = 0.2) -> None:
        self.set_draw_color(*colour)
        self.set_line_width(width)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def font(self, style: str = "", size: float = _BODY_PT) -> None:
        self.set_font("Helvetica", style, size)

    def ensure_space(self, height: float) -> None:
        if self.will_page_break(height):
            self.add_page()


def _document_title(doc: Invoice) -> str:
    if doc.status == "draft":
        return "BORRADOR — SIN VALOR FISCAL"
    return "NOTA DE CRÉDITO" if doc.document_type == "credit_note" else "FACTURA"


def _metadata_title(doc: Invoice) -> str:
    kind = "Nota de crédito" if doc.document_type == "credit_note" else "Factura"
    return f"{kind} {doc.full_number}" if doc.full_number else f"{kind} (borrador)"


def _issuer_block(pdf: _InvoicePDF, issuer: Issuer, width: float) -> float:
    top = pdf.get_y()
    pdf.font("B", 13)
    pdf.set_text_color(*_ACCENT)
    pdf.multi_cell(width, 6, issuer.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    if issuer.trade_name.strip():
        pdf.font("", 10)
        pdf.multi_cell(width, 5, issuer.trade_name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font()
    pdf.cell(width, _LINE_H, f"NIT: {issuer.nit}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if issuer.address.strip():
        pdf.multi_cell(width, _LINE_H, issuer.address, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.cell(width, _LINE_H, f"Establecimiento: {issuer.establishment_code}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    contact = "  ·  ".join(part for part in (issuer.phone.strip(), issuer.email.strip()) if part)
    if contact:
        pdf.set_text_color(*_MUTED)
        pdf.cell(width, _LINE_H, contact, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*_INK)
    return pdf.get_y() - top


def _document_box(pdf: _InvoicePDF, doc: Invoice, x: float, width: float) -> float:
    top = pdf.get_y()
    title = _document_title(doc)
    size = 15.0
    pdf.font("B", size)
    while size > 8 and pdf.get_string_width(title) > width - 4:
        size -= 0.5
        pdf.font("B", size)
    pdf.set_fill_color(*_ACCENT)
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(x, top)
    pdf.cell(width, 9, title, align="C", fill=True, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.ln(1.5)

    series_code = doc.series.code if doc.series is not None else _DASH
    number = str(doc.number) if doc.number is not None else _DASH
    # One row each for series and number: extracted text still reads "Serie: A Número: 1".
    rows = [
        ("Serie:", series_code),
        ("Número:", number),
        ("Documento:", _or_dash(doc.full_number)),
        ("Fecha de emisión:", _date(doc.issue_date)),
        ("Vencimiento:", _date(doc.due_date)),
    ]
    label_w = 30.0
    for label, value in rows:
        pdf.set_x(x + 2)
        pdf.font("B")
        pdf.cell(label_w, _LINE_H, label, new_x=XPos.RIGHT)
        pdf.font()
        pdf.cell(width - label_w - 4, _LINE_H, value, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.ln(1)
    height = pdf.get_y() - top
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.3)
    pdf.rect(x, top, width, height)
    return height


def _labelled(pdf: _InvoicePDF, label: str, value: str, label_w: float = 22.0) -> None:
    pdf.font("B")
    pdf.cell(label_w, _LINE_H, label, new_x=XPos.RIGHT)
    pdf.font()
    pdf.multi_cell(pdf.epw - label_w, _LINE_H, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _void_banner(pdf: _InvoicePDF, doc: Invoice) -> None:
    pdf.set_text_color(*_VOID_RED)
    pdf.set_draw_color(*_VOID_RED)
    pdf.set_line_width(0.5)
    top = pdf.get_y()
    pdf.font("B", 14)
    pdf.cell(pdf.epw, 8, "ANULADA", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font()
    when = f" ({_date(doc.voided_at.date())})" if doc.voided_at else ""
    pdf.multi_cell(
        pdf.epw,
        _LINE_H,
        f"Motivo de anulación{when}: {_or_dash(doc.void_reason)}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(1.5)
    pdf.rect(pdf.l_margin, top, pdf.epw, pdf.get_y() - top)
    pdf.set_text_color(*_INK)
    pdf.ln(3)


def _customer_block(pdf: _InvoicePDF, doc: Invoice) -> None:
    top = pdf.get_y()
    pdf.set_fill_color(*_ZEBRA)
    pdf.font("B", 8)
    pdf.set_text_color(*_MUTED)
    pdf.cell(pdf.epw, 5.5, "  CLIENTE", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.ln(1)
    pdf.set_left_margin(_MARGIN + 2)
    pdf.set_x(pdf.l_margin)
    _labelled(pdf, "NIT:", _or_dash(doc.customer_nit))
    _labelled(pdf, "Nombre:", _or_dash(doc.customer_name))
    _labelled(pdf, "Dirección:", _or_dash(doc.customer_address))
    pdf.set_left_margin(_MARGIN)
    pdf.set_x(pdf.l_margin)
    pdf.ln(1)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top, pdf.epw, pdf.get_y() - top)
    pdf.ln(4)


def _credit_note_block(pdf: _InvoicePDF, doc: Invoice) -> None:
    credited = doc.credited_invoice
    if credited is not None and credited.full_number:
        reference = (
            f"{credited.full_number} del {credited.issue_date:%d/%m/%Y}"
            if credited.issue_date
            else credited.full_number
        )
    elif doc.credited_invoice_id is not None:
        reference = f"Factura ID {doc.credited_invoice_id}"
    else:
        reference = _DASH
    _labelled(pdf, "Factura de referencia:", reference, label_w=38)
    _labelled(pdf, "Motivo:", _or_dash(doc.reason), label_w=38)
    pdf.ln(3)


def _lines_table(pdf: _InvoicePDF, doc: Invoice) -> None:
    pdf.font("", 8.5)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=_ACCENT)
    with pdf.table(
        col_widths=_LINE_WIDTHS,
        width=pdf.epw,
        text_align=_LINE_ALIGN,
        borders_layout="HORIZONTAL_LINES",
        headings_style=heading,
        cell_fill_color=_ZEBRA,
        cell_fill_mode="EVEN_ROWS",
        line_height=_LINE_H,
        padding=(1.2, 1.5),
        v_align="TOP",
    ) as table:
        table.row(_LINE_COLUMNS)
        for line in doc.lines:
            table.row(
                (
                    str(line.line_number),
                    line.description,
                    _plain_number(line.quantity),
                    format_money(line.unit_price, doc.currency),
                    format_money(line.discount, doc.currency) if line.discount else _DASH,
                    format_money(line.total_amount, doc.currency),
                )
            )
    pdf.ln(5)


def _totals(pdf: _InvoicePDF, doc: Invoice) -> None:
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
    pdf.set_fill_color(*_ZEBRA)
    pdf.set_text_color(*_MUTED)
    for text, width, align in zip(("Resumen de IVA", "Monto gravable", "IVA"), left_w, "LRR", strict=True):
        pdf.cell(width, row_h, text, align=align, fill=True, new_x=XPos.RIGHT)
    pdf.set_text_color(*_INK)
    pdf.ln(row_h)
    pdf.font("", 8.5)
    for rate, amounts in breakdown.items():
        pdf.cell(left_w[0], row_h, _rate_label(rate), new_x=XPos.RIGHT)
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
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(x, pdf.get_y() + 0.5, x + label_w + value_w, pdf.get_y() + 0.5)
    pdf.ln(1.5)
    pdf.set_x(x)
    pdf.font("B", 11)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(label_w, 7, "TOTAL", new_x=XPos.RIGHT)
    pdf.cell(value_w, 7, format_money(doc.total, money), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.set_y(max(pdf.get_y(), left_bottom) + 4)


def _total_in_words(pdf: _InvoicePDF, doc: Invoice) -> None:
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
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top - 1, pdf.epw, pdf.get_y() - top + 2)
    pdf.ln(5)


def _notes(pdf: _InvoicePDF, doc: Invoice) -> None:
    if not doc.notes.strip():
        return
    pdf.ensure_space(12)
    pdf.font("B")
    pdf.cell(pdf.epw, _LINE_H, "Observaciones", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font()
    pdf.multi_cell(pdf.epw, _LINE_H, doc.notes, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)


def _payments(pdf: _InvoicePDF, doc: Invoice, payments: Sequence[PaymentLine]) -> None:
    if not payments:
        return
    row_h = 5.5
    widths = (30.0, 70.0, 35.0)
    pdf.ensure_space(row_h * 3 + 6)
    pdf.font("B", 10)
    pdf.set_text_color(*_ACCENT)
    pdf.cell(pdf.epw, 6, "Pagos", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*_INK)
    pdf.font("B", 8)
    pdf.set_fill_color(*_ZEBRA)
    for text, width, align in zip(("Fecha", "Método", "Monto"), widths, "LLR", strict=True):
        pdf.cell(width, row_h, text, align=align, fill=True, new_x=XPos.RIGHT)
    pdf.ln(row_h)
    pdf.font("", 8.5)
    for payment in payments:
        pdf.ensure_space(row_h)
        pdf.cell(widths[0], row_h, _date(payment.received_on), new_x=XPos.RIGHT)
        pdf.cell(widths[1], row_h, payment.method_label, new_x=XPos.RIGHT)
        pdf.cell(widths[2], row_h, format_money(payment.amount, doc.currency), align="R", new_x=XPos.LMARGIN)
        pdf.ln(row_h)
    pdf.set_draw_color(*_RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + sum(widths), pdf.get_y())
    pdf.ln(1)
    pdf.font("B", 9.5)
    pdf.cell(widths[0] + widths[1], row_h, "Saldo:", align="R", new_x=XPos.RIGHT)
    pdf.cell(widths[2], row_h, format_money(doc.balance, doc.currency), align="R", new_x=XPos.LMARGIN)
    pdf.ln(row_h + 3)


def render_invoice_pdf(doc: Invoice, issuer: Issuer, *, payments: Sequence[PaymentLine] = ()) -> bytes:
    """The document as an A4 PDF. Output is byte-for-byte stable for the same inputs."""
    pdf = _InvoicePDF(doc, issuer, running_title=_metadata_title(doc))
    pdf.set_title(_metadata_title(doc))
    pdf.set_author(issuer.name)
    pdf.set_creator("facturo")
    pdf.set_lang("es")
    pdf.set_creation_date(_creation_date(doc))
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
