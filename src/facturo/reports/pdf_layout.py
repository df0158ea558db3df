"""The report PDFs' page frame: the kit toolkit's, signed "Generado por facturo" and stamped when
the report is about a void invoice.

The colours and text helpers below are the kit's, under the names the reports CLI and charts
import them by."""

from __future__ import annotations

from facturo.kit.display import day, moment
from facturo.kit.display import exact_money as rate
from facturo.kit.display import percentage as percent
from facturo.kit.money import format_money as money
from facturo.kit.numbers import exact as number
from facturo.kit.pdf import ACCENT, INK, MUTED, RULE, VOID_STAMP, DocumentPDF

__all__ = ["ACCENT", "INK", "MUTED", "RULE", "ReportPDF", "day", "moment", "money", "number", "percent", "rate"]


class ReportPDF(DocumentPDF):
    def __init__(self, title: str, organisation: str, *, void: bool = False) -> None:
        stamp = VOID_STAMP if void else None
        super().__init__(title, organisation, footer_note="Generado por facturo", stamp=stamp)
