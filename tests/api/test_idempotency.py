"""Idempotency-Key: replaying a request creates nothing twice; reusing a key for another body is refused."""

from __future__ import annotations

from tests.api.helpers import issue_via_api, ok, setup_org
from tests.factories import valid_nit


def _customer_count(client) -> int:
    return ok(client.get("/api/v1/customers"))["total"]  # type: ignore[no-any-return]


def test_same_key_and_body_replays_the_first_response(client) -> None:
    setup_org(client)
    body = {"nit": valid_nit(7001234), "name": "Librería Progreso"}
    headers = {"Idempotency-Key": "alta-cliente-001"}
    first = client.post("/api/v1/customers", json=body, headers=headers)
    again = client.post("/api/v1/customers", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert _customer_count(client) == 1


def test_same_key_with_another_body_is_refused(client) -> None:
    setup_org(client)
    headers = {"Idempotency-Key": "alta-cliente-002"}
    ok(client.post("/api/v1/customers", json={"nit": "CF", "name": "Ana López"}, headers=headers), 201)
    other = client.post("/api/v1/customers", json={"nit": "CF", "name": "Ana María López"}, headers=headers)
    assert other.status_code == 422
    error = other.json()["error"]
    assert error["details"][0]["rule"] == "idempotency.mismatch"
    assert "ya se usó con otra solicitud" in error["message"]
    assert _customer_count(client) == 1


def test_a_refused_request_is_not_remembered(client) -> None:
    setup_org(client)
    headers = {"Idempotency-Key": "alta-cliente-003"}
    bad = client.post("/api/v1/customers", json={"nit": "123-4", "name": "Mal NIT"}, headers=headers)
    assert bad.status_code == 422
    fixed = client.post("/api/v1/customers", json={"nit": "CF", "name": "Mal NIT"}, headers=headers)
    assert fixed.status_code == 201
    assert _customer_count(client) == 1


def test_replayed_payment_is_recorded_once(client) -> None:
    setup_org(client)
    draft = issue_via_api(client, "1000.00")
    headers = {"Idempotency-Key": "pago-7781"}
    body = {"splits": [{"method": "cash", "amount": "400.00"}]}
    first = ok(client.post(f"/api/v1/invoices/{draft['id']}/payments", json=body, headers=headers), 201)
    replay = ok(client.post(f"/api/v1/invoices/{draft['id']}/payments", json=body, headers=headers), 201)
    assert replay["id"] == first["id"]
    listed = ok(client.get(f"/api/v1/invoices/{draft['id']}/payments"))
    assert [p["amount"] for p in listed] == ["400.00"]
    assert ok(client.get(f"/api/v1/invoices/{draft['id']}"))["balance"] == "600.00"


def test_keys_are_per_credential(client) -> None:
    setup_org(client)
    tokens = [
        ok(
            client.post("/api/v1/tokens", json={"name": name, "permissions": ["customers:read", "customers:write"]}),
            201,
        )
        for name in ("caja 1", "caja 2")
    ]
    key = {"Idempotency-Key": "compartida"}
    for token, name in zip(tokens, ("Uno", "Dos"), strict=True):
        auth = {"Authorization": f"Bearer {token['token']}"}
        ok(client.post("/api/v1/customers", json={"nit": "CF", "name": name}, headers=key | auth), 201)
    assert _customer_count(client) == 2
