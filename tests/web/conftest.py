"""Web page tests: a browser-like client that signs in through the login form and posts forms with
the session's CSRF token, as a real browser does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facturo.auth import service as auth
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from facturo.surface.web.cookies import SESSION_COOKIE, csrf_token
from tests.conftest import RollbackDatabase
from tests.factories import make_issuer

PASSWORD = "clave-web-de-prueba"
_CSRF = re.compile(r'name="csrf_token" value="([^"]*)"')


class Browser:
    """A TestClient that behaves like a browser on our pages."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def csrf(self) -> str:
        cookie = self.client.cookies.get(SESSION_COOKIE) or self.client.cookies.get("facturo_login")
        return csrf_token(cookie) if cookie else ""

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(url, data=form, **kwargs)

    def login(self, email: str, password: str = PASSWORD) -> Any:
        page = self.client.get("/login")
        token = _CSRF.search(page.text)
        assert token is not None, page.text[:500]
        return self.client.post("/login", data={"csrf_token": token.group(1), "login": email, "password": password})


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Browser]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield Browser(client)


def make_user(db: RollbackDatabase, email: str, role: Role, customer_id: int | None = None) -> None:
    with db.unit_of_work() as session:
        auth.create_user(session, SYSTEM, email, email.split("@")[0].title(), PASSWORD, role, customer_id)


@pytest.fixture
def organisation(db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        make_issuer(session)


@pytest.fixture
def admin(browser: Browser, db: RollbackDatabase, organisation: None) -> Browser:
    make_user(db, "admin@web.test", Role.ADMIN)
    response = browser.login("admin@web.test")
    assert response.status_code == 303, response.text[:300]
    return browser
