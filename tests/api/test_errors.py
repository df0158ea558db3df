"""Bad input gets a clear 4xx in the caller's language, never a 500."""

from __future__ import annotations

from tests.api.helpers import issue_via_api, ok, setup_org


def test_missing_organisation_is_explained(client) -> None:
    r = client.post("/api/v1/invoices", json={"customer_id": 1, "lines": []})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_configured"
    assert "organización aún no está configurada" in r.json()["error"]["message"]


def test_validation_errors_name_the_field_in_spanish_or_english(client) -> None:
    setup_org(client)
    body = {"nit": "CF", "name": "", "payment_terms_days": "treinta", "extra": 1}
    es = client.post("/api/v1/customers", json=body)
    en = client.post("/api/v1/customers", json=body, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert es.status_code == en.status_code == 422
    es_details = {d["field"]: d["message"] for d in es.json()["error"]["details"]}
    en_details = {d["field"]: d["message"] for d in en.json()["error"]["details"]}
    assert es_details == {
        "name": "No puede quedar vacío.",
        "payment_terms_days": "Debe ser un número entero.",
        "extra": "Campo no permitido.",
    }
    assert set(en_details) == set(es_details)
    assert en_details["extra"] == "Extra inputs are not permitted"


def test_money_with_too_many_decimals_or_floats_is_refused_clearly(client) -> None:
    setup_org(client)
    r = client.post("/api/v1/products", json={"code": "X1", "name": "X", "unit_price": "1.1234567"})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "unit_price"
    assert "decimales" in r.json()["error"]["details"][0]["message"]


def test_malformed_json_unknown_ids_and_wrong_types_are_4xx(client) -> None:
    setup_org(client)
    broken = client.post("/api/v1/customers", content=b'{"nit": ', headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    assert client.get("/api/v1/invoices/999999").status_code == 404
    # Invoice ids are typed in the path (so /invoices/alerts is never read as an id): no such route.
    assert client.get("/api/v1/invoices/abc").status_code == 404
    assert client.get("/api/v1/customers/abc").status_code == 422
    assert client.get("/api/v1/invoices?status=unknown").status_code == 422
    assert client.get("/api/v1/invoices?from=2026-13-45").status_code == 422
    unknown = client.post("/api/v1/invoices", json={"customer_id": 424242, "lines": []})
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["rule"] == "customer.unknown"
    huge = client.get("/api/v1/invoices/99999999999999999999999")
    assert huge.status_code in {404, 422}


def test_alerts_list_overdue_and_due_soon(client) -> None:
    setup_org(client)
    issue_via_api(client, "250.00", terms_days=5, issue_date="2020-01-01")
    alerts = ok(client.get("/api/v1/invoices/alerts"))
    assert [i["full_number"] for i in alerts["overdue"]] == ["A-00000001"]
    assert alerts["overdue_total"] == "250.00"
    assert alerts["overdue"][0]["overdue"] is True
    listed = ok(client.get("/api/v1/invoices?overdue=true"))
    assert listed["total"] == 1


def test_series_codes_fit_their_prefix_on_every_database(client) -> None:
    setup_org(client)
    too_long = client.post("/api/v1/series", json={"code": "ABCDEFGHIJK"})
    assert too_long.status_code == 422
    created = ok(client.post("/api/v1/series", json={"code": "abcdefghij"}), 201)
    assert (created["code"], created["prefix"], created["next_number"]) == ("ABCDEFGHIJ", "ABCDEFGHIJ-", 1)


def test_docs_are_served_without_a_cdn(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "/static/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert client.get("/openapi.json").json()["info"]["title"] == "facturo"
