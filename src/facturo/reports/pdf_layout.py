"""The page frame and building blocks the report PDFs share: A4, standard Helvetica (text passed
through ``invoicing.pdf.pdf_safe_text``), a running header, "Página n de m", tables.

Output is byte-for-byte stable for the same report: the creation date comes from the report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal

from babel.numbers import format_currency
from fpdf import FPDF, FontFace, XPos, YPos

from facturo.invoicing.pdf import pdf_safe_text
from facturo.kit.money import format_money

MARGIN = 15.0
LINE_H = 4.6
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (31, 58, 96)
RULE = (200, 205, 210)
ZEBRA = (244, 246, 248)
VOID_RED = (200, 30, 30)
DASH = "—"
BOLD = FontFace(emphasis="BOLD")


def money(amount: Decimal, currency: str) -> str:
    return format_money(amount, currency)


def rate(value: Decimal, currency: str) -> str:
    """A price or hourly rate with every decimal it has (Q33.3333/h is not Q33.33/h)."""
    return str(format_currency(value, currency, locale="es_GT", decimal_quantization=False))


def number(value: Decimal) -> str:
    """An exact figure as people read it: 1,234.5 (never 1.2345E+3, never rounded)."""
    return f"{value:,f}"


def percent(value: Decimal) -> str:
    return f"{value:f} %"


def day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else DASH


def moment(value: datetime) -> str:
    return value.strftime("%d/%m/%Y %H:%M")


class ReportPDF(FPDF):
    def __init__(self, title: str, organisation: str, *, void: bool = False) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = "windows-1252"
        self.report_title = title
        self.organisation = organisation
        self.void = void
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages()
        self.set_title(title)
        self.set_author(organisation)
        self.set_creator("facturo")
        self.set_lang("es")

    def normalize_text(self, text: str) -> str:
        # Every string drawn or measured passes here: user text can never break the encoding.
        return super().normalize_text(pdf_safe_text(text))

    def header(self) -> None:
        if self.void:
            self._stamp("ANULADA")
        if self.page_no() > 1:
            self.font("", 8)
            self.set_text_color(*MUTED)
            half = self.epw / 2
            self.cell(half, 5, self.organisation, new_x=XPos.RIGHT)
            self.cell(half, 5, f"{self.report_title} (continuación)", align="R")
            self.ln(5)
            self.rule()
            self.ln(3)
            self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-14)
        self.rule()
        self.ln(1.5)
        self.font("", 7)
        self.set_text_color(*MUTED)
        half = self.epw / 2
        self.cell(half, 4, "Generado por facturo", new_x=XPos.RIGHT)
        self.cell(half, 4, f"Página {self.page_no()} de {{nb}}", align="R")
        self.set_text_color(*INK)

    def _stamp(self, text: str) -> None:
        x, y = self.get_x(), self.get_y()
        size = 96
        self.font("B", size)
        self.set_text_color(240, 170, 170)
        width = self.get_string_width(text)
        centre_x, centre_y = self.w / 2, self.h / 2
        with self.rotation(45, centre_x, centre_y):
            self.text(centre_x - width / 2, centre_y + size * 0.35 / 2.83, text)
        self.set_text_color(*INK)
        self.set_xy(x, y)

    def font(self, style: str = "", size: float = 9.0) -> None:
        self.set_font("Helvetica", style, size)

    def rule(self, colour: tuple[int, int, int] = RULE, width: float = 0.2) -> None:
        self.set_draw_color(*colour)
        self.set_line_width(width)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def ensure_space(self, height: float) -> None:
        if self.will_page_break(height):
            self.add_page()

    def stable_date(self, value: date | None) -> None:
        """A creation date that depends only on the report, so re-rendering gives the same bytes."""
        self.set_creation_date(datetime.combine(value or date(2000, 1, 1), time(), tzinfo=UTC))

    # --- blocks ----------------------------------------------------------------------------------

    def title_block(self, title: str, subtitle: str, issuer_line: str) -> None:
        self.font("B", 16)
        self.set_text_color(*ACCENT)
        self.cell(self.epw, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font("", 11)
        self.set_text_color(*INK)
        self.multi_cell(self.epw, 6, subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.font("", 8.5)
        self.set_text_color(*MUTED)
        self.multi_cell(self.epw, LINE_H, issuer_line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(2)
        self.rule(ACCENT, 0.4)
        self.ln(4)

    def heading(self, text: str, size: float = 11.0) -> None:
        self.ensure_space(18)
        self.font("B", size)
        self.set_text_color(*ACCENT)
        self.multi_cell(self.epw, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(1)

    def facts(self, pairs: Sequence[tuple[str, str]], label_w: float = 42.0) -> None:
        """Label: value rows (one per row, so extracted text reads "Total: Q1,234.50")."""
        for label, value in pairs:
            self.ensure_space(LINE_H)
            self.font("B")
            self.cell(label_w, LINE_H, label, new_x=XPos.RIGHT)
            self.font()
            self.multi_cell(self.epw - label_w, LINE_H, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def banner(self, text: str) -> None:
        self.set_text_color(*VOID_RED)
        self.set_draw_color(*VOID_RED)
        self.set_line_width(0.5)
        top = self.get_y()
        self.font("B", 12)
        self.multi_cell(self.epw, 7, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.rect(self.l_margin, top, self.epw, self.get_y() - top)
        self.set_text_color(*INK)
        self.ln(3)

    def note(self, text: str) -> None:
        self.font("I", 8.5)
        self.set_text_color(*MUTED)
        self.multi_cell(self.epw, LINE_H, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*INK)
        self.ln(2)

    def grid(
        self,
        columns: Sequence[str],
        widths: Sequence[float],
        align: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        bold_rows: frozenset[int] = frozenset(),
        total: Sequence[str] | None = None,
    ) -> None:
        """A table with a heading row repeated on every page; ``total`` is a bold closing row."""
        self.font("", 8.5)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT)
        scale = self.epw / sum(widths)
        with self.table(
            col_widths=[w * scale for w in widths],
            width=self.epw,
            text_align=list(align),
            borders_layout="HORIZONTAL_LINES",
            headings_style=heading,
            cell_fill_color=ZEBRA,
            cell_fill_mode="EVEN_ROWS",
            line_height=LINE_H,
            padding=(1.0, 1.5),
            v_align="TOP",
        ) as table:
            table.row(list(columns))
            for index, cells in enumerate(rows):
                style = BOLD if index in bold_rows else None
                row = table.row()
                for text in cells:
                    row.cell(text, style=style)
            if total is not None:
                row = table.row()
                for text in total:
                    row.cell(text, style=BOLD)
        self.ln(4)
