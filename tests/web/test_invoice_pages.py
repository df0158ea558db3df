"""The invoice pages: the list and its filters, the draft editor (with the server's totals preview
and inline errors), issuing, split payments, voiding, credit notes, the PDF download, the history
timeline, and who may do what."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import DraftIn, LineIn
from facturo.kit import clock
from facturo.kit.access import Role
from tests.conftest import RollbackDatabase
from tests.factories import ACTOR, make_customer, make_draft, make_issued, make_product
from tests.web.conftest import PASSWORD, Browser, make_user


def _customer(db: RollbackDatabase, name: str = "Librería Progreso") -> int:
    with db.unit_of_work() as session:
        return make_customer(session, name=name).id


def _issued(db: RollbackDatabase, total: str = "112.00") -> int:
    with db.unit_of_work() as session:
        return make_issued(session, total).id


def _draft(db: RollbackDatabase) -> int:
    with db.unit_of_work() as session:
        return make_draft(session).id


def _line(**values: str) -> dict[str, str]:
    line = {
        "line_product": "",
        "line_description": "",
        "line_unit": "",
        "line_quantity": "1",
        "line_unit_price": "",
        "line_discount": "",
        "line_tax_rate": "",
        "line_includes": "",
    }
    line.update({f"line_{key}": value for key, value in values.items()})
    return line


def _editor_form(customer_id: int | str, *lines: dict[str, str], **header: str) -> dict[str, object]:
    form: dict[str, object] = {"customer_id": str(customer_id), "due_date": "", "notes": "", "action": "save"}
    form.update(header)
    for name in _line():
        form[name] = [line[name] for line in lines]
    return form


def _id_from(response: object) -> int:
    location = response.headers["location"]  # type: ignore[attr-defined]
    match = re.fullmatch(r"/invoices/(\d+)", location)
    assert match, location
    return int(match.group(1))


def _flash_then(browser: Browser, response: object) -> str:
    assert response.status_code == 303, response.text[:800]  # type: ignore[attr-defined]
    return str(browser.get(response.headers["location"]).text)  # type: ignore[attr-defined]


def test_draft_issue_and_a_payment_split_over_two_methods(admin: Browser, db: RollbackDatabase) -> None:
    customer_id = _customer(db)
    created = admin.post(
        "/invoices",
        _editor_form(customer_id, _line(description="Resmas de papel", quantity="2", unit_price="56.00")),
    )
    invoice_id = _id_from(created)
    draft = _flash_then(admin, created)
    assert "El borrador se guardó." in draft
    assert "Borrador" in draft and "Q112.00" in draft and "Resmas de papel" in draft

    issued = _flash_then(admin, admin.post(f"/invoices/{invoice_id}/issue"))
    assert "La factura A-00000001 se emitió." in issued
    assert 'class="badge issued"' in issued

    form = admin.get(f"/invoices/{invoice_id}/payments/new")
    assert form.status_code == 200 and 'value="112.00"' in form.text  # the balance is offered
    paid = admin.post(
        f"/invoices/{invoice_id}/payments",
        {
            "received_on": "",
            "split_method": ["cash", "credit_card", "bank_transfer"],
            "split_amount": ["50.00", "62.00", ""],
            "split_reference": ["", "VISA 4242", ""],
        },
    )
    page = _flash_then(admin, paid)
    assert "Se registró un pago de Q112.00." in page
    assert 'class="badge paid">Pagada' in page
    assert "Efectivo: Q50.00" in page and "Tarjeta de crédito: Q62.00 (VISA 4242)" in page
    assert re.search(r"data-paid><[^>]*>?Q112.00|data-paid>Q112.00", page)
    assert "Registrar un pago" not in page  # nothing left to pay


def test_the_preview_returns_the_servers_rounded_totals(admin: Browser) -> None:
    form = _editor_form(
        "",
        _line(description="Servicio", quantity="3", unit_price="33.333", discount="0.50"),
        _line(description="Tornillos", quantity="2", unit_price="10.005", includes="no"),
        _line(),  # an untouched row counts for nothing
    )
    form.pop("action")
    # The script sends the token in the header, not in the form.
    response = admin.client.post("/invoices/preview", data=form, headers={"X-CSRF-Token": admin.csrf()})
    assert response.status_code == 200, response.text
    data = response.json()
    # 3 × 33.333 − 0.50 = 99.499 → 99.50 (IVA included: base 88.84, IVA 10.66);
    # 2 × 10.005 = 20.01 (IVA added: 2.4012 → 2.40, total 22.41).
    assert data["lines"][0]["amounts"] == {"base": "88.84", "tax": "10.66", "total": "99.50"}
    assert data["lines"][1]["amounts"] == {"base": "20.01", "tax": "2.40", "total": "22.41"}
    assert data["lines"][2]["amounts"] is None
    assert data["totals"] == {"subtotal": "108.85", "tax": "13.06", "total": "121.91"}
    assert data["shown"]["total"] == "Q121.91"

    bad = _editor_form("", _line(description="Servicio", quantity="tres", unit_price="10"))
    answer = admin.client.post("/invoices/preview", data=bad, headers={"X-CSRF-Token": admin.csrf()}).json()
    assert answer["lines"][0]["errors"] == {"quantity": "Escriba un número, por ejemplo 1234.50."}
    assert answer["totals"]["total"] == "0.00"
    assert admin.client.post("/invoices/preview", data=bad).status_code == 403  # no token, no preview


def test_a_bad_quantity_is_shown_inline_with_the_input_kept(admin: Browser, db: RollbackDatabase) -> None:
    customer_id = _customer(db)
    response = admin.post(
        "/invoices",
        _editor_form(
            customer_id,
            _line(description="Cuadernos", quantity="3", unit_price="15.00"),
            _line(description="Lápices <b>", quantity="dos", unit_price="2.50"),
        ),
    )
    assert response.status_code == 422
    page = response.text
    assert 'role="alert"' in page and "Corrija los campos marcados." in page
    quantity = re.search(r'<input id="l1-quantity"[^>]*>', page, re.S)
    assert quantity and 'value="dos"' in quantity.group(0) and 'aria-invalid="true"' in quantity.group(0)
    assert "Escriba un número, por ejemplo 1234.50." in page
    assert 'value="Lápices &lt;b&gt;"' in page and 'value="Cuadernos"' in page  # every input kept, escaped
    assert f'<option value="{customer_id}" selected>' in page
    assert "Q45.00" in page  # the good line is still totalled
    assert "Cuadernos" not in admin.get("/invoices").text  # nothing was saved


def test_service_errors_land_on_their_line(admin: Browser, db: RollbackDatabase) -> None:
    customer_id = _customer(db)
    response = admin.post(
        "/invoices",
        _editor_form(
            customer_id,
            _line(description="Bien", quantity="1", unit_price="10.00"),
            _line(description="Descuento excesivo", quantity="1", unit_price="10.00", discount="11.00"),
        ),
    )
    assert response.status_code == 422
    discount = re.search(r'<input id="l1-discount"[^>]*>', response.text, re.S)
    assert discount and 'aria-invalid="true"' in discount.group(0) and 'value="11.00"' in discount.group(0)
    assert "Línea 2: el descuento (11.00) supera el importe de la línea." in response.text

    no_customer = admin.post("/invoices", _editor_form("", _line(description="X", unit_price="1")))
    assert no_customer.status_code == 422 and "Elija un cliente." in no_customer.text


def test_products_fill_the_line_and_the_lookup_finds_them(admin: Browser, db: RollbackDatabase) -> None:
    customer_id = _customer(db)
    with db.unit_of_work() as session:
        product = make_product(session, "25.50", code="CAF-500", name="Café de Antigua 500 g")
        code = product.code
    lookup = admin.get("/invoices/products", params={"q": "antigua"}).json()
    assert [p["code"] for p in lookup] == [code] and lookup[0]["unit_price"] == "25.50"

    preview = admin.client.post(
        "/invoices/preview",
        data=_editor_form(customer_id, _line(product="caf-500", quantity="4")),
        headers={"X-CSRF-Token": admin.csrf()},
    ).json()
    assert preview["lines"][0]["placeholders"]["description"] == "Café de Antigua 500 g"
    assert preview["totals"]["total"] == "102.00"

    unknown = admin.post("/invoices", _editor_form(customer_id, _line(product="NO-EXISTE", quantity="1")))
    assert unknown.status_code == 422 and "Ningún producto tiene este código." in unknown.text

    created = admin.post("/invoices", _editor_form(customer_id, _line(product=code, quantity="4")))
    page = _flash_then(admin, created)
    assert "Café de Antigua 500 g" in page and "Q102.00" in page


def test_the_editor_works_without_javascript(admin: Browser, db: RollbackDatabase) -> None:
    customer_id = _customer(db)
    new = admin.get("/invoices/new")
    assert new.status_code == 200
    assert 'src="/static/invoice-editor.js"' in new.text and 'name="action" value="recalculate"' in new.text
    assert new.text.count("<tr data-line>") == 2  # one row, plus the script's template

    one = _line(description="Servicio", quantity="2", unit_price="100.00")
    added = admin.post("/invoices", _editor_form(customer_id, one, action="add_line"))
    assert added.status_code == 200 and added.text.count("<tr data-line>") == 3
    assert "Q200.00" in added.text  # recalculated on the server

    two = _line(description="Otro", quantity="1", unit_price="12.00")
    removed = admin.post("/invoices", _editor_form(customer_id, one, two, action="remove:1"))
    assert removed.status_code == 200 and 'value="Otro"' in removed.text and 'value="Servicio"' not in removed.text
    assert re.search(r'data-total="total"><strong>Q12.00<', removed.text)

    found = admin.post("/invoices", _editor_form("", one, action="find_customer", customer_q="progreso"))
    assert found.status_code == 200 and "Librería Progreso" in found.text
    assert "Cuadernos" not in admin.get("/invoices").text


def test_a_draft_is_edited_and_deleted_but_an_issued_invoice_is_not(admin: Browser, db: RollbackDatabase) -> None:
    draft_id = _draft(db)
    edit = admin.get(f"/invoices/{draft_id}/edit")
    assert edit.status_code == 200 and 'value="Servicio"' in edit.text and 'value="112.00"' in edit.text
    customer = re.search(r'<option value="(\d+)" selected>', edit.text)
    assert customer
    saved = admin.post(
        f"/invoices/{draft_id}",
        _editor_form(customer.group(1), _line(description="Servicio", quantity="3", unit_price="112.00")),
    )
    assert "Q336.00" in _flash_then(admin, saved)

    deleted = admin.post(f"/invoices/{draft_id}/delete")
    assert "El borrador se eliminó." in _flash_then(admin, deleted)
    assert admin.get(f"/invoices/{draft_id}").status_code == 404

    issued_id = _issued(db)
    refused = admin.get(f"/invoices/{issued_id}/edit")
    assert "Solo los borradores pueden modificarse" in _flash_then(admin, refused)
    assert admin.post(f"/invoices/{issued_id}/delete").status_code == 409


def test_a_refused_issue_keeps_the_draft_and_wastes_no_number(admin: Browser, db: RollbackDatabase) -> None:
    customer_id = _customer(db)
    empty_id = _id_from(admin.post("/invoices", _editor_form(customer_id)))
    refused = admin.post(f"/invoices/{empty_id}/issue")
    page = _flash_then(admin, refused)
    assert "La factura no tiene líneas." in page and 'class="badge draft"' in page
    full_id = _id_from(admin.post("/invoices", _editor_form(customer_id, _line(description="A", unit_price="5"))))
    assert "La factura A-00000001 se emitió." in _flash_then(admin, admin.post(f"/invoices/{full_id}/issue"))


def test_void_needs_a_reason(admin: Browser, db: RollbackDatabase) -> None:
    invoice_id = _issued(db)
    assert "Motivo" in admin.get(f"/invoices/{invoice_id}/void").text
    short = admin.post(f"/invoices/{invoice_id}/void", {"reason": "no"})
    assert short.status_code == 422 and 'aria-invalid="true"' in short.text and ">no</textarea>" in short.text
    voided = admin.post(f"/invoices/{invoice_id}/void", {"reason": "NIT del cliente equivocado"})
    page = _flash_then(admin, voided)
    assert "se anuló" in page and 'class="badge void">Anulada' in page
    assert "NIT del cliente equivocado" in page
    assert "Registrar un pago" not in page and f"/invoices/{invoice_id}/void" not in page


def test_a_credit_note_for_part_of_a_line(admin: Browser, db: RollbackDatabase) -> None:
    customer_id = _customer(db)
    invoice_id = _id_from(
        admin.post(
            "/invoices", _editor_form(customer_id, _line(description="Sillas", quantity="4", unit_price="56.00"))
        )
    )
    admin.post(f"/invoices/{invoice_id}/issue")

    form = admin.get(f"/invoices/{invoice_id}/credit-note")
    assert form.status_code == 200 and "como máximo 4" in form.text
    too_many = admin.post(
        f"/invoices/{invoice_id}/credit-note",
        {"kind": "items", "reason": "Devolución", "line_number": ["1"], "credit_quantity": ["5"]},
    )
    assert too_many.status_code == 422
    assert "Línea 1: se pueden acreditar como máximo 4 unidades" in too_many.text
    assert re.search(r'<input id="c1"[^>]*value="5"[^>]*aria-invalid="true"', too_many.text, re.S)

    nothing = admin.post(f"/invoices/{invoice_id}/credit-note", {"kind": "items", "reason": "Devolución"})
    assert nothing.status_code == 422 and "Elija un crédito total" in nothing.text

    done = admin.post(
        f"/invoices/{invoice_id}/credit-note",
        {"kind": "items", "reason": "Devolución de una silla", "line_number": ["1"], "credit_quantity": ["1"]},
    )
    page = _flash_then(admin, done)
    assert "La nota de crédito NC-00000001 se emitió." in page
    assert "Devolución de una silla" in page and "Q56.00" in page
    assert 'class="badge partially_paid"' not in page and "Q168.00" in page  # balance 224 − 56


def test_pdf_download_is_the_apis_pdf(admin: Browser, db: RollbackDatabase) -> None:
    invoice_id = _issued(db, "1234.50")
    response = admin.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="A-00000001.pdf"'
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Q1,234.50" in text

    token = admin.client.post("/api/v1/auth/login", json={"email": "admin@web.test", "password": PASSWORD})
    api = admin.client.get(
        f"/api/v1/invoices/{invoice_id}/pdf", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert api.status_code == 200 and api.content == response.content


def test_the_history_timeline(admin: Browser, db: RollbackDatabase) -> None:
    customer_id = _customer(db)
    invoice_id = _id_from(admin.post("/invoices", _editor_form(customer_id, _line(description="A", unit_price="80"))))
    admin.post(f"/invoices/{invoice_id}/issue")
    admin.post(
        f"/invoices/{invoice_id}/payments",
        {"split_method": ["cash"], "split_amount": ["30"], "split_reference": [""], "received_on": ""},
    )
    page = admin.get(f"/invoices/{invoice_id}").text
    actions = re.findall(r'<li data-action="(\w+)">', page)
    assert actions == ["payment_applied", "registered", "issued", "draft_created"]  # newest first
    assert "Borrador creado" in page and "Pago registrado" in page and "Admin" in page
    assert "Emitida → Pagada parcialmente" in page


def test_payment_errors_are_inline_and_a_payment_can_be_reversed(admin: Browser, db: RollbackDatabase) -> None:
    invoice_id = _issued(db, "100.00")
    too_much = admin.post(
        f"/invoices/{invoice_id}/payments",
        {"split_method": ["cash", "cheque"], "split_amount": ["60", "60"], "split_reference": ["", "123"]},
    )
    assert too_much.status_code == 422
    assert "El pago de Q120.00 excede el saldo pendiente de Q100.00" in too_much.text
    assert 'value="60"' in too_much.text and 'value="123"' in too_much.text

    bad = admin.post(
        f"/invoices/{invoice_id}/payments",
        {"split_method": ["", "cash"], "split_amount": ["10", "-5"], "split_reference": ["", ""]},
    )
    assert bad.status_code == 422
    assert re.search(r'<select id="s0-method"[^>]*aria-invalid="true"', bad.text, re.S)
    assert re.search(r'<input id="s1-amount"[^>]*aria-invalid="true"', bad.text, re.S)
    assert "Debe ser mayor que cero." in bad.text

    future = (clock.today("America/Guatemala") + timedelta(days=3)).isoformat()
    later = admin.post(
        f"/invoices/{invoice_id}/payments",
        {"split_method": ["cash"], "split_amount": ["10"], "split_reference": [""], "received_on": future},
    )
    assert later.status_code == 422 and "está en el futuro" in later.text

    paid = admin.post(
        f"/invoices/{invoice_id}/payments",
        {"split_method": ["bank_transfer"], "split_amount": ["100"], "split_reference": [""]},
    )
    page = _flash_then(admin, paid)
    payment_id = int(re.search(r'data-payment="(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert admin.post(f"/payments/{payment_id}/reverse", {"reason": "x"}).status_code == 422
    reversed_ = admin.post(f"/payments/{payment_id}/reverse", {"reason": "Transferencia rechazada"})
    page = _flash_then(admin, reversed_)
    assert "Se revirtió el pago de Q100.00." in page
    assert "Revertido" in page and "Transferencia rechazada" in page and 'class="badge issued"' in page


def test_the_list_filters_by_status_dates_and_overdue(admin: Browser, db: RollbackDatabase) -> None:
    today = clock.today("America/Guatemala")
    with db.unit_of_work() as session:
        customer = make_customer(session, name="Ferretería Central")
        other = make_customer(session, name="Panadería Sol")
        lines = [LineIn(description="Clavos", quantity=Decimal(1), unit_price=Decimal("50.00"))]
        old = invoicing.create_draft(session, ACTOR, DraftIn(customer_id=customer.id, lines=lines))
        invoicing.issue_invoice(session, ACTOR, old.id, today - timedelta(days=60))
        recent = invoicing.create_draft(session, ACTOR, DraftIn(customer_id=other.id, lines=lines))
        invoicing.issue_invoice(session, ACTOR, recent.id, today)
        draft = invoicing.create_draft(session, ACTOR, DraftIn(customer_id=other.id, lines=lines))
        ids = {"old": old.id, "recent": recent.id, "draft": draft.id}
        customer_id = customer.id

    def listed(**params: str) -> set[int]:
        page = admin.get("/invoices", params=params)
        assert page.status_code == 200, page.text[:500]
        return {int(i) for i in re.findall(r'<tr data-invoice="(\d+)">', page.text)}

    assert listed() == set(ids.values())
    assert listed(status="draft") == {ids["draft"]}
    assert listed(status="issued") == {ids["old"], ids["recent"]}
    since = (today - timedelta(days=7)).isoformat()
    assert listed(**{"from": since}) == {ids["recent"]}
    assert listed(**{"to": since}) == {ids["old"]}
    assert listed(customer=str(customer_id)) == {ids["old"]}
    assert listed(overdue="1") == {ids["old"]}
    assert 'class="badge overdue">Vencida' in admin.get("/invoices").text

    wrong = admin.get("/invoices", params={"from": "2024-13-45", "status": "perdida"})
    assert wrong.status_code == 422
    assert re.search(r'<input id="f-from"[^>]*value="2024-13-45"[^>]*aria-invalid="true"', wrong.text, re.S)
    assert "Escriba una fecha válida." in wrong.text


def test_the_list_pages_by_fifty(admin: Browser, db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        customer = make_customer(session)
        for _ in range(51):
            make_draft(session, customer)
    first = admin.get("/invoices").text
    assert first.count("<tr data-invoice=") == 50 and "Página 1 de 2" in first
    second = admin.get("/invoices", params={"page": "2"}).text
    assert second.count("<tr data-invoice=") == 1


def test_an_auditor_reads_but_cannot_act(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    draft_id = _draft(db)
    issued_id = _issued(db)
    make_user(db, "auditora@web.test", Role.AUDITOR)
    browser.login("auditora@web.test")
    draft = browser.get(f"/invoices/{draft_id}").text
    assert f"/invoices/{draft_id}/issue" not in draft and f"/invoices/{draft_id}/edit" not in draft
    assert "Emitir" not in draft and "Eliminar borrador" not in draft
    issued = browser.get(f"/invoices/{issued_id}").text
    assert f"/invoices/{issued_id}/void" not in issued and "Registrar un pago" not in issued
    assert "Historial" in issued and "Descargar PDF" in issued
    assert "Nueva factura" not in browser.get("/invoices").text
    assert browser.post(f"/invoices/{draft_id}/issue").status_code == 403
    assert browser.post(f"/invoices/{issued_id}/void", {"reason": "Prueba de permisos"}).status_code == 403
    assert browser.get(f"/invoices/{draft_id}").text.count("Borrador") >= 1  # still a draft


def test_a_customer_user_is_sent_to_the_portal(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    with db.unit_of_work() as session:
        customer = make_customer(session)
        invoice_id = make_issued(session, customer=customer).id
    make_user(db, "cliente@web.test", Role.CUSTOMER, customer.id)
    browser.login("cliente@web.test")
    for url in ("/invoices", f"/invoices/{invoice_id}", f"/invoices/{invoice_id}/pdf", "/invoices/new"):
        response = browser.get(url)
        assert response.status_code == 403, url
        assert "Mis facturas" in response.text
    # Their role may read invoices, but not on these pages; and no action, even by a direct post.
    assert browser.post(f"/invoices/{invoice_id}/payments", {"split_amount": ["1"]}).status_code == 403


def test_english_pages(admin: Browser, db: RollbackDatabase) -> None:
    invoice_id = _issued(db)
    admin.post("/language", {"language": "en", "next": "/"})
    page = admin.get(f"/invoices/{invoice_id}").text
    assert "Register a payment" in page and "Issued" in page and "History" in page
    assert admin.get("/invoices/new").status_code == 200


HOSTILE = [
    *("", " ", "x" * 5000, "-1", "0", "99999999999999999999", "1e309", "NaN", "sNaN", "Infinity"),
    *("1e999999999", "1E-999999999", "²", "remove:²", "<script>", "💥", "\x00", "Q1,234.5"),
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_never_break_a_page(admin: Browser, db: RollbackDatabase, value: str) -> None:
    draft_id, issued_id = _draft(db), _issued(db)
    line_fields = {name: [value, value] for name in _line()}
    posts = [
        ("/invoices", {**line_fields, "customer_id": value, "due_date": value, "notes": value, "action": value}),
        ("/invoices/preview", line_fields),
        (f"/invoices/{draft_id}", {**line_fields, "customer_id": value, "due_date": value, "action": "save"}),
        (f"/invoices/{issued_id}/void", {"reason": value}),
        (
            f"/invoices/{issued_id}/credit-note",
            {
                "kind": value,
                "reason": value,
                "line_number": [value, "1"],
                "credit_quantity": [value, value],
                "amount_description": value,
                "amount": value,
            },
        ),
        (
            f"/invoices/{issued_id}/payments",
            {"split_method": [value], "split_amount": [value], "split_reference": [value], "received_on": value},
        ),
    ]
    for url, data in posts:
        response = admin.post(url, data)
        assert response.status_code < 500, (url, response.text[:300])
    for params in ({"status": value}, {"from": value, "to": value}, {"customer": value, "page": value}):
        assert admin.get("/invoices", params=params).status_code < 500
    assert admin.get("/invoices/products", params={"q": value}).status_code < 500
    assert admin.get(f"/invoices/{issued_id}").status_code == 200


def test_dates_show_in_the_users_language(admin: Browser, db: RollbackDatabase) -> None:
    invoice_id = _issued(db)
    today = clock.today("America/Guatemala")
    assert today.strftime("%d/%m/%Y") in admin.get(f"/invoices/{invoice_id}").text
    assert isinstance(today, date)
