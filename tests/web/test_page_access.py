"""Every page declares who may use it, and the server enforces it: anonymous visitors are sent to
the login page, a role without the permission gets a 403 page (also on direct form posts), and no
form post is accepted without the session's CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from facturo.kit.access import ROLE_PERMISSIONS, Permission, Role
from facturo.surface.web.routing import PageRequires, PageRoute
from tests.conftest import RollbackDatabase
from tests.web.conftest import Browser, make_user

PUBLIC_PAGES = {"GET /", "GET /login", "POST /login", "POST /logout", "POST /language"}


def page_routes(app: FastAPI) -> list[tuple[str, str, Permission | None, bool]]:
    """(method, path, permission, declared) for every page route."""
    found = []
    for route in _routes(app.routes):
        requirement = next((d.dependency for d in route.dependencies if isinstance(d.dependency, PageRequires)), None)
        permission = requirement.permission if requirement else None
        for method in sorted(route.methods or ()):
            found.append((method, route.path, permission, requirement is not None))
    return found


def _routes(routes: Iterable[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, PageRoute):
            yield route
        elif hasattr(route, "original_router"):  # fastapi's _IncludedRouter
            yield from _routes(route.original_router.routes)


def _form_fields(dependant: Any) -> list[str]:
    """Every form field a route reads, its sub-dependencies' included."""
    fields = [param.alias for param in dependant.body_params]
    for sub in dependant.dependencies:
        fields += [name for name in _form_fields(sub) if name not in fields]
    return fields


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_page_is_declared_or_public(app: FastAPI) -> None:
    routes = page_routes(app)
    assert {f"{m} {p}" for m, p, _, _ in routes} >= PUBLIC_PAGES
    undeclared = [f"{m} {p}" for m, p, _, declared in routes if not declared and f"{m} {p}" not in PUBLIC_PAGES]
    assert undeclared == []


def test_anonymous_visitors_are_sent_to_the_login_page(browser: Browser, app: FastAPI) -> None:
    wrong = []
    for method, path, _, declared in page_routes(app):
        if not declared:
            continue
        response = browser.client.request(method, _url(path))
        if response.status_code != 303 or not response.headers["location"].startswith("/login"):
            wrong.append((method, path, response.status_code))
    assert wrong == []


def test_roles_without_the_permission_are_refused_even_by_direct_posts(
    browser: Browser, app: FastAPI, db: RollbackDatabase, organisation: None
) -> None:
    wrong = []
    for role in (Role.AUDITOR, Role.ACCOUNTANT):
        browser.client.cookies.clear()
        make_user(db, f"{role.value}@web.test", role)
        browser.login(f"{role.value}@web.test")
        for method, path, permission, _ in page_routes(app):
            if permission is None or permission in ROLE_PERMISSIONS[role]:
                continue
            response = browser.post(_url(path)) if method == "POST" else browser.get(_url(path))
            if response.status_code != 403:
                wrong.append((role.value, method, path, response.status_code))
    assert wrong == []


def test_posts_without_a_csrf_token_are_refused(admin: Browser, app: FastAPI) -> None:
    wrong = []
    for method, path, _, declared in page_routes(app):
        if method != "POST" or not declared:
            continue
        response = admin.client.post(_url(path), data={"anything": "1"})
        if response.status_code != 403:
            wrong.append((path, response.status_code))
    assert wrong == []


HOSTILE = [
    "",
    " ",
    "x" * 5000,
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "<script>alert(1)</script>",
    "💥",
    "'; --",
]


def test_no_form_post_answers_500_whatever_it_carries(admin: Browser, app: FastAPI) -> None:
    wrong = []
    for route in _routes(app.routes):
        if "POST" not in (route.methods or ()) or route.path in {"/logout", "/login"}:
            continue
        # The flat view includes form fields read by a route's sub-dependencies (the draft editor).
        fields = _form_fields(route.dependant) or ["value"]
        for value in HOSTILE:
            response = admin.post(_url(route.path), dict.fromkeys(fields, value))
            if response.status_code >= 500:
                wrong.append((route.path, value[:20], response.status_code))
    assert wrong == []


def test_every_page_renders_in_spanish_and_in_english(admin: Browser, app: FastAPI) -> None:
    pages = sorted(
        {route.path for route in _routes(app.routes) if "GET" in (route.methods or ()) and "{" not in route.path}
    )
    assert len(pages) >= 20
    wrong = []
    for language, marker in (("es", 'lang="es"'), ("en", 'lang="en"')):
        admin.post("/language", {"language": language, "next": "/"})
        for path in pages:
            response = admin.get(path)
            html = response.headers.get("content-type", "").startswith("text/html")
            if response.status_code >= 500 or (response.status_code == 200 and html and marker not in response.text):
                wrong.append((language, path, response.status_code))
    assert wrong == []
