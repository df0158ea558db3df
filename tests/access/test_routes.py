"""Every API route declares what it needs, and every protected one refuses callers without a credential."""

from __future__ import annotations

from facturo.surface.rest.security import PUBLIC_PATHS
from tests.access.routes import Endpoint

# Routes the suite knows must exist: if the enumeration found none of them, it walked the wrong thing.
KNOWN = {
    "GET /api/v1/invoices/{invoice_id}",
    "GET /api/v1/invoices/{invoice_id}/pdf",
    "POST /api/v1/invoices/{invoice_id}/payments",
    "GET /api/v1/payments/{payment_id}",
    "GET /api/v1/customers",
    "POST /api/v1/tokens",
    "GET /api/v1/users",
    "GET /api/v1/auth/me",
    "POST /api/v1/auth/login",
    "GET /health",
}


def test_the_enumeration_reaches_the_routes_of_every_router(api_endpoints: list[Endpoint]) -> None:
    labels = {e.label for e in api_endpoints}
    assert labels >= KNOWN, sorted(KNOWN - labels)
    assert len(api_endpoints) >= 40


def test_every_route_declares_a_permission_or_is_public(api_endpoints: list[Endpoint]) -> None:
    undeclared = [e.label for e in api_endpoints if not e.declared and e.path not in PUBLIC_PATHS]
    assert undeclared == []


def test_every_protected_route_declares_exactly_one_requirement(protected_endpoints: list[Endpoint]) -> None:
    ambiguous = [(e.label, len(e.declared)) for e in protected_endpoints if len(e.declared) != 1]
    assert ambiguous == []


def test_public_routes_declare_nothing(api_endpoints: list[Endpoint]) -> None:
    public = {e.label for e in api_endpoints if e.path in PUBLIC_PATHS}
    assert {"POST /api/v1/auth/login", "POST /api/v1/auth/refresh", "POST /api/v1/auth/logout"} <= public
    assert [e.label for e in api_endpoints if e.path in PUBLIC_PATHS and e.declared] == []


def test_every_protected_route_answers_401_without_credentials(anonymous_client, protected_endpoints) -> None:
    wrong = []
    for endpoint in protected_endpoints:
        response = endpoint.call(anonymous_client)
        body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        error = body.get("error", {})
        if (
            response.status_code != 401
            or error.get("code") != "unauthenticated"
            or "autenticación" not in error.get("message", "")
        ):
            wrong.append((endpoint.label, response.status_code, response.text[:200]))
    assert wrong == []
    assert len(protected_endpoints) >= 35


def test_every_protected_route_refuses_a_garbage_or_foreign_credential(anonymous_client, protected_endpoints) -> None:
    credentials = {
        "Bearer garbage": "El token de acceso no es válido.",
        "Bearer fct_garbage": "El token de API no es válido.",
        "Basic YWRtaW46YWRtaW4=": "autenticación",
        "Bearer ": "autenticación",
    }
    wrong = []
    for header, message in credentials.items():
        for endpoint in protected_endpoints:
            response = endpoint.call(anonymous_client, headers={"Authorization": header})
            error = response.json().get("error", {}) if response.status_code == 401 else {}
            if error.get("code") != "unauthenticated" or message not in error.get("message", ""):
                wrong.append((header, endpoint.label, response.status_code, response.text[:200]))
    assert wrong == []


def test_the_english_message_is_given_on_request(anonymous_client) -> None:
    response = anonymous_client.get("/api/v1/invoices", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "unauthenticated",
        "message": "Authentication required: send “Authorization: Bearer <token>”.",
        "details": [],
    }


def test_credentials_are_checked_before_the_body(anonymous_client) -> None:
    """Without a credential a protected route answers 401 even to a body that is not JSON."""
    response = anonymous_client.post(
        "/api/v1/customers", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
