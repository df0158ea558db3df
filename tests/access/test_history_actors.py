"""Every history record names who did it: the signed-in person, or the API token."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from facturo.kit.access import Role
from tests.access.conftest import Account, MakeAccount, SignIn
from tests.api.helpers import ok, setup_org


@pytest.fixture
def story(client, make_account: MakeAccount, signed_in: SignIn) -> tuple[Account, dict[str, int]]:
    """Customer, product, draft, issue, payment and credit note, all by an accountant over the API."""
    setup_org(client)
    accountant = make_account(Role.ACCOUNTANT, name="Lucía Contadora")
    caller = signed_in(accountant)
    customer = ok(caller.post("/api/v1/customers", json={"nit": "CF", "name": "Librería Cervantes"}), 201)
    product = ok(
        caller.post(
            "/api/v1/products", json={"code": "LIB-1", "name": "Cuaderno", "unit_price": "25.00", "stock": "10"}
        ),
        201,
    )
    draft = ok(
        caller.post(
            "/api/v1/invoices",
            json={"customer_id": customer["id"], "lines": [{"product_id": product["id"], "quantity": "4"}]},
        ),
        201,
    )
    ok(caller.post(f"/api/v1/invoices/{draft['id']}/issue"))
    payment = ok(
        caller.post(
            f"/api/v1/invoices/{draft['id']}/payments", json={"splits": [{"method": "cash", "amount": "40.00"}]}
        ),
        201,
    )
    note = ok(
        caller.post(
            f"/api/v1/invoices/{draft['id']}/credit-notes",
            json={"reason": "Un cuaderno dañado", "items": [{"line_number": 1, "quantity": "1"}]},
        ),
        201,
    )
    ids = {
        "customer": customer["id"],
        "product": product["id"],
        "invoice": draft["id"],
        "payment": payment["id"],
        "note": note["id"],
    }
    return accountant, ids


def actors(history: list[dict[str, object]]) -> set[tuple[object, object, object]]:
    return {(h["actor_kind"], h["actor_id"], h["actor_name"]) for h in history}


def test_every_record_of_the_story_names_the_accountant(
    client, make_account: MakeAccount, signed_in: SignIn, story
) -> None:
    accountant, ids = story
    by_accountant = {("user", str(accountant.id), "Lucía Contadora")}

    history = ok(client.get(f"/api/v1/invoices/{ids['invoice']}/history"))
    assert [(h["entity_type"], h["action"]) for h in history] == [
        ("invoice", "draft_created"),
        ("product", "stock_moved"),
        ("invoice", "issued"),
        ("payment", "registered"),
        ("invoice", "payment_applied"),
        ("product", "stock_moved"),
        ("invoice", "credit_note_issued"),
        ("invoice", "credit_note_applied"),
    ]
    assert actors(history) == by_accountant

    # An auditor reads the same, and so do the other objects' histories.
    auditor = signed_in(make_account(Role.AUDITOR))
    assert ok(auditor.get(f"/api/v1/invoices/{ids['invoice']}/history")) == history
    note_history = ok(auditor.get(f"/api/v1/invoices/{ids['note']}/history"))
    assert note_history and actors(note_history) == by_accountant
    customer_history = ok(auditor.get(f"/api/v1/customers/{ids['customer']}/history"))
    assert [h["action"] for h in customer_history][:1] == ["created"]
    assert actors(customer_history) == by_accountant
    product_history = ok(auditor.get(f"/api/v1/products/{ids['product']}/history"))
    assert product_history and actors(product_history) == by_accountant


def test_an_action_through_an_api_token_names_the_token(client, new_client, story) -> None:
    accountant, ids = story
    created = ok(
        client.post(
            "/api/v1/tokens", json={"name": "Pasarela de pagos", "permissions": ["payments:write", "invoices:read"]}
        ),
        201,
    )
    machine = new_client(headers={"Authorization": f"Bearer {created['token']}"})
    paid = ok(
        machine.post(
            f"/api/v1/invoices/{ids['invoice']}/payments",
            json={"splits": [{"method": "credit_card", "amount": "10.00", "reference": "VISA 4242"}]},
        ),
        201,
    )

    history = ok(client.get(f"/api/v1/invoices/{ids['invoice']}/history"))
    by_token = [h for h in history if h["actor_kind"] == "token"]
    assert [(h["entity_type"], h["entity_id"], h["action"]) for h in by_token] == [
        ("payment", paid["id"], "registered"),
        ("invoice", ids["invoice"], "payment_applied"),
    ]
    assert actors(by_token) == {("token", str(created["id"]), "Pasarela de pagos")}
    # The earlier records still name the accountant.
    assert actors([h for h in history if h not in by_token]) == {("user", str(accountant.id), "Lucía Contadora")}


def test_administration_records_name_the_admin(client, db) -> None:
    """Creating and revoking a token are recorded too, under the admin who did it."""
    admin = ok(client.get("/api/v1/auth/me"))["actor"]
    created = ok(client.post("/api/v1/tokens", json={"name": "Temporal", "permissions": ["invoices:read"]}), 201)
    ok(client.post(f"/api/v1/tokens/{created['id']}/revoke"))
    rows = db.connection.execute(
        text(
            "SELECT action, actor_kind, actor_id, actor_name FROM history_records"
            " WHERE entity_type = 'api_token' AND entity_id = :id ORDER BY id"
        ),
        {"id": created["id"]},
    ).all()
    assert [tuple(r) for r in rows] == [
        ("created", "user", admin["id"], admin["name"]),
        ("revoked", "user", admin["id"], admin["name"]),
    ]
