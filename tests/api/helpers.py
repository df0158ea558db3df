"""API test helpers: setting up an organisation through the API itself."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import valid_nit

ORG = {
    "name": "Tecnologías Chapinas, S.A.",
    "nit": valid_nit(1234567),
    "address": "6a Avenida 10-20, Zona 10, Guatemala",
    "establishment_code": "1",
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json() if response.headers.get("content-type", "").startswith("application/json") else response


def setup_org(client: TestClient) -> dict[str, Any]:
    return ok(client.put("/api/v1/organisation", json=ORG))  # type: ignore[no-any-return]


def issue_via_api(
    client: TestClient, amount: str, *, terms_days: int = 30, issue_date: str | None = None
) -> dict[str, Any]:
    """A walk-in customer and one issued single-line invoice for ``amount``, all through the API."""
    customer = ok(
        client.post("/api/v1/customers", json={"nit": "CF", "name": "Mostrador", "payment_terms_days": terms_days}),
        201,
    )
    line = {"description": "Servicio", "quantity": "1", "unit_price": amount}
    draft = ok(client.post("/api/v1/invoices", json={"customer_id": customer["id"], "lines": [line]}), 201)
    body = {"issue_date": issue_date} if issue_date else None
    return ok(client.post(f"/api/v1/invoices/{draft['id']}/issue", json=body))  # type: ignore[no-any-return]
