"""A fresh installation, before the organisation profile exists: every list answers an empty list,
and anything that needs the profile answers 409 ``not_configured`` naming the page and the command
that set it up (docs/api.md, "Before the organisation exists")."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import setup_org

EMPTY_LISTS = [
    "/api/v1/invoices",
    "/api/v1/invoices?status=issued",
    "/api/v1/invoices?overdue=true",
    "/api/v1/customers",
    "/api/v1/products",
    "/api/v1/categories",
    "/api/v1/series",
    "/api/v1/usage/billing-runs",
    "/api/v1/tokens",
]


def _items(body: object) -> list[object]:
    if isinstance(body, dict):
        assert body["total"] == 0
        return list(body["items"])
    assert isinstance(body, list)
    return body


@pytest.mark.parametrize("path", EMPTY_LISTS)
def test_lists_are_empty_before_the_organisation_exists(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert _items(response.json()) == []


def test_alerts_are_empty_before_the_organisation_exists(client: TestClient) -> None:
    response = client.get("/api/v1/invoices/alerts")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["overdue"], body["due_soon"], body["overdue_total"]) == ([], [], "0.00")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/organisation", None),
        ("POST", "/api/v1/invoices", {"customer_id": 1, "lines": []}),
        ("POST", "/api/v1/series", {"code": "B", "document_type": "invoice"}),
    ],
)
def test_what_needs_the_profile_says_how_to_set_it_up(
    client: TestClient, method: str, path: str, body: dict[str, object] | None
) -> None:
    es = client.request(method, path, json=body)
    en = client.request(method, path, json=body, headers={"Accept-Language": "en"})
    assert es.status_code == en.status_code == 409
    assert es.json()["error"]["code"] == "not_configured"
    message = es.json()["error"]["message"]
    assert "/admin/organisation" in message and "facturo organisation set" in message
    assert "PUT /api" not in message
    assert en.json()["error"]["message"].startswith("The organisation is not set up yet")


def test_lists_fill_once_the_profile_is_saved(client: TestClient) -> None:
    setup_org(client)
    series = client.get("/api/v1/series").json()
    assert {s["code"] for s in series} == {"A", "NC"}
