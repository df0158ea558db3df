"""The report endpoints: who may read what, and bad input answered with a reason, never a 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facturo.auth import service as auth
from facturo.kit.access import Permission, Role
from facturo.kit.actor import SYSTEM
from facturo.usage.billing import BillingResult
from tests.access.routes import endpoints
from tests.api.helpers import ok
from tests.conftest import RollbackDatabase, sign_in
from tests.factories import make_issued, make_issuer
from tests.reports import bill_nube, invoice_of, mount_reports

PASSWORD = "contraseña-de-reportes-larga"
MISSING = 987_654
SALES = "/api/v1/reports/sales"


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    return mount_reports(app)


@pytest.fixture
def billed(db: RollbackDatabase, client: TestClient) -> BillingResult:
    with db.unit_of_work() as session:
        make_issuer(session)
        return bill_nube(session)


@pytest.fixture
def signed_in(app: FastAPI, db: RollbackDatabase) -> Iterator[Callable[..., TestClient]]:
    """A signed-in client for a new user of ``role`` (a portal user of ``customer_id``)."""
    with ExitStack() as stack:

        def make(role: Role, customer_id: int | None = None) -> TestClient:
            email = f"{role.value}-{customer_id or 0}@reportes.test"
            with db.unit_of_work() as session:
                auth.create_user(session, SYSTEM, email, f"Persona {role.value}", PASSWORD, role, customer_id)
            return sign_in(stack.enter_context(TestClient(app, raise_server_exceptions=False)), email, PASSWORD)

        yield make


def customer_of(billed: BillingResult, nit: str) -> int:
    return next(inv.customer_id for inv in billed.invoices if inv.customer_nit == nit)


def test_each_route_declares_one_permission(app: FastAPI) -> None:
    declared = {e.label: e.permission for e in endpoints(app) if e.path.startswith("/api/v1/reports/")}
    assert declared == {
        # The detail is a view of one invoice: whoever may read the invoice may read its detail.
        "GET /api/v1/reports/invoices/{invoice_id}": Permission.INVOICES_READ,
        "GET /api/v1/reports/sales": Permission.REPORTS_READ,
    }


def test_a_portal_customer_sees_only_its_own_invoice_detail(
    billed: BillingResult, signed_in: Callable[..., TestClient]
) -> None:
    mine, theirs = invoice_of(billed, "3181726-5"), invoice_of(billed, "8830514-1")
    portal = signed_in(Role.CUSTOMER, customer_of(billed, "3181726-5"))

    own = ok(portal.get(f"/api/v1/reports/invoices/{mine}"))
    assert (own["customer_nit"], own["total"]) == ("3181726-5", "1615.68")
    own_pdf = portal.get(f"/api/v1/reports/invoices/{mine}", params={"format": "pdf"})
    assert own_pdf.status_code == 200 and own_pdf.content.startswith(b"%PDF")

    # Someone else's invoice answers exactly like one that does not exist, in every format.
    for fmt in ("json", "csv", "pdf"):
        foreign = portal.get(f"/api/v1/reports/invoices/{theirs}", params={"format": fmt})
        missing = portal.get(f"/api/v1/reports/invoices/{MISSING}", params={"format": fmt})
        assert (foreign.status_code, missing.status_code) == (404, 404), foreign.text
        expected = missing.json()
        expected["error"]["message"] = expected["error"]["message"].replace(str(MISSING), str(theirs))
        assert foreign.json() == expected
        assert foreign.json()["error"] == {
            "code": "not_found",
            "message": f"No existe la factura {theirs}.",
            "details": [],
        }

    # The sales analysis is not for portal users.
    refused = portal.get(SALES, params={"from": "2023-01-01", "to": "2023-12-31"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert "reports:read" in refused.json()["error"]["message"]


@pytest.mark.parametrize("role", [Role.ACCOUNTANT, Role.AUDITOR])
def test_staff_roles_read_both_reports(role: Role, billed: BillingResult, signed_in: Callable[..., TestClient]) -> None:
    caller = signed_in(role)
    assert ok(caller.get(SALES, params={"from": "2023-01-01", "to": "2023-12-31"}))["totals"]["revenue"] == ("11006.35")
    detail = ok(caller.get(f"/api/v1/reports/invoices/{invoice_of(billed, '1204587-K')}"))
    assert detail["total"] == "548.06"


def test_without_a_credential_the_answer_is_401(anonymous_client: TestClient) -> None:
    for url in ("/api/v1/reports/invoices/1?format=pdf", f"{SALES}?from=2023-01-01&to=2023-12-31"):
        answer = anonymous_client.get(url)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthenticated"


def test_a_reversed_range_is_a_422_in_both_languages(client: TestClient, billed: BillingResult) -> None:
    params = {"from": "2023-12-31", "to": "2023-01-01"}
    for fmt in ("json", "csv", "pdf"):
        answer = client.get(SALES, params=params | {"format": fmt})
        assert answer.status_code == 422
        error = answer.json()["error"]
        assert error["code"] == "validation_error"
        assert error["message"] == (
            "El rango es inválido: la fecha inicial 31/12/2023 es posterior a la final 01/01/2023."
        )
        assert [(d["field"], d["rule"]) for d in error["details"]] == [("to", "range.reversed")]
    english = client.get(SALES, params=params, headers={"Accept-Language": "en"}).json()["error"]
    assert english["message"] == "Invalid range: the start date 2023-12-31 is after the end date 2023-01-01."


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"to": "2023-12-31"}, "from", "missing"),
        ({"from": "2023-01-01"}, "to", "missing"),
        ({"from": "2023-02-30", "to": "2023-12-31"}, "from", "date_from_datetime_parsing"),
        ({"from": "01/01/2023", "to": "2023-12-31"}, "from", "date_type"),  # "debe ser una fecha AAAA-MM-DD"
        ({"from": "2023-01-01", "to": "2023-12-31", "format": "xlsx"}, "format", "enum"),
        ({"from": "1900-01-01", "to": "2023-12-31"}, "to", "range.too_long"),
    ],
)
def test_bad_dates_and_formats_are_422_never_500(
    client: TestClient, billed: BillingResult, params: dict[str, str], field: str, rule: str
) -> None:
    answer = client.get(SALES, params=params)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error"
    assert (error["details"][0]["field"], error["details"][0]["rule"]) == (field, rule)
    assert error["message"]  # a sentence in Spanish…
    english = client.get(SALES, params=params, headers={"Accept-Language": "en"}).json()["error"]
    assert english["message"] != error["message"]  # …and another in English


def test_an_invoice_that_is_not_from_usage_billing_is_a_409(
    client: TestClient, db: RollbackDatabase, billed: BillingResult
) -> None:
    with db.unit_of_work() as session:
        doc = make_issued(session, "500.00")
        number, invoice_id = doc.full_number, doc.id
    for fmt in ("json", "pdf"):
        answer = client.get(f"/api/v1/reports/invoices/{invoice_id}", params={"format": fmt})
        assert answer.status_code == 409
        assert answer.json()["error"]["code"] == "not_usage_invoice"
        assert answer.json()["error"]["message"] == (
            f"La factura {number} no proviene de facturación por consumo: no tiene detalle de consumos."
        )
    english = client.get(f"/api/v1/reports/invoices/{invoice_id}", headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == (
        f"Invoice {number} does not come from usage billing: it has no usage detail."
    )


@pytest.mark.parametrize(("invoice_id", "status"), [(MISSING, 404), (0, 422), (2**31, 422), ("A-00000001", 422)])
def test_odd_invoice_ids(client: TestClient, billed: BillingResult, invoice_id: object, status: int) -> None:
    answer = client.get(f"/api/v1/reports/invoices/{invoice_id}")
    assert answer.status_code == status, answer.text
