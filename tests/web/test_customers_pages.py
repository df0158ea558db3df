"""Customer pages as a user sees them: list and search, create and edit with inline errors that keep
what was typed, deactivate and activate, and the history of every change with its author."""

from __future__ import annotations

import re

from facturo.customers import service as customers
from facturo.kit.access import Role
from facturo.kit.pagination import PageParams
from tests.conftest import RollbackDatabase
from tests.factories import make_customer, valid_nit
from tests.web.conftest import Browser, make_user
from tests.web.test_page_access import HOSTILE

CUSTOMER_ID = re.compile(r"^/customers/(\d+)$")


def _create(admin: Browser, **fields: str) -> int:
    data = {"nit": valid_nit(), "name": "Ferretería El Martillo", "address": "Zona 1", "payment_terms_days": "30"}
    response = admin.post("/customers/new", data | fields)
    assert response.status_code == 303, response.text[:500]
    found = CUSTOMER_ID.match(response.headers["location"])
    assert found is not None
    return int(found.group(1))


def test_a_wrong_nit_is_explained_inline_and_the_input_is_kept(admin: Browser) -> None:
    form = admin.get("/customers/new")
    assert form.status_code == 200
    assert 'for="f-nit"' in form.text and 'for="f-name"' in form.text
    wrong_digit = "1234567-1"

    refused = admin.post("/customers/new", {"nit": wrong_digit, "name": "Librería Cervantes", "address": "Zona 4"})

    assert refused.status_code == 422
    assert (
        f"El NIT {wrong_digit} no es válido: el dígito verificador no corresponde (para 1234567 debería ser 9)."
        in refused.text
    )
    assert 'value="Librería Cervantes"' in refused.text  # what was typed stays
    assert f'value="{wrong_digit}"' in refused.text
    assert 'aria-invalid="true" aria-describedby="e-nit"' in refused.text
    assert 'role="alert"' in refused.text
    assert "Ningún cliente coincide con «Cervantes»." in admin.get("/customers?q=Cervantes").text  # nothing saved


def test_other_wrong_fields_are_marked_too(admin: Browser) -> None:
    refused = admin.post(
        "/customers/new", {"nit": valid_nit(), "name": "", "email": "no-es-correo", "payment_terms_days": "treinta"}
    )
    assert refused.status_code == 422
    assert 'aria-describedby="e-name"' in refused.text and "Este campo es obligatorio." in refused.text
    assert 'aria-describedby="e-payment_terms_days"' in refused.text and "Escriba un número entero." in refused.text

    bad_email = admin.post("/customers/new", {"nit": valid_nit(), "name": "Con correo malo", "email": "no-es-correo"})
    assert bad_email.status_code == 422
    assert "El correo «no-es-correo» no es válido." in bad_email.text


def test_a_taken_nit_is_refused_with_the_existing_customer_named(admin: Browser) -> None:
    nit = valid_nit()
    _create(admin, nit=nit, name="Primero, S.A.")
    clash = admin.post("/customers/new", {"nit": nit, "name": "Segundo, S.A."})
    assert clash.status_code == 409
    assert f"Ya existe un cliente con NIT {nit}: Primero, S.A." in clash.text
    assert 'value="Segundo, S.A."' in clash.text


def test_create_list_search_and_open(admin: Browser) -> None:
    nit = valid_nit()
    created = admin.post("/customers/new", {"nit": nit, "name": "Panadería La Espiga", "payment_terms_days": "15"})
    assert created.status_code == 303
    page = admin.get(created.headers["location"])
    assert "Cliente Panadería La Espiga creado." in page.text  # the flash message
    assert nit in page.text and "15" in page.text

    listing = admin.get("/customers")
    assert listing.status_code == 200 and "Panadería La Espiga" in listing.text
    assert '<th scope="col">' in listing.text and 'aria-current="page"' in listing.text
    assert "Panadería La Espiga" in admin.get("/customers?q=espiga").text
    assert "Panadería La Espiga" in admin.get(f"/customers?q={nit}").text
    nothing = admin.get("/customers?q=zzzz-no-existe")
    assert "Panadería La Espiga" not in nothing.text and "Ningún cliente coincide" in nothing.text


def test_the_list_pages_by_fifty(admin: Browser, db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        for n in range(53):
            make_customer(session, name=f"Paginado {n:03d}")
    first = admin.get("/customers?q=Paginado")
    assert first.text.count("Paginado 0") == 50
    assert "Página 1 de 2" in first.text and 'href="/customers?cursor=' in first.text
    second = admin.get("/customers?page=2&q=Paginado")  # an old ?page=N link still opens its page
    assert "Paginado 052" in second.text and "Paginado 000" not in second.text
    assert admin.get("/customers?page=abc").status_code == 200  # a silly page number is the first page


def test_edit_and_history_show_who_changed_what(admin: Browser) -> None:
    customer_id = _create(admin, name="Farmacia Central", address="Zona 1")
    form = admin.get(f"/customers/{customer_id}/edit")
    assert 'value="Farmacia Central"' in form.text

    wrong = admin.post(f"/customers/{customer_id}/edit", {"nit": "123", "name": "Farmacia Central Norte"})
    assert wrong.status_code == 422 and 'value="Farmacia Central Norte"' in wrong.text

    saved = admin.post(
        f"/customers/{customer_id}/edit",
        {"nit": "CF", "name": "Farmacia Central Norte", "address": "Zona 18", "payment_terms_days": "45"},
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/customers/{customer_id}"

    page = admin.get(f"/customers/{customer_id}").text
    assert "Farmacia Central Norte" in page and "Zona 18" in page
    history = page[page.index("Historial") :]
    assert "Creado" in history and "Modificado" in history
    assert "por Admin" in history  # the actor: the signed-in user's name
    assert "<del>Zona 1</del> → <ins>Zona 18</ins>" in history
    assert "<del>30</del> → <ins>45</ins>" in history


def test_deactivate_and_activate(admin: Browser) -> None:
    customer_id = _create(admin, name="Distribuidora Alfa")
    off = admin.post(f"/customers/{customer_id}/deactivate")
    assert off.status_code == 303
    page = admin.get(f"/customers/{customer_id}").text
    assert "Cliente Distribuidora Alfa desactivado." in page
    assert "Activar cliente" in page and "Desactivar cliente" not in page
    assert "Distribuidora Alfa" in admin.get("/customers?status=inactive").text
    assert "Distribuidora Alfa" not in admin.get("/customers?status=active").text

    on = admin.post(f"/customers/{customer_id}/activate")
    assert on.status_code == 303
    history = admin.get(f"/customers/{customer_id}").text
    assert "Desactivado" in history and "Reactivado" in history


def test_pages_in_english_after_switching(admin: Browser) -> None:
    admin.post("/language", {"language": "en", "next": "/customers"})
    listing = admin.get("/customers")
    assert 'lang="en"' in listing.text and "New customer" in listing.text and "Search by name or NIT" in listing.text
    wrong = admin.post("/customers/new", {"nit": "1234567-1", "name": "English Ltd"})
    assert wrong.status_code == 422
    assert "NIT 1234567-1 is invalid: the check digit does not match (for 1234567 it should be 9)." in wrong.text
    customer_id = _create(admin, name="English Ltd")
    admin.post(f"/customers/{customer_id}/edit", {"nit": "CF", "name": "English Ltd", "phone": "2222-3333"})
    page = admin.get(f"/customers/{customer_id}").text
    assert "History" in page and "Created" in page and "Updated" in page and "by Admin" in page


def test_an_auditor_reads_but_cannot_change(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    with db.unit_of_work() as session:
        customer_id = make_customer(session, name="Solo Lectura, S.A.").id
    make_user(db, "auditor@web.test", Role.AUDITOR)
    browser.login("auditor@web.test")
    listing = browser.get("/customers")
    assert listing.status_code == 200 and "Solo Lectura, S.A." in listing.text
    assert "Nuevo cliente" not in listing.text and 'href="/customers/new"' not in listing.text
    detail = browser.get(f"/customers/{customer_id}")
    assert detail.status_code == 200 and "Historial" in detail.text
    assert "Editar cliente" not in detail.text and "Desactivar cliente" not in detail.text

    assert browser.get("/customers/new").status_code == 403
    direct = browser.post("/customers/new", {"nit": valid_nit(), "name": "Intruso"})
    assert direct.status_code == 403
    assert browser.post(f"/customers/{customer_id}/deactivate").status_code == 403
    with db.unit_of_work() as session:
        assert customers.search_customers(session, PageParams(), "Intruso").total == 0
        assert customers.get_customer(session, customer_id).active


def test_a_customer_user_cannot_reach_the_customers(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    with db.unit_of_work() as session:
        customer_id = make_customer(session).id
    make_user(db, "portal@web.test", Role.CUSTOMER, customer_id)
    browser.login("portal@web.test")
    assert browser.get("/customers").status_code == 403
    assert browser.get(f"/customers/{customer_id}").status_code == 403


def test_unknown_or_impossible_customers(admin: Browser) -> None:
    assert admin.get("/customers/999999").status_code == 404
    assert admin.get("/customers/99999999999999999999").status_code == 400
    assert admin.post("/customers/999999/deactivate").status_code == 404


def test_hostile_values_never_break_the_customer_forms(admin: Browser) -> None:
    customer_id = _create(admin)
    fields = ["nit", "name", "address", "email", "phone", "payment_terms_days"]
    for value in HOSTILE:
        for url in ("/customers/new", f"/customers/{customer_id}/edit"):
            response = admin.post(url, dict.fromkeys(fields, value))
            assert response.status_code in {303, 409, 422}, (url, value[:20], response.status_code)
        assert admin.get("/customers", params={"q": value, "page": value, "status": value}).status_code == 200


NEXT_LINK = re.compile(r'href="(/customers\?cursor=[^"]+)" rel="next"')


def test_the_next_link_walks_on_by_name_without_repeats(admin: Browser, db: RollbackDatabase) -> None:
    order = [(n * 37) % 60 for n in range(60)]  # created out of order: the list is by name
    with db.unit_of_work() as session:
        for n in order:
            make_customer(session, name=f"Cursorado {n:02d}")
    names = re.compile(r">(Cursorado \d\d)</a>")
    first = admin.get("/customers?q=Cursorado&status=active")
    assert "Página 1 de 2" in first.text and 'rel="first"' not in first.text
    link = NEXT_LINK.search(first.text)
    assert link is not None
    second = admin.get(link.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert names.findall(first.text) + names.findall(second.text) == [f"Cursorado {n:02d}" for n in range(60)]
    assert 'href="/customers?q=Cursorado&amp;status=active" rel="first">Primera página' in second.text
    assert NEXT_LINK.search(second.text) is None  # the last page
    assert admin.get("/customers?cursor=bm90LWEtY3Vyc29y").status_code == 422  # a tampered cursor
