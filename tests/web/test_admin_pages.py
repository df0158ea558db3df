"""Administration pages as an administrator sees them: users and roles, API tokens whose secret is
shown once, the organisation profile and the numbering series."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from facturo.auth import service as auth
from facturo.auth.models import ApiToken
from facturo.invoicing import service as invoicing
from facturo.kit.access import Role
from facturo.organisation import service as organisation
from tests.conftest import RollbackDatabase
from tests.factories import make_customer, valid_nit
from tests.web.conftest import PASSWORD, Browser, make_user
from tests.web.test_page_access import HOSTILE

SECRET = re.compile(r"fct_[A-Za-z0-9_-]{43}")
PROFILE = ["name", "trade_name", "nit", "address", "establishment_code"]


def test_the_overview_links_every_administration_page(admin: Browser) -> None:
    page = admin.get("/admin")
    assert page.status_code == 200 and 'aria-current="page"' in page.text
    for href in ("/admin/users", "/admin/tokens", "/admin/organisation", "/admin/series"):
        assert f'href="{href}"' in page.text


def test_other_roles_are_refused(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    make_user(db, "conta@web.test", Role.ACCOUNTANT)
    browser.login("conta@web.test")
    for url in ("/admin", "/admin/users", "/admin/tokens", "/admin/organisation", "/admin/series"):
        assert browser.get(url).status_code == 403, url
    assert browser.post("/admin/users/new", {"email": "x@web.test", "role": "admin"}).status_code == 403


def test_create_users_with_roles(admin: Browser, db: RollbackDatabase) -> None:
    form = admin.get("/admin/users/new")
    assert form.status_code == 200 and 'for="f-role"' in form.text and 'for="f-customer_id"' in form.text

    short = admin.post(
        "/admin/users/new", {"email": "Ana@Web.Test", "name": "Ana López", "password": "corta", "role": "accountant"}
    )
    assert short.status_code == 422
    assert "La contraseña debe tener al menos 10 caracteres." in short.text
    assert 'value="Ana@Web.Test"' in short.text and 'value="Ana López"' in short.text
    assert "corta" not in short.text  # a password is never sent back

    created = admin.post(
        "/admin/users/new", {"email": "ana@web.test", "name": "Ana López", "password": PASSWORD, "role": "accountant"}
    )
    assert created.status_code == 303 and created.headers["location"] == "/admin/users"
    listing = admin.get("/admin/users").text
    assert "Usuario Ana López creado." in listing and "ana@web.test" in listing and "Contador" in listing

    again = admin.post(
        "/admin/users/new", {"email": "ana@web.test", "name": "Otra Ana", "password": PASSWORD, "role": "auditor"}
    )
    assert again.status_code == 409 and "Ya existe un usuario con el correo ana@web.test." in again.text


def test_a_customer_user_needs_a_customer_and_sees_only_the_portal(
    admin: Browser, db: RollbackDatabase, browser: Browser
) -> None:
    with db.unit_of_work() as session:
        customer = make_customer(session, name="Hotel Las Palmas")
        customer_id = customer.id
    assert "Hotel Las Palmas" in admin.get("/admin/users/new").text  # offered in the customer select

    missing = admin.post(
        "/admin/users/new", {"email": "hotel@web.test", "name": "Hotel", "password": PASSWORD, "role": "customer"}
    )
    assert missing.status_code == 422 and 'aria-describedby="e-customer_id"' in missing.text
    assert "debe estar vinculado a un cliente" in missing.text

    created = admin.post(
        "/admin/users/new",
        {"email": "hotel@web.test", "name": "Hotel", "password": PASSWORD, "role": "customer"}
        | {"customer_id": str(customer_id)},
    )
    assert created.status_code == 303
    assert f'href="/customers/{customer_id}">Hotel Las Palmas' in admin.get("/admin/users").text

    admin.client.cookies.clear()
    browser.login("hotel@web.test")
    assert browser.get("/customers").status_code == 403
    assert browser.get("/admin/users").status_code == 403


def test_deactivating_a_user_ends_their_access(admin: Browser, db: RollbackDatabase) -> None:
    make_user(db, "sale@web.test", Role.AUDITOR)
    with db.unit_of_work() as session:
        user = auth.find_by_email(session, "sale@web.test")
        assert user is not None
        user_id = user.id
        me = auth.find_by_email(session, "admin@web.test")
        assert me is not None
        my_id = me.id
    page = admin.get("/admin/users").text
    assert f'action="/admin/users/{user_id}/deactivate"' in page
    assert f'action="/admin/users/{my_id}/deactivate"' not in page  # no button against yourself

    off = admin.post(f"/admin/users/{user_id}/deactivate")
    assert off.status_code == 303
    assert "Usuario Sale desactivado; sus sesiones terminaron." in admin.get("/admin/users").text
    with db.unit_of_work() as session:
        assert not auth.get_user(session, user_id).active

    myself = admin.post(f"/admin/users/{my_id}/deactivate")
    assert myself.status_code == 303
    assert "No puede desactivar su propia cuenta." in admin.get("/admin/users").text
    with db.unit_of_work() as session:
        assert auth.get_user(session, my_id).active

    assert admin.post(f"/admin/users/{user_id}/activate").status_code == 303
    with db.unit_of_work() as session:
        assert auth.get_user(session, user_id).active


def test_a_token_secret_is_shown_once_and_stored_only_as_a_hash(admin: Browser, db: RollbackDatabase) -> None:
    form = admin.get("/admin/tokens/new")
    assert form.status_code == 200 and 'value="customers:read"' in form.text

    created = admin.post(
        "/admin/tokens/new",
        {"name": "Integración ERP", "permissions": ["customers:read", "catalog:read"], "expires_at": "2999-12-31"},
    )
    assert created.status_code == 303
    token_url = created.headers["location"]
    first = admin.get(token_url)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    found = SECRET.search(first.text)
    assert found is not None
    secret = found.group(0)
    assert "Esta es la única vez que se muestra el token." in first.text
    assert "Token Integración ERP creado." in first.text

    second = admin.get(token_url)
    assert second.status_code == 200 and secret not in second.text and "Copie el token ahora" not in second.text
    listing = admin.get("/admin/tokens").text
    assert secret not in listing and "Integración ERP" in listing and f"fct_{secret[4:12]}…" in listing

    with db.unit_of_work() as session:
        token = session.scalars(select(ApiToken).where(ApiToken.name == "Integración ERP")).one()
        assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
        assert secret not in repr({c.key: getattr(token, c.key) for c in ApiToken.__table__.columns})
        assert token.permissions == ["catalog:read", "customers:read"]
        assert token.expires_at is not None and token.expires_at.year == 3000  # the end of 31 December 2999

    api = admin.client.get("/api/v1/customers", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    assert admin.post(f"{token_url}/revoke").status_code == 303
    assert "Revocado" in admin.get("/admin/tokens").text
    assert admin.client.get("/api/v1/customers", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_token_form_errors_keep_the_input(admin: Browser) -> None:
    nothing = admin.post("/admin/tokens/new", {"name": "Sin permisos"})
    assert nothing.status_code == 422
    assert "Indique al menos un permiso para el token." in nothing.text and 'value="Sin permisos"' in nothing.text
    past = admin.post(
        "/admin/tokens/new", {"name": "Vencido", "permissions": ["invoices:read"], "expires_at": "01/01/2020"}
    )
    assert past.status_code == 422 and "La fecha de caducidad debe estar en el futuro" in past.text
    assert 'value="invoices:read" checked' in past.text
    bad_date = admin.post(
        "/admin/tokens/new", {"name": "Fecha", "permissions": ["invoices:read"], "expires_at": "ayer"}
    )
    assert bad_date.status_code == 422 and "Escriba una fecha como 31/12/2025." in bad_date.text


def test_organisation_profile(admin: Browser, db: RollbackDatabase) -> None:
    page = admin.get("/admin/organisation")
    assert page.status_code == 200 and 'value="Tecnologías Chapinas, S.A."' in page.text

    profile = {"name": "Tecnologías Chapinas, S.A.", "establishment_code": "1", "currency": "GTQ"}
    wrong = admin.post("/admin/organisation", profile | {"nit": "CF", "timezone": "America/Guatemala"})
    assert wrong.status_code == 422 and "El emisor necesita un NIT propio, no CF." in wrong.text

    nit = valid_nit(7654321)
    saved = admin.post(
        "/admin/organisation",
        {"name": "Tecnologías Chapinas, S.A.", "trade_name": "TecnoChapin", "nit": nit, "address": "Zona 4"}
        | {"establishment_code": "2", "currency": "GTQ", "timezone": "America/Guatemala"},
    )
    assert saved.status_code == 303
    again = admin.get("/admin/organisation").text
    assert "Perfil de la organización guardado." in again and 'value="TecnoChapin"' in again
    with db.unit_of_work() as session:
        issuer = organisation.own_issuer(session)
        assert issuer.nit == nit and issuer.address == "Zona 4" and issuer.establishment_code == "2"


def test_a_fresh_installation_sets_up_its_profile_and_gets_its_series(browser: Browser, db: RollbackDatabase) -> None:
    make_user(db, "first@web.test", Role.ADMIN)
    browser.login("first@web.test")
    assert "Primero configure el perfil de la organización." in browser.get("/admin/series").text
    form = browser.get("/admin/organisation").text
    assert "La organización aún no está configurada." in form and 'value="America/Guatemala"' in form
    saved = browser.post(
        "/admin/organisation",
        {"name": "Nueva, S.A.", "nit": valid_nit(), "establishment_code": "1", "currency": "GTQ"}
        | {"timezone": "America/Guatemala"},
    )
    assert saved.status_code == 303
    series = browser.get("/admin/series").text
    assert '<th scope="row">A</th>' in series and '<th scope="row">NC</th>' in series


def test_series_list_and_create(admin: Browser, db: RollbackDatabase) -> None:
    created = admin.post("/admin/series", {"code": "b", "prefix": "", "document_type": "invoice"})
    assert created.status_code == 303
    page = admin.get("/admin/series").text
    assert "Serie B creada." in page and "B-" in page
    duplicate = admin.post("/admin/series", {"code": "B", "document_type": "invoice"})
    assert duplicate.status_code == 409 and "La serie B ya existe." in duplicate.text
    bad = admin.post("/admin/series", {"code": "B 2", "document_type": "invoice"})
    assert bad.status_code == 422 and 'aria-describedby="e-code"' in bad.text and 'value="B 2"' in bad.text

    default = admin.post("/admin/series", {"code": "C", "document_type": "invoice", "is_default": "1"})
    assert default.status_code == 303
    with db.unit_of_work() as session:
        issuer = organisation.own_issuer(session)
        assert invoicing.default_series(session, issuer.id, "invoice").code == "C"


def test_administration_in_english(admin: Browser) -> None:
    admin.post("/language", {"language": "en", "next": "/admin"})
    assert "Users and roles" in admin.get("/admin").text
    assert "Last day of validity (optional)" in admin.get("/admin/tokens/new").text
    short = admin.post("/admin/users/new", {"email": "en@web.test", "name": "En", "password": "x", "role": "auditor"})
    assert short.status_code == 422 and "The password must be at least 10 characters long." in short.text


def test_hostile_values_never_break_the_administration_forms(admin: Browser, db: RollbackDatabase) -> None:
    make_user(db, "victim@web.test", Role.AUDITOR)
    posts = {
        "/admin/users/new": ["email", "name", "password", "role", "customer_id"],
        "/admin/tokens/new": ["name", "permissions", "expires_at", "customer_id"],
        "/admin/organisation": [*PROFILE, "email", "phone", "currency", "timezone"],
        "/admin/series": ["code", "prefix", "document_type", "is_default"],
    }
    for value in HOSTILE:
        for url, fields in posts.items():
            response = admin.post(url, dict.fromkeys(fields, value))
            assert response.status_code in {303, 409, 422}, (url, value[:20], response.status_code)
