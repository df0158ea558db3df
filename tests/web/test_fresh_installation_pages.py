"""The pages of a fresh installation, before the organisation exists: lists show their empty state,
and a page that needs the profile says where to set it up, never a 500."""

from __future__ import annotations

import pytest

from facturo.kit.access import Role
from tests.conftest import RollbackDatabase
from tests.web.conftest import Browser, make_user

LISTS = ["/invoices", "/customers", "/catalog", "/catalog/categories", "/admin/series", "/admin/users"]
NEEDS_PROFILE = ["/dashboard", "/usage", "/invoices/new", "/reports/sales", "/usage/billing"]


@pytest.fixture
def newcomer(browser: Browser, db: RollbackDatabase) -> Browser:
    make_user(db, "primera@web.test", Role.ADMIN)
    assert browser.login("primera@web.test").status_code == 303
    return browser


@pytest.mark.parametrize("path", LISTS)
def test_list_pages_render_empty(newcomer: Browser, path: str) -> None:
    page = newcomer.get(path)
    assert page.status_code == 200, page.text[:400]
    assert "Traceback" not in page.text


@pytest.mark.parametrize("path", NEEDS_PROFILE)
def test_an_administrator_is_taken_to_the_profile_first(newcomer: Browser, path: str) -> None:
    page = newcomer.get(path)
    assert (page.status_code, page.headers["location"]) == (303, "/admin/organisation")
    profile = newcomer.get("/admin/organisation")
    assert "La organización aún no está configurada: registre su perfil" in profile.text


@pytest.mark.parametrize("path", ["/dashboard", "/usage"])
def test_others_are_told_to_wait_for_the_profile(browser: Browser, db: RollbackDatabase, path: str) -> None:
    make_user(db, "conta@web.test", Role.ACCOUNTANT)
    assert browser.login("conta@web.test").status_code == 303
    page = browser.get(path)
    assert page.status_code == 409
    assert "La organización aún no está configurada" in page.text and "Traceback" not in page.text


def test_the_organisation_page_invites_to_save_the_profile(newcomer: Browser) -> None:
    page = newcomer.get("/admin/organisation")
    assert page.status_code == 200
    assert "La organización aún no está configurada." in page.text
