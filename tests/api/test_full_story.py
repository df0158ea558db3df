"""The whole story of one invoice, through the API only, as an accountant would live it."""

from __future__ import annotations

import re
from decimal import Decimal
from io import BytesIO

from pypdf import PdfReader

from tests.api.helpers import ok, setup_org
from tests.factories import valid_nit


def pdf_text(content: bytes) -> str:
    reader = PdfReader(BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_invoice_story_from_customer_to_paid(client):
    setup_org(client)

    # A NIT with a wrong check digit is refused, saying why.
    good_nit = valid_nit(5769371)
    body, check = good_nit.split("-")
    wrong = f"{body}-{(int(check) + 1) % 10 if check != 'K' else 0}"
    refused = client.post("/api/v1/customers", json={"nit": wrong, "name": "Ferretería El Martillo"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert "dígito verificador" in error["message"]
    assert error["details"][0] == {
        "field": "nit",
        "rule": "nit.check_digit",
        "message": error["message"],
    }
    customer = ok(
        client.post("/api/v1/customers", json={"nit": good_nit.lower(), "name": "Ferretería El Martillo"}), 201
    )
    assert customer["nit"] == good_nit

    category = ok(client.post("/api/v1/categories", json={"name": "Herramientas"}), 201)
    hammer = ok(
        client.post(
            "/api/v1/products",
            json={
                "code": "MART-01",
                "name": "Martillo 16 oz",
                "unit_price": "85.50",
                "category_id": category["id"],
                "stock": "40",
            },
        ),
        201,
    )
    drill = ok(
        client.post("/api/v1/products", json={"code": "TAL-02", "name": "Taladro 1/2 pulgada", "unit_price": "649.99"}),
        201,
    )

    # A three-line draft with a discount; prices include IVA.
    draft = ok(
        client.post(
            "/api/v1/invoices",
            json={
                "customer_id": customer["id"],
                "lines": [
                    {"product_id": hammer["id"], "quantity": "3"},
                    {"product_id": drill["id"], "quantity": "1", "discount": "50.00"},
                    {"description": "Instalación en sitio", "quantity": "2.5", "unit_price": "120.00"},
                ],
            },
        ),
        201,
    )
    assert draft["status"] == "draft" and draft["number"] is None
    assert (draft["customer_name"], draft["customer_nit"]) == ("Ferretería El Martillo", good_nit)
    totals = [(ln["line_number"], ln["total_amount"], ln["base_amount"], ln["tax_amount"]) for ln in draft["lines"]]
    # 3 × 85.50 = 256.50 -> base 229.02 (256.50/1.12 = 229.0178…), IVA 27.48
    # 649.99 − 50.00 = 599.99 -> base 535.71 (535.7053…), IVA 64.28
    # 2.5 × 120.00 = 300.00 -> base 267.86 (267.857…), IVA 32.14
    assert totals == [
        (1, "256.50", "229.02", "27.48"),
        (2, "599.99", "535.71", "64.28"),
        (3, "300.00", "267.86", "32.14"),
    ]
    assert (draft["subtotal"], draft["tax_total"], draft["total"]) == ("1032.59", "123.90", "1156.49")

    # Issuing gives number 1 of series A.
    issued = ok(client.post(f"/api/v1/invoices/{draft['id']}/issue"))
    assert issued["status"] == "issued"
    assert (issued["series_code"], issued["number"], issued["full_number"]) == ("A", 1, "A-00000001")
    assert issued["customer_nit"] == good_nit
    assert ok(client.get(f"/api/v1/products/{hammer['id']}"))["stock"] == "37.000000"

    # An issued invoice cannot be edited.
    edit = client.patch(f"/api/v1/invoices/{draft['id']}", json={"notes": "cambio"})
    assert edit.status_code == 409
    assert "nota de crédito" in edit.json()["error"]["message"]

    # The PDF shows the same figures.
    pdf = client.get(f"/api/v1/invoices/{draft['id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.content)
    for figure in ("Q1,032.59", "Q123.90", "Q1,156.49", "A-00000001", good_nit):
        assert figure in text, figure
    assert "mil ciento cincuenta y seis quetzales con 49/100" in text.lower()

    # A payment split over two methods -> partially paid.
    payment = ok(
        client.post(
            f"/api/v1/invoices/{draft['id']}/payments",
            json={
                "splits": [
                    {"method": "cash", "amount": "300.00"},
                    {"method": "credit_card", "amount": "200.00", "reference": "VISA 4242"},
                ]
            },
        ),
        201,
    )
    assert payment["amount"] == "500.00"
    assert (payment["invoice_status"], payment["invoice_balance"]) == ("partially_paid", "656.49")

    # A credit note for one returned hammer: a third of line 1.
    note = ok(
        client.post(
            f"/api/v1/invoices/{draft['id']}/credit-notes",
            json={"reason": "Devolución de un martillo", "items": [{"line_number": 1, "quantity": "1"}]},
        ),
        201,
    )
    assert (note["document_type"], note["full_number"], note["total"]) == ("credit_note", "NC-00000001", "85.50")
    assert ok(client.get(f"/api/v1/products/{hammer['id']}"))["stock"] == "38.000000"
    note_pdf = pdf_text(client.get(f"/api/v1/invoices/{note['id']}/pdf").content)
    for figure in ("NOTA DE CRÉDITO", "NC-00000001", "A-00000001", "Devolución de un martillo", "Q85.50"):
        assert figure in note_pdf, figure
    after_note = ok(client.get(f"/api/v1/invoices/{draft['id']}"))
    assert (after_note["credited_total"], after_note["balance"]) == ("85.50", "570.99")

    # Overpaying is refused with the balance in the message.
    over = client.post(
        f"/api/v1/invoices/{draft['id']}/payments", json={"splits": [{"method": "cash", "amount": "571.00"}]}
    )
    assert over.status_code == 422
    assert "excede el saldo pendiente de Q570.99" in over.json()["error"]["message"]

    # The final payment -> paid.
    final = ok(
        client.post(
            f"/api/v1/invoices/{draft['id']}/payments",
            json={"splits": [{"method": "bank_transfer", "amount": "570.99", "reference": "BI 99812"}]},
        ),
        201,
    )
    assert (final["invoice_status"], final["invoice_balance"]) == ("paid", "0.00")
    assert Decimal(issued["total"]) - Decimal("85.50") - Decimal("500.00") - Decimal("570.99") == 0

    # Voiding an invoice with payments is refused.
    void = client.post(f"/api/v1/invoices/{draft['id']}/void", json={"reason": "error de captura"})
    assert void.status_code == 409
    assert "pagos" in void.json()["error"]["message"]

    # The history shows every step, in order.
    history = ok(client.get(f"/api/v1/invoices/{draft['id']}/history"))
    actions = [(h["entity_type"], h["action"]) for h in history]
    assert actions == [
        ("invoice", "draft_created"),
        ("product", "stock_moved"),
        ("invoice", "issued"),
        ("payment", "registered"),
        ("invoice", "payment_applied"),
        ("product", "stock_moved"),
        ("invoice", "credit_note_issued"),
        ("invoice", "credit_note_applied"),
        ("payment", "registered"),
        ("invoice", "payment_applied"),
    ]
    statuses = [h["after"].get("status") for h in history if h["action"].endswith("_applied")]
    assert statuses == ["partially_paid", "partially_paid", "paid"]
    assert all(h["actor_name"] for h in history)
