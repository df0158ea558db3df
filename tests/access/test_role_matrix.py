"""docs/security.md is the contract: each role gets each protected route exactly as its table says."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from facturo.kit.access import ROLE_PERMISSIONS, Permission, Role
from facturo.reception import service as reception
from tests.access.conftest import MakeAccount, SignIn
from tests.access.routes import Endpoint, Ids
from tests.api.helpers import ok, setup_org
from tests.conftest import RollbackDatabase
from tests.reception.documents import ISSUER_NIT, as_bytes
from tests.reception.documents import invoice as received_invoice

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
ROLES = (Role.ADMIN, Role.ACCOUNTANT, Role.AUDITOR, Role.CUSTOMER, Role.ISSUER, Role.ANALYST)


def documented_permissions() -> dict[str, set[str]]:
    """The role/permission table of docs/security.md as {role: permissions}."""
    lines = [line.strip() for line in DOC.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("| permission |"))
    # The table's rows only: it ends at the first line that is not a table row.
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    cells = [[c.strip() for c in row.strip("|").split("|")] for row in lines[start:end]]
    header_at = 0
    roles = cells[header_at][1:]
    table: dict[str, set[str]] = {role: set() for role in roles}
    for row in cells[header_at + 1 :]:
        if set("".join(row)) <= set("-: "):
            continue  # the separator row
        permission, marks = row[0], row[1:]
        assert len(marks) == len(roles), row
        for role, mark in zip(roles, marks, strict=True):
            assert mark.startswith(("✓", "—")), f"unreadable mark {mark!r} for {permission}/{role}"
            if mark.startswith("✓"):
                table[role].add(permission)
    return table


def test_the_documented_table_is_the_code() -> None:
    documented = documented_permissions()
    assert set(documented) == {r.value for r in ROLES}
    in_code = {role.value: {p.value for p in ROLE_PERMISSIONS[role]} for role in ROLES}
    assert documented == in_code


def test_the_documented_table_names_every_permission() -> None:
    listed = set().union(*documented_permissions().values())
    assert listed == {p.value for p in Permission}


@pytest.fixture
def org_ids(client, app: FastAPI, db: RollbackDatabase, make_account: MakeAccount) -> Ids:
    """Real objects for the path parameters; the ones a route may destroy are throwaways."""
    setup_org(client)
    customer = ok(client.post("/api/v1/customers", json={"nit": "CF", "name": "Cliente matriz"}), 201)
    category = ok(client.post("/api/v1/categories", json={"name": "Matriz"}), 201)
    product = ok(
        client.post(
            "/api/v1/products",
            json={"code": "MAT-1", "name": "Producto matriz", "unit_price": "10.00", "category_id": category["id"]},
        ),
        201,
    )
    line = {"product_id": product["id"], "quantity": "2"}
    draft = ok(client.post("/api/v1/invoices", json={"customer_id": customer["id"], "lines": [line]}), 201)
    invoice = ok(client.post(f"/api/v1/invoices/{draft['id']}/issue"))
    payment = ok(
        client.post(f"/api/v1/invoices/{invoice['id']}/payments", json={"splits": [{"method": "cash", "amount": "5"}]}),
        201,
    )
    token = ok(client.post("/api/v1/tokens", json={"name": "Desechable", "permissions": ["invoices:read"]}), 201)
    throwaway = make_account(Role.AUDITOR, name="Cuenta desechable")
    # A received document of the issuer the matrix's issuer account is bound to, decided.
    receipt = ok(
        client.post(
            "/api/v1/reception/documents",
            content=as_bytes(received_invoice(1, issue_date="2026-11-30")),
            headers={"Content-Type": "application/json"},
        ),
        202,
    )
    reception.drain(db, app.state.reception_archive, "matriz")
    return {
        "submission_id": receipt["submission_id"],
        "document_id": receipt["documents"][0]["id"],
        "issuer_nit": ISSUER_NIT,
        "customer_id": customer["id"],
        "category_id": category["id"],
        "product_id": product["id"],
        "invoice_id": invoice["id"],
        "payment_id": payment["id"],
        "token_id": token["id"],
        "user_id": throwaway.id,
    }


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
def test_each_role_is_allowed_or_refused_as_the_table_says(
    role: Role,
    org_ids: Ids,
    make_account: MakeAccount,
    signed_in: SignIn,
    protected_endpoints: list[Endpoint],
) -> None:
    allowed = documented_permissions()[role.value]
    customer_id = org_ids["customer_id"] if role is Role.CUSTOMER else None
    assert customer_id is None or isinstance(customer_id, int)
    account = make_account(role, customer_id=customer_id, issuer_nits=(ISSUER_NIT,) if role is Role.ISSUER else None)
    caller = signed_in(account)

    wrong = []
    for endpoint in protected_endpoints:
        needed = endpoint.permission
        response = endpoint.call(caller, org_ids)
        if needed is None or needed.value in allowed:
            if response.status_code in (401, 403):
                wrong.append((endpoint.label, needed, "should be allowed", response.status_code, response.text[:160]))
        else:
            error = response.json().get("error", {}) if response.status_code == 403 else {}
            if error.get("code") != "permission_denied" or needed.value not in error.get("message", ""):
                wrong.append((endpoint.label, needed, "should be 403", response.status_code, response.text[:160]))
    assert wrong == []

    # The caller is still who it was: nothing in the sweep signed it out.
    me = ok(caller.get("/api/v1/auth/me"))
    assert (me["role"], me["actor"]["id"]) == (role.value, str(account.id))


def test_a_refusal_names_the_missing_permission_in_both_languages(make_account: MakeAccount, signed_in: SignIn) -> None:
    auditor = signed_in(make_account(Role.AUDITOR))
    refused = auditor.post("/api/v1/customers", json={"nit": "CF", "name": "No debería existir"})
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "permission_denied",
        "message": "No tiene permiso para esta operación (requiere customers:write).",
        "details": [],
    }
    english = auditor.post(
        "/api/v1/customers", json={"nit": "CF", "name": "No debería existir"}, headers={"Accept-Language": "en"}
    )
    assert english.json()["error"]["message"] == "You are not allowed to do this (requires customers:write)."
    assert ok(auditor.get("/api/v1/customers"))["total"] == 0
