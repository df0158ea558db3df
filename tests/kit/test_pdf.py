"""The PDF toolkit: page frame (stamp, running header, "Página n de m"), blocks and stable bytes."""

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from facturo.kit.pdf import VOID_STAMP, DocumentPDF, Stamp, stable_creation_date


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _long_document(stamp: Stamp | None = None) -> bytes:
    pdf = DocumentPDF("Informe de prueba", "Organización Ñandú", footer_note="Pie de página", stamp=stamp)
    pdf.stable_date(date(2025, 3, 15))
    pdf.add_page()
    pdf.title_block("Informe", "Del 01/03/2025 al 15/03/2025", "Organización Ñandú · NIT 1234567-8")
    pdf.heading("Resumen")
    pdf.facts([("Total:", "Q1,234.50"), ("Horas:", "12.5")])
    pdf.note("Una nota al margen.")
    pdf.banner("FACTURA ANULADA: por error")
    pdf.grid(
        ("Código", "Nombre", "Monto"),
        (20, 60, 20),
        ("LEFT", "LEFT", "RIGHT"),
        [(f"R{i}", f"Recurso {i}", f"Q{i}.00") for i in range(80)],
        bold_rows=frozenset({0}),
        total=("Total", "", "Q3,160.00"),
    )
    return bytes(pdf.output())


def test_frame_blocks_and_page_numbers() -> None:
    pages = _pages(_long_document())
    assert len(pages) >= 2
    first, last = pages[0], pages[-1]
    assert "Informe" in first and "Total: Q1,234.50" in first and "Horas: 12.5" in first
    assert "Una nota al margen." in first and "FACTURA ANULADA: por error" in first
    assert "Pie de página" in first and f"Página 1 de {len(pages)}" in first
    assert "Organización Ñandú" in last and "Informe de prueba (continuación)" in last
    assert f"Página {len(pages)} de {len(pages)}" in last
    assert "Código Nombre Monto" in last  # the heading row repeats on every page
    assert "Total Q3,160.00" in last
    assert "(continuación)" not in first


def test_the_stamp_repeats_on_every_page() -> None:
    pages = _pages(_long_document(VOID_STAMP))
    assert all("ANULADA" in page.replace("FACTURA ANULADA", "") for page in pages)


def test_output_is_stable_and_carries_its_metadata() -> None:
    data = _long_document()
    assert data == _long_document()
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta is not None
    assert meta.title == "Informe de prueba" and meta.author == "Organización Ñandú" and meta.creator == "facturo"
    assert meta.creation_date is not None
    assert meta.creation_date.replace(tzinfo=UTC) == datetime(2025, 3, 15, tzinfo=UTC)


def test_user_text_outside_the_standard_font_does_not_break_the_rendering() -> None:
    pdf = DocumentPDF("Prueba", "Org")
    pdf.add_page()
    pdf.facts([("Nombre:", "Café 👍🏽 Ωmega")])
    assert "Nombre: Café ? ?mega" in _pages(bytes(pdf.output()))[0]


def test_stable_creation_dates() -> None:
    guatemala = ZoneInfo("America/Guatemala")
    assert stable_creation_date(datetime(2025, 3, 15, 10, 30, tzinfo=guatemala)) == datetime(
        2025, 3, 15, 10, 30, tzinfo=guatemala
    )
    assert stable_creation_date(datetime(2025, 3, 15, 10, 30)) == datetime(2025, 3, 15, 10, 30, tzinfo=UTC)
    assert stable_creation_date(date(2025, 3, 15)) == datetime(2025, 3, 15, tzinfo=UTC)
    assert stable_creation_date(None) == datetime(2000, 1, 1, tzinfo=UTC)
