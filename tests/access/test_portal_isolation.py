"""Two customers' portal users: each sees its own documents, and the other's answer exactly like
ids that do not exist (404, never 403), on every endpoint that takes an id."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from facturo.kit.access import Role
from tests.access.conftest import MakeAccount, SignIn
from tests.api.helpers import ok, setup_org

MISSING = 987_654  # an id no test object gets


@dataclass(frozen=True)
class Portfolio:
    customer_id: int
    invoice_id: int
    payment_id: int
    note_id: int


def portfolio(client, name: str, price: str) -> Portfolio:
    """A customer with an issued invoice (due within days), a payment and a credit note, via the API."""
    customer = ok(client.post("/api/v1/customers", json={"nit": "CF", "name": name, "payment_terms_days": 3}), 201)
    line = {"description": "Servicio mensual", "quantity": "2", "unit_price": price}
    draft = ok(client.post("/api/v1/invoices", json={"customer_id": customer["id"], "lines": [line]}), 201)
    invoice = ok(client.post(f"/api/v1/invoices/{draft['id']}/issue"))
    payment = ok(
        client.post(
            f"/api/v1/invoices/{invoice['id']}/payments", json={"splits": [{"method": "cash", "amount": "10.00"}]}
        ),
        201,
    )
    note = ok(
        client.post(
            f"/api/v1/invoices/{invoice['id']}/credit-notes",
            json={"reason": "Devolución de un servicio", "items": [{"line_number": 1, "quantity": "1"}]},
        ),
        201,
    )
    return Portfolio(customer["id"], invoice["id"], payment["id"], note["id"])


@pytest.fixture
def two_customers(client) -> dict[str, Portfolio]:
    setup_org(client)
    return {
        "A": portfolio(client, "Panadería La Espiga", "150.00"),
        "B": portfolio(client, "Farmacia San Rafael", "80.00"),
    }


def by_id_urls(p: Portfolio) -> list[tuple[str, int]]:
    """Every read endpoint that takes an id, with the id it takes."""
    return [
        (f"/api/v1/invoices/{p.invoice_id}", p.invoice_id),
        (f"/api/v1/invoices/{p.invoice_id}/pdf", p.invoice_id),
        (f"/api/v1/invoices/{p.invoice_id}/payments", p.invoice_id),
        (f"/api/v1/invoices/{p.invoice_id}/credit-notes", p.invoice_id),
        (f"/api/v1/payments/{p.payment_id}", p.payment_id),
        (f"/api/v1/invoices/{p.note_id}", p.note_id),
        (f"/api/v1/invoices/{p.note_id}/pdf", p.note_id),
        (f"/api/v1/invoices/{p.note_id}/payments", p.note_id),
        (f"/api/v1/invoices/{p.note_id}/credit-notes", p.note_id),
    ]


def assert_sees_only(caller, own: Portfolio, other: Portfolio) -> None:
    # The other customer's objects: 404, with the very body a nonexistent id gets.
    for url, object_id in by_id_urls(other):
        answer = caller.get(url)
        missing = caller.get(url.replace(f"/{object_id}", f"/{MISSING}", 1))
        assert (answer.status_code, missing.status_code) == (404, 404), (url, answer.text)
        expected = missing.json()
        expected["error"]["message"] = expected["error"]["message"].replace(str(MISSING), str(object_id))
        assert answer.json() == expected, url
        assert answer.json()["error"]["code"] == "not_found"

    # Its own: 200.
    for url, _ in by_id_urls(own):
        answer = caller.get(url)
        assert answer.status_code == 200, (url, answer.text)
        if url.endswith("/pdf"):
            assert answer.headers["content-type"] == "application/pdf"
            assert answer.content.startswith(b"%PDF")
    assert ok(caller.get(f"/api/v1/invoices/{own.invoice_id}"))["customer_id"] == own.customer_id
    assert [p["id"] for p in ok(caller.get(f"/api/v1/invoices/{own.invoice_id}/payments"))] == [own.payment_id]
    assert [n["id"] for n in ok(caller.get(f"/api/v1/invoices/{own.invoice_id}/credit-notes"))] == [own.note_id]
    assert ok(caller.get(f"/api/v1/payments/{own.payment_id}"))["invoice_id"] == own.invoice_id

    # Lists: only its own documents, whatever the query asks for.
    mine = {own.invoice_id, own.note_id}
    listed = ok(caller.get("/api/v1/invoices"))
    assert {d["id"] for d in listed["items"]} == mine
    assert listed["total"] == 2
    asked_for_other = ok(caller.get("/api/v1/invoices", params={"customer_id": other.customer_id}))
    assert {d["id"] for d in asked_for_other["items"]} <= mine
    assert not {other.invoice_id, other.note_id} & {d["id"] for d in asked_for_other["items"]}
    for kind in ("invoice", "credit_note"):
        typed = ok(caller.get("/api/v1/invoices", params={"document_type": kind}))
        assert {d["id"] for d in typed["items"]} <= mine

    alerts = ok(caller.get("/api/v1/invoices/alerts", params={"due_soon_days": 90}))
    alerted = {d["id"] for d in alerts["due_soon"] + alerts["overdue"]}
    assert alerted == {own.invoice_id}

    # History is not for portal users: 403 for its own documents and for anyone else's alike.
    for invoice_id in (own.invoice_id, other.invoice_id, MISSING):
        refused = caller.get(f"/api/v1/invoices/{invoice_id}/history")
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "permission_denied"
    refused = caller.get(f"/api/v1/customers/{other.customer_id}/history")
    assert refused.status_code == 403


@pytest.mark.parametrize(("me", "them"), [("A", "B"), ("B", "A")])
def test_a_portal_user_sees_only_its_own_customer(
    me: str, them: str, two_customers: dict[str, Portfolio], make_account: MakeAccount, signed_in: SignIn
) -> None:
    own, other = two_customers[me], two_customers[them]
    portal = signed_in(make_account(Role.CUSTOMER, customer_id=own.customer_id))
    assert ok(portal.get("/api/v1/auth/me"))["customer_id"] == own.customer_id
    assert_sees_only(portal, own, other)


def test_the_admin_sees_both_customers(client, two_customers: dict[str, Portfolio]) -> None:
    a, b = two_customers["A"], two_customers["B"]
    listed = {d["id"] for d in ok(client.get("/api/v1/invoices"))["items"]}
    assert listed == {a.invoice_id, a.note_id, b.invoice_id, b.note_id}
    assert ok(client.get(f"/api/v1/payments/{b.payment_id}"))["invoice_id"] == b.invoice_id


def test_a_token_scoped_to_a_customer_sees_only_that_customer(
    client, new_client, two_customers: dict[str, Portfolio]
) -> None:
    a, b = two_customers["A"], two_customers["B"]
    created = ok(
        client.post(
            "/api/v1/tokens",
            json={"name": "Portal de A", "permissions": ["invoices:read"], "customer_id": a.customer_id},
        ),
        201,
    )
    assert created["customer_id"] == a.customer_id
    machine = new_client(headers={"Authorization": f"Bearer {created['token']}"})
    assert ok(machine.get("/api/v1/auth/me"))["customer_id"] == a.customer_id
    assert_sees_only_without_history(machine, a, b)


def assert_sees_only_without_history(caller, own: Portfolio, other: Portfolio) -> None:
    for url, _ in by_id_urls(other):
        assert caller.get(url).status_code == 404, url
    for url, _ in by_id_urls(own):
        assert caller.get(url).status_code == 200, url
    assert {d["id"] for d in ok(caller.get("/api/v1/invoices"))["items"]} == {own.invoice_id, own.note_id}
    asked = ok(caller.get("/api/v1/invoices", params={"customer_id": other.customer_id}))
    assert not {other.invoice_id, other.note_id} & {d["id"] for d in asked["items"]}
    alerts = ok(caller.get("/api/v1/invoices/alerts", params={"due_soon_days": 90}))
    assert {d["id"] for d in alerts["due_soon"] + alerts["overdue"]} == {own.invoice_id}
    assert caller.get(f"/api/v1/invoices/{own.invoice_id}/history").status_code == 403


def test_a_customer_token_cannot_carry_more_than_a_portal_user(client, two_customers: dict[str, Portfolio]) -> None:
    a = two_customers["A"]
    refused = client.post(
        "/api/v1/tokens",
        json={"name": "Demasiado", "permissions": ["invoices:read", "invoices:write"], "customer_id": a.customer_id},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"][0]["rule"] == "permissions.customer_scope"
    assert "invoices:write" in refused.json()["error"]["message"]
