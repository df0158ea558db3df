"""Signing in and switching language in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in


def test_login_in_spanish_then_switch_to_english(page: Page) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    page.goto("/")
    expect(page.get_by_role("heading", name="Iniciar sesión")).to_be_visible()
    steps("login page in Spanish")
    sign_in(page, "conta@e2e.test", "no-es-la-clave")
    expect(page.get_by_role("alert")).to_contain_text("Correo o contraseña incorrectos.")
    steps("wrong password")
    sign_in(page, "conta@e2e.test")
    expect(page.get_by_role("link", name="Facturas")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    steps("signed in, Spanish")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Invoices")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    steps("English")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    steps("signed out")
