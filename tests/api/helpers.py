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
