"""The usage API end to end, with our fixture pairs (tests/data/ipc2): messages as raw XML or
uploaded files, hostile files refused whole, billing runs with dry run, one-by-one records, the data
view and the reset switch."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from facturo.invoicing.models import Invoice
from facturo.usage.models import Consumption, Message, Resource
from tests.api.helpers import ok, setup_org
from tests.conftest import RollbackDatabase
from tests.usage.helpers import AULA, NUBE, data_file, read_data

XML = {"Content-Type": "application/xml"}


def _post_data(client: TestClient, name: str, **headers: str) -> dict[str, object]:
    response = client.post("/api/v1/usage/messages", content=data_file(name).read_bytes(), headers=XML | headers)
    return ok(response)  # type: ignore[no-any-return]


def test_nube_through_the_api_raw_and_uploaded(client: TestClient) -> None:
    setup_org(client)
    config = _post_data(client, NUBE[0])
    assert config["kind"] == "configuration"
    assert config["counts"]["instance"] == {"created": 6, "updated": 0, "unchanged": 0, "rejected": 0}  # type: ignore[index]
    warning = config["warnings"][0]  # type: ignore[index]
    assert (warning["line"], warning["rule"]) == (150, "customer.email_invalid")
    assert warning["message"] == warning["message_es"]

    name = NUBE[1]
    uploaded = ok(
        client.post(
            "/api/v1/usage/messages",
            files={"file": (name, data_file(name).read_bytes(), "text/xml")},
            headers={"Accept-Language": "en"},
        )
    )
    assert uploaded["kind"] == "consumption" and uploaded["counts"]["consumption"]["created"] == 10

    body = {"from": "2023-01-01", "to": "2023-12-31", "dry_run": True}
    preview = ok(client.post("/api/v1/usage/billing-runs", json=body))
    # 548.06 + 1615.68 + 8842.61 (tests/reports/__init__.py shows the arithmetic)
    assert (preview["run_id"], preview["invoice_count"], preview["total"]) == (None, 3, "11006.35")
    assert [inv["number"] for inv in preview["invoices"]] == ["A-00000001", "A-00000002", "A-00000003"]

    real = ok(client.post("/api/v1/usage/billing-runs", json=body | {"dry_run": False}), 201)
    assert [(i["customer_nit"], i["total"], i["number"]) for i in real["invoices"]] == [
        ("1204587-K", "548.06", "A-00000001"),
        ("3181726-5", "1615.68", "A-00000002"),
        ("8830514-1", "8842.61", "A-00000003"),
    ]
    line = real["invoices"][2]["lines"][0]
    assert (line["instance_code"], line["hours"], line["hour_rate"], line["total"]) == (
        "N-301",
        "17.5000",
        "253.306250",
        "4432.86",  # 17.5 h × 253.30625 = 4432.859375
    )
    # The invoice is a normal invoice: its PDF carries the same total.
    pdf = client.get(f"/api/v1/invoices/{real['invoices'][2]['invoice_id']}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"

    again = ok(client.post("/api/v1/usage/billing-runs", json=body | {"dry_run": False}))
    assert (again["run_id"], again["invoice_count"]) == (None, 0)
    runs = ok(client.get("/api/v1/usage/billing-runs"))
    assert [(r["invoice_count"], r["consumption_count"], r["total"]) for r in runs] == [(3, 10, "11006.35")]

    view = ok(client.get("/api/v1/usage"))
    assert [c["nit"] for c in view["customers"]] == ["1204587-K", "3181726-5", "8830514-1"]
    assert all(i["unbilled_consumptions"] == 0 for c in view["customers"] for i in c["instances"])


def test_replaying_a_message_creates_nothing(client: TestClient, db: RollbackDatabase) -> None:
    setup_org(client)
    _post_data(client, AULA[0])
    first = _post_data(client, AULA[1])
    second = _post_data(client, AULA[1])
    assert first["counts"]["consumption"]["created"] == 4  # type: ignore[index]
    assert second["counts"]["consumption"]["created"] == 0 and len(second["duplicates"]) == 5  # type: ignore[arg-type, index]
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Consumption)) == 4


def test_hostile_and_malformed_messages_are_refused_whole(client: TestClient, db: RollbackDatabase) -> None:
    setup_org(client)
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><archivoConfiguraciones>&a;</archivoConfiguraciones>'
    refused = client.post("/api/v1/usage/messages", content=bomb, headers=XML)
    assert refused.status_code == 422 and "DTD" in refused.json()["error"]["message"]

    truncated = read_data(NUBE[0])[:3000]
    broken = client.post("/api/v1/usage/messages", content=truncated, headers=XML | {"Accept-Language": "en"})
    assert broken.status_code == 422 and "Malformed XML at line" in broken.json()["error"]["message"]

    unknown = client.post("/api/v1/usage/messages", content="<factura/>", headers=XML)
    assert unknown.status_code == 422 and "archivoConfiguraciones" in unknown.json()["error"]["message"]

    empty = client.post("/api/v1/usage/messages", content=b"", headers=XML)
    assert empty.status_code == 422
    no_file = client.post("/api/v1/usage/messages", data={"note": "x"}, files={"other": ("", b"")})
    assert no_file.status_code in (400, 422)
    with db.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Resource)) == 0
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_records_one_by_one_follow_the_message_rules(client: TestClient) -> None:
    setup_org(client)
    ok(
        client.post(
            "/api/v1/usage/resources",
            json={"code": "CPU", "name": "vCPU", "kind": "hardware", "price_per_hour": "2.5"},
        ),
        201,
    )
    dup = client.post(
        "/api/v1/usage/resources", json={"code": "CPU", "name": "x", "kind": "software", "price_per_hour": "1"}
    )
    assert dup.status_code == 409
    ok(client.post("/api/v1/usage/categories", json={"code": "C1", "name": "General"}), 201)
    unknown = client.post(
        "/api/v1/usage/configurations",
        json={"code": "K1", "name": "Pequeña", "category_code": "C1", "resources": {"GPU": "1"}},
    )
    assert unknown.status_code == 422 and "GPU" in unknown.json()["error"]["message"]
    ok(
        client.post(
            "/api/v1/usage/configurations",
            json={"code": "K1", "name": "Pequeña", "category_code": "C1", "resources": {"CPU": "2"}},
        ),
        201,
    )
    # A wrong check digit is a warning for usage customers, as in messages.
    customer = ok(
        client.post(
            "/api/v1/usage/customers",
            json={"nit": "1159328-6", "name": "Jacky", "username": "jacks", "password": "una-clave-larga"},
        ),
        201,
    )
    assert [w["rule"] for w in customer["warnings"]] == ["nit.check_digit"]
    assert customer["portal_login"]["created"] == 1
    bad_nit = client.post("/api/v1/usage/customers", json={"nit": "12-34-5", "name": "X"})
    assert bad_nit.status_code == 422 and bad_nit.json()["error"]["details"][0]["rule"] == "nit.format"
    instance = {
        "code": "VM1",
        "customer_nit": "1159328-6",
        "configuration_code": "K1",
        "name": "web",
        "start_date": "2024-01-10",
    }
    ok(client.post("/api/v1/usage/instances", json=instance), 201)
    cancelled = ok(client.post("/api/v1/usage/instances/VM1/cancel", json={"end_date": "2024-02-01"}))
    assert cancelled == {"code": "VM1", "state": "cancelada", "end_date": "2024-02-01"}
    assert client.post("/api/v1/usage/instances/VM1/cancel", json={}).status_code == 409
    assert client.post("/api/v1/usage/instances/NOPE/cancel", json={}).status_code == 404

    # The portal login works with the username.
    login = client.post("/api/v1/auth/login", json={"email": "JACKS", "password": "una-clave-larga"})
    assert login.status_code == 200


def test_reset_only_when_allowed_and_never_touches_invoices(
    client: TestClient, db: RollbackDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_org(client)
    _post_data(client, NUBE[0])
    _post_data(client, NUBE[1])
    ok(client.post("/api/v1/usage/billing-runs", json={"from": "2023-01-01", "to": "2023-12-31"}), 201)
    refused = client.post("/api/v1/usage/reset")
    assert refused.status_code == 409 and "FACTURO_ALLOW_RESET=1" in refused.json()["error"]["message"]

    from facturo.kit import config

    monkeypatch.setenv("FACTURO_ALLOW_RESET", "1")
    config.get_settings.cache_clear()
    try:
        removed = ok(client.post("/api/v1/usage/reset"))["removed"]
    finally:
        monkeypatch.delenv("FACTURO_ALLOW_RESET")
        config.get_settings.cache_clear()
    assert (removed["usage_consumptions"], removed["usage_instances"], removed["usage_resources"]) == (10, 6, 8)
    with db.unit_of_work(write=False) as session:
        totals = sorted(str(t) for t in session.scalars(select(Invoice.total)))
        assert totals == ["1615.68", "548.06", "8842.61"]
        assert session.scalar(select(func.count()).select_from(Consumption)) == 0


def test_auditor_can_look_but_not_import_or_bill(client: TestClient) -> None:
    setup_org(client)
    from facturo.auth import service as auth
    from facturo.kit.access import Role
    from facturo.kit.actor import SYSTEM
    from tests.conftest import sign_in

    state = client.app.state  # type: ignore[attr-defined]
    with state.database.unit_of_work() as session:
        auth.create_user(session, SYSTEM, "auditor@facturo.test", "Auditoría", "clave-de-auditoria", Role.AUDITOR)
    with TestClient(client.app, raise_server_exceptions=False) as other:  # type: ignore[arg-type]
        auditor = sign_in(other, "auditor@facturo.test", "clave-de-auditoria")
        assert auditor.get("/api/v1/usage").status_code == 200
        assert auditor.post("/api/v1/usage/messages", content="<listadoConsumos/>", headers=XML).status_code == 403
        denied = auditor.post("/api/v1/usage/billing-runs", json={"from": "2023-01-01", "to": "2023-01-31"})
        assert denied.status_code == 403
