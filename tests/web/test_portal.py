"""The customer portal: a customer sees its own invoices (with lines, payments, credit notes and the
PDF), its payments and its cloud consumption, and nothing of anyone else's: another customer's
invoice answers 404 exactly like an id that does not exist. Staff users are sent to the dashboard."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from facturo.customers import service as customers
from facturo.invoicing import payments as payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.payment_schemas import Method, PaymentIn, SplitIn
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn, DraftIn, LineIn
from facturo.kit.access import Role
from tests.conftest import RollbackDatabase
from tests.factories import ACTOR, make_customer, make_draft
from tests.usage.helpers import import_text
from tests.web.conftest import Browser, make_user

MISSING = 987_654
USAGE_CATALOG = """<archivoConfiguraciones>
  <listaRecursos>
    <recurso id="CPU"><nombre>CPU</nombre><abreviatura>CPU</abreviatura><metrica>vCPU</metrica>
      <tipo>Hardware</tipo><valorXhora>10.00</valorXhora></recurso>
  </listaRecursos>
  <listaCategorias><categoria id="C1"><nombre>Nube general</nombre><descripcion>d</descripcion>
    <cargaTrabajo>Media</cargaTrabajo><listaConfiguraciones>
      <configuracion id="K1"><nombre>Pequeña</nombre><descripcion>d</descripcion>
        <recursosConfiguracion><recurso id="CPU">2</recurso></recursosConfiguracion></configuracion>
    </listaConfiguraciones></categoria></listaCategorias>
  <listaClientes><cliente nit="576937-K"><nombre>Nube Chapina</nombre><usuario></usuario><clave></clave>
    <direccion>Zona 1</direccion><correoElectronico>c@example.com</correoElectronico><listaInstancias>
      <instancia id="VM1"><idConfiguracion>K1</idConfiguracion><nombre>Servidor web</nombre>
        <fechaInicio>01/01/2024</fechaInicio><estado>Vigente</estado><fechaFinal></fechaFinal></instancia>
    </listaInstancias></cliente></listaClientes>
</archivoConfiguraciones>"""
USAGE = """<listadoConsumos>
  <consumo nitCliente="576937-K" idInstancia="VM1"><tiempo>2.5</tiempo><fechaHora>10/06/2024 10:00</fechaHora></consumo>
  <consumo nitCliente="576937-K" idInstancia="VM1"><tiempo>0.5</tiempo><fechaHora>11/06/2024 08:00</fechaHora></consumo>
</listadoConsumos>"""


@dataclass(frozen=True)
class Portfolio:
    customer_id: int
    invoice_id: int  # paid in part, credited in part
    invoice_number: str
    open_id: int  # a second invoice, overdue
    open_number: str
    note_id: int
    note_number: str


def portfolio(session: Session, name: str, price: str, email: str) -> Portfolio:
    customer = make_customer(session, name=name, payment_terms_days=10)
    lines = [
        LineIn(description="Servicio mensual", quantity=Decimal(2), unit_price=Decimal(price)),
        LineIn(description="Instalación", quantity=Decimal(1), unit_price=Decimal("50.00")),
    ]
    invoice = invoicing.issue_invoice(session, ACTOR, make_draft(session, customer, lines).id, date(2024, 6, 10))
    # Due two days after issue, so it is overdue by "today" (14/06) while series A stays chronological.
    support = [LineIn(description="Soporte", quantity=Decimal(1), unit_price=Decimal(70))]
    older = invoicing.create_draft(
        session, ACTOR, DraftIn(customer_id=customer.id, due_date=date(2024, 6, 12), lines=support)
    )
    overdue = invoicing.issue_invoice(session, ACTOR, older.id, date(2024, 6, 10))
    payments.register_payment(
        session,
        ACTOR,
        invoice.id,
        PaymentIn(
            splits=[
                SplitIn(method=Method.CASH, amount=Decimal("10.00")),
                SplitIn(method=Method.BANK_TRANSFER, amount=Decimal("15.00"), reference="TRF-778"),
            ]
        ),
    )
    note = invoicing.create_credit_note(
        session,
        ACTOR,
        invoice.id,
        CreditNoteIn(reason="Devolución de la instalación", items=[CreditItemIn(line_number=2, quantity=Decimal(1))]),
    )
    return Portfolio(
        customer.id,
        invoice.id,
        invoice.full_number or "",
        overdue.id,
        overdue.full_number or "",
        note.id,
        note.full_number or "",
    )


@pytest.fixture
def two(frozen_clock: None, db: RollbackDatabase, organisation: None) -> dict[str, Portfolio]:
    with db.unit_of_work() as session:
        found = {
            "A": portfolio(session, "Panadería La Espiga", "150.00", "a@portal.test"),
            "B": portfolio(session, "Farmacia San Rafael", "80.00", "b@portal.test"),
        }
    make_user(db, "a@portal.test", Role.CUSTOMER, found["A"].customer_id)
    make_user(db, "b@portal.test", Role.CUSTOMER, found["B"].customer_id)
    return found


def signed_in(browser: Browser, email: str) -> Browser:
    browser.client.cookies.clear()
    assert browser.login(email).status_code == 303
    return browser


def test_the_list_shows_only_the_customers_own_documents(browser: Browser, two: dict[str, Portfolio]) -> None:
    a, b = two["A"], two["B"]
    page = signed_in(browser, "a@portal.test").get("/portal")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Panadería La Espiga</h1>" in text and 'aria-current="page">Mis facturas' in text
    assert a.invoice_number in text and a.open_number in text and a.note_number in text
    assert b.invoice_number not in text and b.open_number not in text and "Farmacia" not in text
    rows = re.findall(r"<tr>\s*<td><a href=\"/portal/invoices/(\d+)\">", text)
    assert sorted(int(r) for r in rows) == sorted([a.invoice_id, a.open_id, a.note_id])
    # 2 × 150 + 50 = 350, paid 25, credited 50 -> 275 left; the other invoice 70, overdue since 12/06.
    assert "Pagada parcialmente" in text and "Vencida" in text and "Nota de crédito" in text
    assert "Q350.00" in text and "Q275.00" in text
    assert re.search(r'id="balance-due".*?Q345.00', text, re.S)  # 275 + 70
    assert re.search(r'id="overdue".*?Q70.00', text, re.S)
    assert f'href="/portal/invoices/{a.invoice_id}/pdf"' in text
    # The menu is the portal's: no staff pages.
    assert 'href="/dashboard"' not in text and 'href="/customers"' not in text


def test_one_invoice_with_its_lines_payments_and_credit_notes(browser: Browser, two: dict[str, Portfolio]) -> None:
    a = two["A"]
    page = signed_in(browser, "a@portal.test").get(f"/portal/invoices/{a.invoice_id}").text
    assert f"Factura {a.invoice_number}" in page and "Pagada parcialmente" in page
    assert "Servicio mensual" in page and "Instalación" in page and "Q300.00" in page
    assert "10/06/2024" in page and "20/06/2024" in page  # issue and due date (10 days)
    payments_table = page.split('id="payments"', 1)[1].split("</table>", 1)[0]
    assert "14/06/2024" in payments_table and "Efectivo Q10.00; Transferencia bancaria Q15.00" in payments_table
    assert "Q25.00" in payments_table and "Recibido" in payments_table
    notes_table = page.split('id="credit-notes"', 1)[1].split("</table>", 1)[0]
    assert a.note_number in notes_table and "Devolución de la instalación" in notes_table and "Q50.00" in notes_table
    assert re.search(r'id="doc-balance">Q275.00<', page)

    note = browser.get(f"/portal/invoices/{a.note_id}").text
    assert f"Nota de crédito {a.note_number}" in note and "Acredita la factura" in note
    assert f'href="/portal/invoices/{a.invoice_id}"' in note


def test_the_pdf_downloads_with_the_cookie_session(browser: Browser, two: dict[str, Portfolio]) -> None:
    a = two["A"]
    response = signed_in(browser, "a@portal.test").get(f"/portal/invoices/{a.invoice_id}/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f'filename="{a.invoice_number}.pdf"' in response.headers["content-disposition"]


def test_another_customers_invoice_is_answered_like_a_missing_one(browser: Browser, two: dict[str, Portfolio]) -> None:
    a, b = two["A"], two["B"]
    signed_in(browser, "a@portal.test")
    for url in ("/portal/invoices/{}", "/portal/invoices/{}/pdf"):
        for object_id in (b.invoice_id, b.note_id, b.open_id):
            other = browser.get(url.format(object_id))
            missing = browser.get(url.format(MISSING))
            assert (other.status_code, missing.status_code) == (404, 404), url
            assert other.text == missing.text.replace(str(MISSING), str(object_id))
            assert "Farmacia" not in other.text and b.invoice_number not in other.text
    # And the other way round, B never sees A's.
    signed_in(browser, "b@portal.test")
    assert browser.get(f"/portal/invoices/{a.invoice_id}").status_code == 404
    assert browser.get(f"/portal/invoices/{a.invoice_id}/pdf").status_code == 404
    assert browser.get(f"/portal/invoices/{b.invoice_id}").status_code == 200


def test_the_payments_page(browser: Browser, two: dict[str, Portfolio]) -> None:
    a = two["A"]
    page = signed_in(browser, "a@portal.test").get("/portal/payments").text
    table = page.split('id="payments"', 1)[1].split("</table>", 1)[0]
    assert a.invoice_number in table and "Q25.00" in table
    assert "Transferencia bancaria (TRF-778)" in table and "Efectivo" in table
    assert two["B"].invoice_number not in page and "Q15.00" not in table  # the split amounts are not the total


def test_cloud_consumption(browser: Browser, db: RollbackDatabase, frozen_clock: None, organisation: None) -> None:
    with db.unit_of_work() as session:
        import_text(session, USAGE_CATALOG)
        import_text(session, USAGE)
        customer = customers.find_by_nits(session, ["576937-K"])["576937-K"]
        other = make_customer(session, name="Sin nube")
    make_user(db, "nube@portal.test", Role.CUSTOMER, customer.id)
    make_user(db, "sin@portal.test", Role.CUSTOMER, other.id)
    page = signed_in(browser, "nube@portal.test").get("/portal/consumption").text
    table = page.split('id="instances"', 1)[1].split("</table>", 1)[0]
    assert "VM1 · Servidor web" in table and "K1" in table and "Vigente" in table and "01/01/2024" in table
    # 3 hours at 2 × 10.00 an hour.
    assert re.search(r'<td class="num">2</td>\s*<td class="num">3</td>\s*<td class="num">Q60.00</td>', table)
    assert 'id="unbilled-total">Q60.00<' in table

    browser.post("/language", {"language": "en", "next": "/portal/consumption"})
    english = browser.get("/portal/consumption").text
    assert "Cloud consumption" in english and "In force" in english and "2024-01-01" in english

    empty = signed_in(browser, "sin@portal.test").get("/portal/consumption").text
    assert "No tiene instancias en la nube." in empty and "VM1" not in empty


def test_the_portal_in_english(browser: Browser, two: dict[str, Portfolio]) -> None:
    a = two["A"]
    signed_in(browser, "a@portal.test")
    browser.post("/language", {"language": "en", "next": "/portal"})
    listing = browser.get("/portal").text
    assert 'lang="en"' in listing and "Partially paid" in listing and "Balance due" in listing
    assert "2024-06-10" in listing and "Credit note" in listing
    detail = browser.get(f"/portal/invoices/{a.invoice_id}").text
    assert f"Invoice {a.invoice_number}" in detail and "Cash Q10.00; Bank transfer Q15.00" in detail
    assert "Download PDF" in detail and "Credit notes" in detail


def test_staff_are_sent_to_the_dashboard(admin: Browser) -> None:
    for url in ("/portal", "/portal/invoices/1", "/portal/invoices/1/pdf", "/portal/payments", "/portal/consumption"):
        response = admin.get(url)
        assert response.status_code == 303 and response.headers["location"] == "/dashboard", url


def test_customers_land_on_the_portal(browser: Browser, two: dict[str, Portfolio]) -> None:
    response = signed_in(browser, "a@portal.test")
    assert browser.get("/").headers["location"] == "/portal"
    assert response.get("/dashboard").headers["location"] == "/portal"


def test_the_sellers_drafts_are_not_in_the_portal(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    from tests.factories import make_customer, make_draft

    with db.unit_of_work() as session:
        customer = make_customer(session, name="Cliente con borrador")
        draft_id = make_draft(session, customer).id
        customer_id = customer.id
    make_user(db, "borrador@web.test", Role.CUSTOMER, customer_id)
    browser.login("borrador@web.test")
    assert browser.get(f"/portal/invoices/{draft_id}").status_code == 404
    assert f"/portal/invoices/{draft_id}" not in browser.get("/portal").text
