"""The frame: signing in and out, Spanish by default and English on request, menus by role,
CSRF on every form, no open redirects."""

from __future__ import annotations

from facturo.kit.access import Role
from tests.conftest import RollbackDatabase
from tests.web.conftest import Browser, make_user


def test_anonymous_pages_redirect_to_login_and_back(browser: Browser) -> None:
    response = browser.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/account"
    login = browser.get("/login")
    assert login.status_code == 200
    assert "Iniciar sesión" in login.text and 'lang="es"' in login.text
    assert 'for="login"' in login.text and 'for="password"' in login.text


def test_login_in_spanish_then_english(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    make_user(db, "conta@web.test", Role.ACCOUNTANT)
    wrong = browser.login("conta@web.test", "no-es-la-clave")
    assert wrong.status_code == 401
    assert "Correo o contraseña incorrectos." in wrong.text
    assert 'value="conta@web.test"' in wrong.text  # the user's input is kept

    signed = browser.login("conta@web.test")
    assert signed.status_code == 303 and signed.headers["location"] == "/dashboard"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")

    account = browser.get("/account")
    assert "Mi cuenta" in account.text and "Cerrar sesión" in account.text
    switched = browser.post("/language", {"language": "en", "next": "/account"})
    assert switched.status_code == 303 and switched.headers["location"] == "/account"
    english = browser.get("/account")
    assert 'lang="en"' in english.text and "My account" in english.text and "Sign out" in english.text


def test_menu_shows_only_what_the_role_may_do(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    make_user(db, "audit@web.test", Role.AUDITOR)
    browser.login("audit@web.test")
    page = browser.get("/account").text
    assert 'href="/reports"' in page and 'href="/invoices"' in page
    assert 'href="/admin"' not in page


def test_forms_without_the_session_token_are_refused(admin: Browser) -> None:
    refused = admin.client.post("/language", data={"language": "en", "next": "/"})
    assert refused.status_code == 403 and "formulario" in refused.text
    forged = admin.client.post("/language", data={"language": "en", "csrf_token": "x" * 43})
    assert forged.status_code == 403
    cross_site = admin.post("/language", {"language": "en"}, headers={"Origin": "https://evil.example"})
    assert cross_site.status_code == 403


def test_logout_ends_the_session(admin: Browser) -> None:
    out = admin.post("/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert admin.get("/account").status_code == 303


def test_login_never_redirects_off_site(browser: Browser, db: RollbackDatabase, organisation: None) -> None:
    make_user(db, "x@web.test", Role.ADMIN)
    page = browser.get("/login?next=https://evil.example/")
    assert 'name="next" value="/"' in page.text
    token = browser.csrf()
    response = browser.client.post(
        "/login",
        data={"csrf_token": token, "login": "x@web.test", "password": "clave-web-de-prueba", "next": "//evil.example"},
    )
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"


def test_an_unknown_page_is_a_page_for_browsers_and_json_for_the_api(browser: Browser) -> None:
    page = browser.get("/no-existe", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "Página no encontrada" in page.text
    api = browser.get("/api/v1/no-existe", headers={"Accept": "text/html"})
    assert api.status_code == 404 and api.json()["error"]["code"] == "http_error"
