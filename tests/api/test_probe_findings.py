"""Two inputs a probe found answering 500 (issue 10): both are now a clear answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.helpers import issue_via_api, ok, setup_org


def _unicode_series(client: TestClient) -> None:
    ok(client.post("/api/v1/series", json={"code": "JP", "prefix": "請求-", "is_default": True}), 201)


def test_a_pdf_of_a_series_with_a_non_latin_prefix_downloads_under_its_name(client: TestClient) -> None:
    setup_org(client)
    _unicode_series(client)
    invoice = issue_via_api(client, "112.00")
    assert invoice["full_number"] == "請求-00000001"
    response = client.get(f"/api/v1/invoices/{invoice['id']}/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # RFC 6266: an ASCII name for old clients, the exact UTF-8 name (RFC 5987) for the others.
    assert response.headers["content-disposition"] == (
        "inline; filename=\"_-00000001.pdf\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82-00000001.pdf"
    )


def test_a_latin_name_keeps_the_plain_header(client: TestClient) -> None:
    setup_org(client)
    invoice = issue_via_api(client, "112.00")
    response = client.get(f"/api/v1/invoices/{invoice['id']}/pdf")
    assert response.headers["content-disposition"] == 'inline; filename="A-00000001.pdf"'


MIXED: list[dict[str, Any]] = [
    {"line_number": 1, "description": "Descuento", "amount": "10.00"},
    {"line_number": 1, "quantity": "1", "description": "Descuento", "amount": "10.00"},
    {"line_number": 1, "quantity": "1", "description": "Descuento"},
    {"quantity": "1", "description": "Descuento", "amount": "10.00", "tax_rate": "0.12"},
]


@pytest.mark.parametrize("item", MIXED)
def test_a_credit_item_mixing_a_line_and_an_amount_is_a_422_naming_the_rule(
    client: TestClient, item: dict[str, Any]
) -> None:
    setup_org(client)
    invoice = issue_via_api(client, "112.00")
    body = {"reason": "Devolución parcial", "items": [{"line_number": 1, "quantity": "1"}, item]}
    url = f"/api/v1/invoices/{invoice['id']}/credit-notes"
    es = client.post(url, json=body)
    en = client.post(url, json=body, headers={"Accept-Language": "en"})
    assert es.status_code == en.status_code == 422
    [es_detail] = es.json()["error"]["details"]
    [en_detail] = en.json()["error"]["details"]
    assert (es_detail["field"], es_detail["rule"]) == (en_detail["field"], en_detail["rule"])
    assert (es_detail["field"], es_detail["rule"]) == ("items[1]", "credit.item_kind")
    assert es_detail["message"].startswith("Partida 2: indique línea y cantidad")
    assert "no ambos" in es_detail["message"]
    assert en_detail["message"].startswith("Item 2: give either line_number and quantity")
    # Nothing was credited.
    after = ok(client.get(f"/api/v1/invoices/{invoice['id']}"))
    assert (after["credited_total"], after["balance"]) == ("0.00", "112.00")
    assert ok(client.get(f"/api/v1/invoices/{invoice['id']}/credit-notes")) == []


def test_an_item_of_neither_kind_is_still_refused_by_the_schema(client: TestClient) -> None:
    setup_org(client)
    invoice = issue_via_api(client, "112.00")
    r = client.post(
        f"/api/v1/invoices/{invoice['id']}/credit-notes", json={"reason": "Devolución", "items": [{"line_number": 1}]}
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "items[0]"
    assert r.json()["error"]["details"][0]["message"].startswith("Indique línea y cantidad")
