"""Keyset pages through the API: following ``next_cursor`` lists every document once, in the same
order as the old offset pages, drafts first; a tampered cursor is a 422 ``cursor.invalid``."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from facturo.invoicing.queries import INVOICE_ORDER
from facturo.kit.pagination import Keyset
from tests.api.helpers import ok, setup_org


def _walk(client: TestClient, url: str, **params: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every item by following the cursors, and the pages' envelopes."""
    items, pages = [], []
    cursor = None
    while True:
        query = dict(params) | ({"cursor": cursor} if cursor else {})
        page = ok(client.get(url, params=query))
        items += page["items"]
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return items, pages


def _story(client: TestClient) -> tuple[int, list[int], list[int]]:
    """A customer with 4 drafts and 7 invoices issued over several days (two on the same day),
    and a cash payment on each issued one."""
    setup_org(client)
    customer = ok(client.post("/api/v1/customers", json={"nit": "CF", "name": "Mostrador"}), 201)
    line = {"description": "Servicio", "quantity": "1", "unit_price": "112.00"}
    ids = [
        ok(client.post("/api/v1/invoices", json={"customer_id": customer["id"], "lines": [line]}), 201)["id"]
        for _ in range(11)
    ]
    days = ["2026-01-05", "2026-01-05", "2026-01-09", "2026-02-01", "2026-02-01", "2026-02-01", "2026-03-10"]
    issued = []
    for invoice_id, day in zip(ids, days, strict=False):
        ok(client.post(f"/api/v1/invoices/{invoice_id}/issue", json={"issue_date": day}))
        body = {"received_on": day, "splits": [{"method": "cash", "amount": "10.00"}]}
        ok(client.post(f"/api/v1/invoices/{invoice_id}/payments", json=body), 201)
        issued.append(invoice_id)
    return customer["id"], issued, ids[len(days) :]


def test_following_the_cursor_lists_every_invoice_once_newest_first(client: TestClient) -> None:
    _, issued, drafts = _story(client)
    items, pages = _walk(client, "/api/v1/invoices", limit=3)
    assert [i["id"] for i in items] == sorted(drafts, reverse=True) + issued[::-1]
    assert [len(p["items"]) for p in pages] == [3, 3, 3, 2]
    # Counted on the first page only (docs/api.md, "Pagination").
    assert [(p["total"], p["page"], p["pages"]) for p in pages] == [(11, 1, 4)] + [(None, None, None)] * 3
    # The same order as the old offset pages.
    offset = [
        i["id"]
        for n in (1, 2, 3, 4)
        for i in ok(client.get("/api/v1/invoices", params={"page": n, "size": 3}))["items"]
    ]
    assert offset == [i["id"] for i in items]


def test_each_filter_keeps_its_cursor(client: TestClient) -> None:
    customer_id, issued, drafts = _story(client)
    assert [i["id"] for i in _walk(client, "/api/v1/invoices", status="partially_paid", limit=2)[0]] == issued[::-1]
    assert [i["id"] for i in _walk(client, "/api/v1/invoices", status="draft", limit=3)[0]] == drafts[::-1]
    feb = _walk(client, "/api/v1/invoices", **{"from": "2026-01-09", "to": "2026-02-01", "limit": 1})[0]
    assert [i["issue_date"] for i in feb] == ["2026-02-01"] * 3 + ["2026-01-09"]
    assert len(_walk(client, "/api/v1/invoices", customer_id=customer_id, limit=4)[0]) == 11
    assert _walk(client, "/api/v1/invoices", with_total="false")[1][0]["total"] is None
    assert _walk(client, "/api/v1/invoices", status="paid", with_total="true")[1][0]["total"] == 0


def test_payments_and_customers_follow_their_cursors(client: TestClient) -> None:
    customer_id, issued, _ = _story(client)
    payments, _ = _walk(client, "/api/v1/payments", limit=2)
    assert [p["invoice_id"] for p in payments] == issued[::-1]
    assert [p["amount"] for p in payments] == ["10.00"] * 7
    mine = _walk(client, "/api/v1/payments", customer_id=customer_id, method="cash", limit=5)[0]
    assert len(mine) == 7
    assert _walk(client, "/api/v1/payments", **{"from": "2026-03-01"})[0][0]["invoice_id"] == issued[-1]
    for n in range(5):
        ok(client.post("/api/v1/customers", json={"nit": "CF", "name": f"Cliente {n}"}), 201)
    names = [c["name"] for c in _walk(client, "/api/v1/customers", limit=2)[0]]
    assert names == ["Cliente 0", "Cliente 1", "Cliente 2", "Cliente 3", "Cliente 4", "Mostrador"]


def _forged(payload: str) -> str:
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def test_a_tampered_cursor_is_refused_with_a_reason(client: TestClient) -> None:
    _story(client)
    other_list = Keyset(**{**INVOICE_ORDER.__dict__, "name": "cus"}).encode("2026-01-05", 3)
    for cursor in ["garbage", "AAAA", _forged('["inv","2026-13-45",3]'), _forged('["inv","2026-01-05",-1]'),
                   _forged('["inv",null]'), _forged("{}"), other_list]:  # fmt: skip
        r = client.get("/api/v1/invoices", params={"cursor": cursor}, headers={"Accept-Language": "es"})
        assert r.status_code == 422, cursor
        [detail] = r.json()["error"]["details"]
        assert (detail["field"], detail["rule"]) == ("cursor", "cursor.invalid")
        assert "next_cursor" in detail["message"]
    both = client.get("/api/v1/invoices", params={"cursor": _forged('["inv",null,3]'), "page": 2})
    assert both.status_code == 422
    assert client.get("/api/v1/payments", params={"cursor": "no/slash"}).status_code == 422
