"""Horizontal bar charts drawn with fpdf2's own rectangles: no image library, no network.

Bar lengths are geometry, not money: the ratio of two exact amounts is turned into millimetres
(a float) only to place ink on the page. The labels print the exact amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from fpdf import XPos, YPos

from facturo.kit.money import ZERO
from facturo.kit.money import format_money as money
from facturo.kit.pdf import ACCENT, INK, MUTED, RULE, DocumentPDF

PALETTE = (
    (31, 58, 96),
    (52, 120, 178),
    (86, 160, 120),
    (222, 142, 52),
    (170, 84, 140),
    (120, 120, 132),
)
MAX_BARS = 12
_BAR_H = 5.0
_GAP = 2.2
_LABEL_W = 52.0
_VALUE_W = 32.0


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal


def bar_chart(pdf: DocumentPDF, title: str, bars: Sequence[Bar], currency: str) -> None:
    """Bars sorted as given (highest first); beyond ``MAX_BARS`` the rest are summed as "Otros"."""
    shown = list(bars[:MAX_BARS])
    rest = bars[MAX_BARS:]
    if rest:
        shown.append(Bar(f"Otros ({len(rest)})", sum((b.value for b in rest), ZERO)))
    if not shown:
        return
    height = 9 + len(shown) * (_BAR_H + _GAP) + 4
    pdf.ensure_space(height)
    pdf.font("B", 10)
    pdf.set_text_color(*ACCENT)
    pdf.cell(pdf.epw, 7, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1)
    pdf.set_text_color(*INK)

    largest = max((b.value for b in shown), default=ZERO)
    left = pdf.l_margin + _LABEL_W + 2
    track = pdf.epw - _LABEL_W - _VALUE_W - 4
    top = pdf.get_y()
    for index, bar in enumerate(shown):
        y = top + index * (_BAR_H + _GAP)
        pdf.set_xy(pdf.l_margin, y)
        pdf.font("", 8)
        label = bar.label
        while label and pdf.get_string_width(label) > _LABEL_W - 1:
            label = label[:-2] + "…" if len(label) > 2 else ""
        pdf.cell(_LABEL_W, _BAR_H, label, align="R")
        length = float(bar.value / largest) * track if largest > 0 and bar.value > 0 else 0.0
        if length > 0:
            pdf.set_fill_color(*PALETTE[index % len(PALETTE)])
            pdf.rect(left, y + 0.6, max(length, 0.4), _BAR_H - 1.2, style="F")
        pdf.set_xy(left + length + 1.5, y)
        pdf.set_text_color(*MUTED)
        pdf.cell(_VALUE_W, _BAR_H, money(bar.value, currency))
        pdf.set_text_color(*INK)
    bottom = top + len(shown) * (_BAR_H + _GAP)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    pdf.line(left, top - 1, left, bottom - _GAP + 1)
    pdf.set_xy(pdf.l_margin, bottom + 3)
