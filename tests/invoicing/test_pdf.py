from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pypdf import PdfReader

from facturo.invoicing.amounts import line_amounts
from facturo.invoicing.models import Invoice, InvoiceLine, Series
from facturo.invoicing.pdf import PaymentLine, render_invoice_pdf
from facturo.kit.money import format_money
from facturo.kit.pdf_text import pdf_safe_text
from facturo.organisation.models import Issuer

HASH = "ab12cd34ef56ab78cd90ef12ab34cd56ef78ab90cd12ef34ab56cd78ef90ab12"


def make_issuer() -> Issuer:
    return Issuer(
        name="Distribuidora Señorial, S.A.",
        trade_name="Ferretería El Águila",
        nit="1234567-8",
        address="6a Avenida 12-34 Zona 1, Ciudad de Guatemala",
        establishment_code="2",
        email="facturas@aguila.gt",
        phone="+502 2222-3333",
        currency="GTQ",
    )


def make_line(
    number: int,
    description: str,
    quantity: str,
    unit_price: str,
    discount: str = "0",
    rate: str = "0.12",
) -> InvoiceLine:
    amounts = line_amounts(Decimal(quantity), Decimal(unit_price), Decimal(discount), Decimal(rate), True)
    return InvoiceLine(
        line_number=number,
        description=description,
        unit="unidad",
        quantity=Decimal(quantity),
        unit_price=Decimal(unit_price),
        discount=Decimal(discount),
        tax_rate=Decimal(rate),
        price_includes_tax=True,
        base_amount=amounts.base,
        tax_amount=amounts.tax,
        total_amount=amounts.total,
    )


def make_invoice(lines: list[InvoiceLine], **overrides: object) -> Invoice:
    doc = Invoice(
        document_type="invoice",
        status="issued",
        number=1,
        customer_nit="9876543-2",
        customer_name="Comercial Los Álamos",
        customer_address="Calzada Roosevelt 22-43 Zona 11",
        currency="GTQ",
        issue_date=date(2025, 3, 15),
        due_date=date(2025, 4, 14),
        notes="",
        reason="",
        void_reason="",
        credited_total=Decimal(0),
        paid_total=Decimal(0),
        issued_at=datetime(2025, 3, 15, 16, 30, tzinfo=UTC),
        content_hash=HASH,
    )
    doc.series = Series(code="A", prefix="A-", document_type="invoice")
    doc.lines = lines
    doc.subtotal = sum((line.base_amount for line in lines), Decimal(0))
    doc.tax_total = sum((line.tax_amount for line in lines), Decimal(0))
    doc.total = sum((line.total_amount for line in lines), Decimal(0))
    for key, value in overrides.items():
        setattr(doc, key, value)
    return doc


def standard_lines() -> list[InvoiceLine]:
    # 2 × 500.00 + 1.5 × 156.333333 (= 234.4999995, rounds to 234.50): total Q1,234.50.
    return [
        make_line(1, "Taladro percutor 800 W con maletín y juego de brocas", "2", "500.00"),
        make_line(2, "Cable eléctrico calibre 12 (metro)", "1.5", "156.333333"),
    ]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_invoice_shows_parties_lines_and_totals() -> None:
    doc = make_invoice(standard_lines())
    text = pdf_text(render_invoice_pdf(doc, make_issuer()))

    assert "FACTURA" in text
    for expected in (
        "Distribuidora Señorial, S.A.",
        "Ferretería El Águila",
        "NIT: 1234567-8",
        "Establecimiento: 2",
        "Serie: A Número: 1",
        "A-00000001",
        "Fecha de emisión: 15/03/2025",
        "Vencimiento: 14/04/2025",
        "NIT: 9876543-2",
        "Nombre: Comercial Los Álamos",
        "Dirección: Calzada Roosevelt 22-43 Zona 11",
        "Cable eléctrico calibre 12 (metro)",
        "1.5",
        "Q156.33",
        "IVA 12%",
        "Monto gravable",
        "Subtotal (sin IVA)",
        "Q1,234.50",
        "TOTAL EN LETRAS: Mil doscientos treinta y cuatro quetzales con 50/100",
        "Página 1 de 1",
        f"Huella: {HASH[:16]}…",
    ):
        assert expected in text, expected
    assert "Taladro percutor 800 W con maletín y juego de brocas" in text
    assert "Pagos" not in text
    assert "BORRADOR" not in text


def words_in_order(words: list[str], text: str) -> bool:
    remaining = iter(text.split())
    return all(word in remaining for word in words)


def test_long_descriptions_wrap_inside_their_column() -> None:
    description = " ".join(f"componente{n} de acero inoxidable" for n in range(12))
    data = render_invoice_pdf(make_invoice([make_line(1, description, "3", "75.25")]), make_issuer())
    text = pdf_text(data)
    assert words_in_order(description.split(), text)
    assert "Q225.75" in text
    assert len(PdfReader(io.BytesIO(data)).pages) == 1


def test_totals_are_the_stored_document_figures() -> None:
    doc = make_invoice(standard_lines())
    assert (doc.subtotal, doc.tax_total, doc.total) == (
        Decimal("1102.24"),
        Decimal("132.26"),
        Decimal("1234.50"),
    )
    text = pdf_text(render_invoice_pdf(doc, make_issuer()))
    assert f"Subtotal (sin IVA) {format_money(doc.subtotal)}" in text
    assert f"IVA {format_money(doc.tax_total)}" in text
    assert f"TOTAL {format_money(doc.total)}" in text
    assert "Q1,102.24" in text
    assert "Q132.26" in text


def test_mixed_tax_rates_are_broken_down() -> None:
    lines = [*standard_lines(), make_line(3, "Libro de texto (exento)", "1", "100.00", rate="0")]
    text = pdf_text(render_invoice_pdf(make_invoice(lines), make_issuer()))
    assert "IVA 0% Q100.00 Q0.00" in text
    assert "IVA 12% Q1,102.24 Q132.26" in text


def test_quantities_print_without_trailing_zeros() -> None:
    lines = [make_line(1, "Tornillos", "100.0000", "0.50"), make_line(2, "Pintura (galón)", "2.2500", "10")]
    text = pdf_text(render_invoice_pdf(make_invoice(lines), make_issuer()))
    assert "Tornillos 100 Q0.50" in text
    assert "2.25 Q10.00" in text
    assert "E+" not in text


def test_metadata_and_output_are_deterministic() -> None:
    doc = make_invoice(standard_lines())
    first = render_invoice_pdf(doc, make_issuer())
    assert first.startswith(b"%PDF-")
    assert first == render_invoice_pdf(doc, make_issuer())
    meta = PdfReader(io.BytesIO(first)).metadata
    assert meta is not None
    assert meta.title == "Factura A-00000001"
    assert meta.creator == "facturo"
    assert meta.creation_date is not None
    assert meta.creation_date.replace(tzinfo=UTC) == datetime(2025, 3, 15, 16, 30, tzinfo=UTC)


def test_amount_in_words_for_a_million() -> None:
    line = make_line(1, "Maquinaria industrial", "1", "1000000.00")
    doc = make_invoice([line])
    assert doc.total == Decimal("1000000.00")
    text = pdf_text(render_invoice_pdf(doc, make_issuer()))
    assert "Q1,000,000.00" in text
    assert "TOTAL EN LETRAS" in text
    assert "un millón de quetzales" in text.lower()


def test_void_invoice_is_stamped() -> None:
    doc = make_invoice(
        standard_lines(),
        status="void",
        void_reason="Emitida al cliente equivocado",
        voided_at=datetime(2025, 3, 20, 10, 0, tzinfo=UTC),
    )
    text = pdf_text(render_invoice_pdf(doc, make_issuer()))
    assert "ANULADA" in text
    assert "Emitida al cliente equivocado" in text
    assert "20/03/2025" in text


def test_credit_note_title_reference_and_reason() -> None:
    doc = make_invoice(
        [make_line(1, "Devolución de taladro", "1", "500.00")],
        document_type="credit_note",
        credited_invoice_id=41,
        reason="Producto defectuoso",
    )
    doc.series = Series(code="NC", prefix="NC-", document_type="credit_note")
    data = render_invoice_pdf(doc, make_issuer())
    text = pdf_text(data)
    assert "NOTA DE CRÉDITO" in text
    assert "41" in text
    assert "Motivo: Producto defectuoso" in text
    assert "NC-00000001" in text
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta is not None
    assert meta.title == "Nota de crédito NC-00000001"


def test_draft_with_empty_snapshot_fields() -> None:
    doc = make_invoice(
        standard_lines(),
        status="draft",
        number=None,
        customer_nit="",
        customer_name="",
        customer_address="",
        issue_date=None,
        due_date=None,
        issued_at=None,
        content_hash=None,
    )
    data = render_invoice_pdf(doc, make_issuer())
    text = pdf_text(data)
    assert "BORRADOR — SIN VALOR FISCAL" in text
    assert "NIT: —" in text
    assert "Nombre: —" in text
    assert "Dirección: —" in text
    assert "Huella" not in text
    assert data == render_invoice_pdf(doc, make_issuer())


def test_unencodable_user_text_is_replaced_not_fatal() -> None:
    lines = [make_line(1, "Pastel de cumpleaños 🎂 “especial” — 3 pisos… 漢字", "1", "250.00")]
    doc = make_invoice(lines, customer_name="Café “La Niña” 😀👨‍👩‍👧 Ω ✓")
    text = pdf_text(render_invoice_pdf(doc, make_issuer()))
    assert "Nombre: Café “La Niña” ? ? ?" in text
    assert "Pastel de cumpleaños ? “especial” — 3 pisos… ?" in text


def test_sixty_lines_span_several_pages() -> None:
    lines = [make_line(n, f"Artículo número {n} de la lista de materiales", "1", "10.00") for n in range(1, 61)]
    data = render_invoice_pdf(make_invoice(lines), make_issuer())
    reader = PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages >= 2
    text = pdf_text(data)
    assert f"Página 1 de {pages}" in text
    assert f"Página {pages} de {pages}" in text
    assert "Artículo número 60 de la lista de materiales" in text
    assert "Q600.00" in text
    # The column headings repeat on each page of the lines table.
    assert "Precio unitario" in (reader.pages[1].extract_text() or "")


def test_payments_and_balance() -> None:
    doc = make_invoice(standard_lines(), paid_total=Decimal("1000.00"))
    payments = [
        PaymentLine(date(2025, 3, 16), "Efectivo", Decimal("400.00")),
        PaymentLine(date(2025, 3, 20), "Transferencia bancaria", Decimal("600.00")),
    ]
    text = pdf_text(render_invoice_pdf(doc, make_issuer(), payments=payments))
    assert "Pagos" in text
    assert "16/03/2025 Efectivo Q400.00" in text
    assert "20/03/2025 Transferencia bancaria Q600.00" in text
    assert "Saldo: Q234.50" in text


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("Peña ¿Cómo? ¡Sí! ü", "Peña ¿Cómo? ¡Sí! ü"),
        ("“x” ‘y’ — … €", "“x” ‘y’ — … €"),
        ("e\u0301", "é"),
        ("ﬁn", "fin"),
        ("a\u2212b\u00a0c\td", "a-b c d"),
        ("😀 ☃", "? ?"),
        ("👍🏽 漢字 a😀😀b ¿Qué?😀", "? ? a?b ¿Qué??"),
        ("line\nbreak\x00", "line\nbreak"),
    ],
)
def test_pdf_safe_text(raw: str, safe: str) -> None:
    assert pdf_safe_text(raw) == safe
