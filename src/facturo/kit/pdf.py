"""The layout toolkit of every printable A4 document (invoices, credit notes, reports), in Spanish.

One page frame: standard Helvetica with every string passed through ``pdf_safe_text``, a
diagonal stamp under the content of every page (BORRADOR, ANULADA), a running header from the
second page on, and a footer with a note and "Página n de m". On top of it the blocks the
documents share: a title, headings, "Label: value" rows, a red banner, a muted note, a table.

Output is byte-for-byte stable for the same inputs: the creation date comes from the document,
never from the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from fpdf import FPDF, FontFace, XPos, YPos

from facturo.kit.pdf_text import ENCODING, pdf_safe_text

__all__ = [
    "ACCENT",
    "BOLD",
    "INK",
    "LINE_H",
    "MARGIN",
    "MUTED",
    "RULE",
    "VOID_RED",
    "VOID_STAMP",
    "ZEBRA",
    "Colour",
    "DocumentPDF",
    "Stamp",
    "stable_creation_date",
]

Colour = tuple[int, int, int]

MARGIN = 15.0
BODY_PT = 9.0
LINE_H = 4.6
INK: Colour = (33, 37, 41)
MUTED: Colour = (108, 117, 125)
ACCENT: Colour = (31, 58, 96)
RULE: Colour = (200, 205, 210)
ZEBRA: Colour = (244, 246, 248)
VOID_RED: Colour = (200, 30, 30)
WHITE: Colour = (255, 255, 255)
BOLD = FontFace(emphasis="BOLD")
_HEADINGS = FontFace(emphasis="BOLD", color=WHITE, fill_color=ACCENT)
# Documents without a date of their own still need a fixed one for stable bytes.
_NO_DATE = date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class Stamp:
    """Large diagonal text drawn under the content of every page."""

    text: str
    colour: Colour
    size: float


VOID_STAMP = Stamp("ANULADA", (240, 170, 170), 96)


def stable_creation_date(value: datetime | date | None) -> datetime:
    """A creation date that depends only on the document: an instant as it is (UTC when naive),
    a day at midnight UTC, and 1 January 2000 without either."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value or _NO_DATE, time(), tzinfo=UTC)


class DocumentPDF(FPDF):
    """An A4 portrait page frame. ``title`` is the document's metadata title and, from page 2 on,
    the right of the running header; ``author`` is its left. ``footer_note`` sits left of the
    page number."""

    def __init__(self, title: str, author: str, *, footer_note: str = "", stamp: Stamp | None = None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.running_title = title
        self.running_author = author
        self.footer_note = footer_note
        self.stamp = stamp
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=20)
        self.alias_nb_pages()
        self.set_title(title)
        self.set_author(author)
        self.set_creator("facturo")
        self.set_lang("es")

    def normalize_text(self, text: str) -> str:
        # Every string fpdf2 draws or measures passes through here, so user text (names,
        # descriptions) can never raise an encoding error whichever call site prints it.
        return super().normalize_text(pdf_safe_text(text))

    def stable_date(self, value: datetime | date | None) -> None:
        self.set_creation_date(stable_creation_date(value))

    def header(self) -> None:
        if self.stamp is not None:
            self._stamp(self.stamp)
        if self.page_no() > 1:
            self.font("", 8)
            self.set_text_color(*MUTED)
            half = self.epw / 2
            self.cell(half, 5, self.running_author, new_x=XPos.RIGHT)
            self.cell(half, 5, f"{self.running_title} (continuación)", align="R")
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
        self.cell(half, 4, self.footer_note, new_x=XPos.RIGHT)
        # "{nb}" is the total page count, substituted by fpdf2 once the last page exists.
        self.cell(half, 4, f"Página {self.page_no()} de {{nb}}", align="R")
        self.set_text_color(*INK)

    def _stamp(self, stamp: Stamp) -> None:
        # Drawn from header() so it sits under the page content and repeats on every page.
        x, y = self.get_x(), self.get_y()
        self.font("B", stamp.size)
        self.set_text_color(*stamp.colour)
        width = self.get_string_width(stamp.text)
        centre_x, centre_y = self.w / 2, self.h / 2
        with self.rotation(45, centre_x, centre_y):
            self.text(centre_x - width / 2, centre_y + stamp.size * 0.35 / 2.83, stamp.text)
        self.set_text_color(*INK)
        self.set_xy(x, y)

    def font(self, style: str = "", size: float = BODY_PT) -> None:
        self.set_font("Helvetica", style, size)

    def rule(self, colour: Colour = RULE, width: float = 0.2) -> None:
        self.set_draw_color(*colour)
        self.set_line_width(width)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())

    def ensure_space(self, height: float) -> None:
        if self.will_page_break(height):
            self.add_page()

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

    def facts(self, pairs: Sequence[tuple[str, str]], label_w: float = 42.0, *, gap_after: float = 2.0) -> None:
        """Label: value rows (one per row, so extracted text reads "Total: Q1,234.50")."""
        for label, value in pairs:
            self.ensure_space(LINE_H)
            self.font("B")
            self.cell(label_w, LINE_H, label, new_x=XPos.RIGHT)
            self.font()
            self.multi_cell(self.epw - label_w, LINE_H, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if gap_after:
            self.ln(gap_after)

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
        padding: tuple[float, float] = (1.0, 1.5),
        gap_after: float = 4.0,
    ) -> None:
        """A zebra table across the page width (``widths`` are proportions) with a heading row
        repeated on every page; ``bold_rows`` are row indexes, ``total`` a bold closing row."""
        self.font("", 8.5)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        scale = self.epw / sum(widths)
        with self.table(
            col_widths=[w * scale for w in widths],
            width=self.epw,
            text_align=list(align),
            borders_layout="HORIZONTAL_LINES",
            headings_style=_HEADINGS,
            cell_fill_color=ZEBRA,
            cell_fill_mode="EVEN_ROWS",
            line_height=LINE_H,
            padding=padding,
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
        self.ln(gap_after)
