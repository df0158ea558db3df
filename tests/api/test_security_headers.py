"""Security headers on every response: pages, API, errors (even a 500), static files and /docs."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facturo.kit.access import Role
from facturo.surface.web.templating import STATIC_DIR
from tests.api.helpers import issue_via_api, setup_org
from tests.conftest import RollbackDatabase
from tests.web.conftest import Browser, make_user

POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def assert_secured(response: object, *, cached: bool = False) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["content-security-policy"] == POLICY
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    if cached:
        assert "no-store" not in headers.get("cache-control", "")
    else:
        assert "no-store" in headers["cache-control"]


@pytest.fixture
def web(app: FastAPI, db: RollbackDatabase) -> Iterator[Browser]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        browser = Browser(client)
        yield browser


def test_a_signed_in_page_and_the_login_page(web: Browser, db: RollbackDatabase, client: TestClient) -> None:
    setup_org(client)
    assert_secured(web.get("/login"))
    make_user(db, "cabeceras@web.test", Role.ADMIN)
    assert web.login("cabeceras@web.test").status_code == 303
    page = web.get("/invoices")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert_secured(page)
    assert page.headers["cache-control"] == "no-store"


def test_an_api_route_and_a_download_keep_their_own_no_store(client: TestClient) -> None:
    setup_org(client)
    invoice = issue_via_api(client, "112.00")
    listed = client.get("/api/v1/invoices")
    assert listed.status_code == 200
    assert_secured(listed)
    assert listed.headers["cache-control"] == "no-store"
    pdf = client.get(f"/api/v1/invoices/{invoice['id']}/pdf")
    assert pdf.status_code == 200
    assert_secured(pdf)


def test_errors_carry_them_404_413_422_and_even_a_500(app: FastAPI, client: TestClient) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/boom", boom)
    missing = client.get("/api/v1/invoices/999999")
    assert missing.status_code == 404
    assert_secured(missing)
    invalid = client.post("/api/v1/customers", json={"nit": "CF"})
    assert invalid.status_code == 422
    assert_secured(invalid)
    failed = client.get("/api/v1/boom")
    assert failed.status_code == 500 and failed.json()["error"]["code"] == "internal_error"
    assert_secured(failed)
    too_large = client.post("/api/v1/customers", content=b"x" * (2 << 20), headers={"Content-Type": "application/json"})
    assert too_large.status_code == 413  # answered by another middleware, still covered
    assert_secured(too_large)
    page_missing = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert page_missing.status_code == 404 and "text/html" in page_missing.headers["content-type"]
    assert_secured(page_missing)


def test_static_files_may_be_cached(anonymous_client: TestClient) -> None:
    css = anonymous_client.get("/static/app.css")
    assert css.status_code == 200
    assert_secured(css, cached=True)
    assert css.headers.get("etag")
    swagger = anonymous_client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert swagger.status_code == 200
    assert_secured(swagger, cached=True)


def test_docs_allow_exactly_their_own_inline_script(anonymous_client: TestClient) -> None:
    docs = anonymous_client.get("/docs")
    assert docs.status_code == 200
    [script] = re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = docs.headers["content-security-policy"]
    assert policy == POLICY.replace("script-src 'self'", f"script-src 'self' 'sha256-{digest}'")
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert docs.headers["x-frame-options"] == "DENY"
    assert int(docs.headers["content-length"]) == len(docs.content)


def test_no_template_has_inline_script_style_or_handlers() -> None:
    """What the policy refuses, caught before a browser does: inline <script>, <style>, style="…",
    on…= handlers and javascript: URLs in any template."""
    templates = STATIC_DIR.parent / "templates"
    forbidden = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE)
    found = [
        f"{path.relative_to(templates)}: {match.group(0)}"
        for path in sorted(templates.rglob("*.html"))
        for match in forbidden.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
