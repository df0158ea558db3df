"""The report PDFs' page frame: the kit toolkit's, signed "Generado por facturo" and stamped when
the report is about a void invoice."""

from __future__ import annotations

from facturo.kit.pdf import VOID_STAMP, DocumentPDF


class ReportPDF(DocumentPDF):
    def __init__(self, title: str, organisation: str, *, void: bool = False) -> None:
        stamp = VOID_STAMP if void else None
        super().__init__(title, organisation, footer_note="Generado por facturo", stamp=stamp)
