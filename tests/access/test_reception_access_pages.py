"""Reception access on the web: an issuer's pages show only its issuers' documents (another's id
answers 404), and the administration pages bind users and tokens to issuer NITs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from facturo.auth.models import ApiToken, User
from facturo.kit.access import Role
from tests.access.conftest import Account, MakeAccount
from tests.access.test_reception_access import A_COMPACT, B_COMPACT, A, B, submit, work
from tests.conftest import RollbackDatabase
from tests.reception.documents import as_bytes, invoice
from tests.web.conftest import Browser


@pytest.fixture
def web(app: FastAPI) -> Iterator[Browser]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        yield Browser(client)


def signed_in(web: Browser, account: Account) -> Browser:
    web.client.cookies.clear()
    assert web.login(account.email, account.password).status_code == 303
    return web


@pytest.fixture
def two_issuers(client: TestClient, app: FastAPI, db: RollbackDatabase) -> dict[str, Any]:
    receipt = submit(client, ("a.json", invoice(1, issuer_nit=A)), ("b.json", invoice(1, issuer_nit=B)))
    work(app, db)
    return {d["file"]: d["id"] for d in receipt["documents"]}


def test_an_issuers_pages_show_only_its_issuers_documents(
    two_issuers: dict[str, int], web: Browser, app: FastAPI, db: RollbackDatabase, make_account: MakeAccount
) -> None:
    issuer = signed_in(web, make_account(Role.ISSUER, issuer_nits=(A,)))
    listed = issuer.get("/reception/documents")
    assert listed.status_code == 200
    assert f'href="/reception/documents/{two_issuers["a.json"]}"' in listed.text
    assert f'href="/reception/documents/{two_issuers["b.json"]}"' not in listed.text and B_COMPACT not in listed.text
    assert issuer.get(f"/reception/documents/{two_issuers['a.json']}").status_code == 200
    for url in (
        f"/reception/documents/{two_issuers['b.json']}",
        f"/reception/documents/{two_issuers['b.json']}/original",
    ):
        assert issuer.get(url).status_code == 404, url
    exported = issuer.get("/reception/documents.csv")
    assert exported.status_code == 200 and A_COMPACT in exported.text and B_COMPACT not in exported.text
    assert issuer.get("/reception/dashboard").status_code == 403  # aggregates are not the issuer role's
    assert issuer.get("/reception").headers["location"] == "/reception/documents"

    # The portal: B's document sent by A's issuer is rejected, and shown as nobody's.
    sent = issuer.client.post(
        "/reception/upload",
        data={"csrf_token": issuer.csrf()},
        files=[("files", ("ajeno.json", as_bytes(invoice(3, issuer_nit=B)), "application/json"))],
    )
    assert sent.status_code == 303
    work(app, db)
    results = issuer.get(sent.headers["location"])
    assert 'id="count-rejected">1<' in results.text and B_COMPACT not in results.text


def test_the_admin_pages_bind_a_user_and_a_token_to_issuers(
    web: Browser, db: RollbackDatabase, make_account: MakeAccount
) -> None:
    admin = signed_in(web, make_account(Role.ADMIN))
    form = admin.get("/admin/users/new")
    assert 'name="issuer_nits"' in form.text and "NIT de emisores (solo para el rol emisor)" in form.text
    assert 'value="issuer"' in form.text and 'value="analyst"' in form.text
    person = {"email": "emisora@acceso.test", "name": "Emisora", "password": "contraseña-de-acceso-larga"}
    missing = admin.post("/admin/users/new", {**person, "role": "issuer", "issuer_nits": ""})
    assert missing.status_code == 422
    assert "debe estar vinculado a uno o más NIT de emisores" in missing.text
    wrong = admin.post("/admin/users/new", {**person, "role": "issuer", "issuer_nits": "4567123-0, 1234567-1"})
    assert wrong.status_code == 422 and "1234567-1" in wrong.text
    created = admin.post("/admin/users/new", {**person, "role": "issuer", "issuer_nits": f"{A}, {B}"})
    assert created.status_code == 303, created.text[:400]
    with db.unit_of_work() as session:
        user = session.scalars(select(User).where(User.email == person["email"])).one()
        assert (user.role, user.issuer_nits) == ("issuer", [A_COMPACT, B_COMPACT])
    assert f"Emisores: {A_COMPACT}, {B_COMPACT}" in admin.get("/admin/users").text

    token_form = admin.get("/admin/tokens/new")
    assert 'name="issuer_nits"' in token_form.text and 'value="reception:submit"' in token_form.text
    beyond = admin.post(
        "/admin/tokens/new",
        {"name": "Certificador", "permissions": ["reception:submit", "invoices:read"], "issuer_nits": A},
    )
    assert beyond.status_code == 422 and "invoices:read" in beyond.text
    made = admin.post(
        "/admin/tokens/new",
        {"name": "Certificador", "permissions": ["reception:submit", "reception:read"], "issuer_nits": f"{B}\n{A}"},
    )
    assert made.status_code == 303, made.text[:400]
    location = made.headers["location"]
    assert re.fullmatch(r"/admin/tokens/\d+", location)
    page = admin.get(location)
    assert re.search(rf'id="token-issuers">{A_COMPACT}, {B_COMPACT}<', page.text)
    with db.unit_of_work() as session:
        token = session.scalars(select(ApiToken).where(ApiToken.name == "Certificador")).one()
        assert (sorted(token.permissions), token.issuer_nits) == (
            ["reception:read", "reception:submit"],
            [A_COMPACT, B_COMPACT],
        )
