"""Reception access (docs/security.md, "Reception access"): submitter and certifier tokens bound to
issuer NITs, issuer isolation on every reception route (another issuer's ids answer 404), the
auditor reading everything and submitting nothing, the analyst seeing aggregates only."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from facturo.auth import service as auth
from facturo.auth.models import User
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM, Actor
from facturo.kit.errors import PermissionDenied
from facturo.reception import service as reception
from tests.access.conftest import MakeAccount, SignIn
from tests.access.routes import Endpoint
from tests.api.helpers import ok
from tests.conftest import RollbackDatabase
from tests.reception.documents import ISSUER_NIT, OTHER_NIT, as_bytes, invoice

URL = "/api/v1/reception/documents"
A, B = ISSUER_NIT, OTHER_NIT  # 4567123-0 and 7719300-8
A_COMPACT, B_COMPACT = "45671230", "77193008"
THIRD = "1000000-3"  # valid, bound to nobody here
SUBMITTER = ["reception:submit", "reception:read"]
NewClient = Callable[..., TestClient]


def bearer(new_client: NewClient, secret: str) -> TestClient:
    caller = new_client()
    caller.headers["Authorization"] = f"Bearer {secret}"
    return caller


def token(client: TestClient, new_client: NewClient, nits: list[str] | None, permissions: list[str] = SUBMITTER):
    body: dict[str, Any] = {"name": "Integración emisor", "permissions": permissions, "issuer_nits": nits}
    created = ok(client.post("/api/v1/tokens", json=body), 201)
    return bearer(new_client, created["token"]), created


def submit(caller: TestClient, *documents: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    files = [("files", (name, as_bytes(document), "application/json")) for name, document in documents]
    return ok(caller.post(URL, files=files), 202)  # type: ignore[no-any-return]


def work(app: FastAPI, db: RollbackDatabase) -> None:
    reception.drain(db, app.state.reception_archive, "acceso")


def ids_by_file(receipt: dict[str, Any]) -> dict[str, int]:
    return {d["file"]: d["id"] for d in receipt["documents"]}


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def assert_not_found(response: Any) -> None:
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


def assert_forbidden(response: Any, permission: str) -> None:
    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["code"] == "permission_denied" and permission in error["message"], error


@pytest.fixture
def two_issuers(client: TestClient, app: FastAPI, db: RollbackDatabase) -> dict[str, Any]:
    """One accepted document of each issuer, handed in by the administrator (not bound)."""
    receipt = submit(client, ("a.json", invoice(1, issuer_nit=A)), ("b.json", invoice(1, issuer_nit=B)))
    work(app, db)
    return {"submission_id": receipt["submission_id"], **ids_by_file(receipt)}


# --- tokens bound to issuers -----------------------------------------------------------------------


def test_an_issuer_token_submits_for_its_issuer_and_the_other_is_rejected_not_stored_as_theirs(
    client: TestClient, app: FastAPI, db: RollbackDatabase, new_client: NewClient
) -> None:
    caller, created = token(client, new_client, [A])
    assert created["issuer_nits"] == [A_COMPACT]  # stored compact
    assert set(created["permissions"]) == set(SUBMITTER)
    receipt = submit(caller, ("mio.json", invoice(7, issuer_nit=A)), ("ajeno.json", invoice(7, issuer_nit=B)))
    ids = ids_by_file(receipt)
    work(app, db)

    progress = ok(caller.get(f"/api/v1/reception/submissions/{receipt['submission_id']}"))
    assert (progress["accepted"], progress["rejected"], progress["done"]) == (1, 1, True)
    mine = ok(caller.get(f"{URL}/{ids['mio.json']}"))
    assert (mine["status"], mine["issuer_nit"], mine["findings"]) == ("accepted", A_COMPACT, [])

    # The administrator sees why the other was rejected, and that it is nobody's.
    other = ok(client.get(f"{URL}/{ids['ajeno.json']}"))
    assert (other["status"], other["issuer_nit"], other["issuer_name"]) == ("rejected", None, None)
    assert [(f["rule"], f["severity"]) for f in other["findings"]] == [("ACCESS-ISSUER", "fatal")]
    assert "no puede enviar documentos del emisor" in other["findings"][0]["message_es"]
    assert "may not submit for issuer" in other["findings"][0]["message_en"]
    assert ok(client.get(URL, params={"issuer_nit": B}))["total"] == 0  # not listed as B's
    assert (
        ok(client.get(f"/api/v1/reception/issuers/{B}/summary", params={"from": "2026-01-01", "to": "2026-12-31"}))[
            "counts"
        ]
        == []
    )
    # The token's search holds its issuer's documents only...
    listed = ok(caller.get(URL))
    assert [d["id"] for d in listed["items"]] == [ids["mio.json"]]
    # ...but what it sent itself it may read, to learn why it was refused (and get its bytes back).
    own = ok(caller.get(f"{URL}/{ids['ajeno.json']}"))
    assert [f["rule"] for f in own["findings"]] == ["ACCESS-ISSUER"]
    assert caller.get(f"{URL}/{ids['ajeno.json']}/original").content == as_bytes(invoice(7, issuer_nit=B))
    # Another credential of the same issuer did not send it: not found.
    colleague, _ = token(client, new_client, [A])
    assert_not_found(colleague.get(f"{URL}/{ids['ajeno.json']}"))
    assert_not_found(colleague.get(f"{URL}/{ids['ajeno.json']}/original"))

    # B's own number 7 of series A is still free: B's genuine document is accepted, no duplicate.
    genuine = submit(client, ("b7.json", invoice(7, issuer_nit=B, issue_date="2026-11-29")))
    work(app, db)
    assert ok(client.get(f"{URL}/{genuine['documents'][0]['id']}"))["status"] == "accepted"


def test_a_certifiers_token_submits_for_every_issuer_it_lists(
    client: TestClient, app: FastAPI, db: RollbackDatabase, new_client: NewClient
) -> None:
    certifier, created = token(client, new_client, [B, A, A_COMPACT])
    assert created["issuer_nits"] == [A_COMPACT, B_COMPACT]  # one entry per issuer, sorted
    receipt = submit(
        certifier,
        ("a.json", invoice(1, issuer_nit=A)),
        ("b.json", invoice(1, issuer_nit=B)),
        ("c.json", invoice(1, issuer_nit=THIRD)),
    )
    work(app, db)
    ids = ids_by_file(receipt)
    statuses = {name: ok(client.get(f"{URL}/{i}"))["status"] for name, i in ids.items()}
    assert statuses == {"a.json": "accepted", "b.json": "accepted", "c.json": "rejected"}
    assert sorted(d["issuer_nit"] for d in ok(certifier.get(URL))["items"]) == [A_COMPACT, B_COMPACT]


def test_a_token_bound_to_issuers_is_refused_what_it_cannot_hold(client: TestClient) -> None:
    def refused(body: dict[str, Any], field: str, rule: str) -> str:
        response = client.post("/api/v1/tokens", json={"name": "Mal", **body})
        assert response.status_code == 422, response.text
        (problem,) = response.json()["error"]["details"]
        assert (problem["field"], problem["rule"]) == (field, rule), problem
        return str(problem["message"])

    beyond = refused(
        {"permissions": ["reception:submit", "invoices:read"], "issuer_nits": [A]},
        "permissions",
        "permissions.issuer_scope",
    )
    assert beyond == "Un token vinculado a emisores no admite estos permisos: invoices:read."
    both = refused(
        {"permissions": ["invoices:read"], "customer_id": 1, "issuer_nits": [A]},
        "issuer_nits",
        "token.issuer_and_customer",
    )
    assert "no a ambos" in both
    empty = refused({"permissions": SUBMITTER, "issuer_nits": []}, "issuer_nits", "token.issuer_nits_empty")
    assert "al menos un NIT" in empty
    assert ok(client.get("/api/v1/tokens")) == []  # nothing was created


def test_a_bad_nit_is_refused_naming_it(client: TestClient, make_account: MakeAccount) -> None:
    wrong = client.post("/api/v1/tokens", json={"name": "Mal", "permissions": SUBMITTER, "issuer_nits": ["1234567-1"]})
    assert wrong.status_code == 422
    assert "1234567-1" in wrong.json()["error"]["message"]
    final = client.post("/api/v1/tokens", json={"name": "Mal", "permissions": SUBMITTER, "issuer_nits": ["CF"]})
    assert final.status_code == 422 and "CF" in final.json()["error"]["message"]
    assert [t["name"] for t in ok(client.get("/api/v1/tokens"))] == []


# --- users bound to issuers ------------------------------------------------------------------------


def test_an_issuer_user_needs_nits_and_no_other_role_takes_them(client: TestClient) -> None:
    base = {"email": "emisor@acceso.test", "name": "Emisor", "password": "contraseña-de-acceso-larga"}
    missing = client.post("/api/v1/users", json={**base, "role": "issuer"})
    assert missing.status_code == 422
    assert missing.json()["error"]["message"] == (
        "Un usuario con rol «issuer» debe estar vinculado a uno o más NIT de emisores (issuer_nits)."
    )
    english = client.post("/api/v1/users", json={**base, "role": "issuer"}, headers={"Accept-Language": "en"})
    assert english.json()["error"]["message"] == (
        "A user with the “issuer” role must be bound to one or more issuer NITs (issuer_nits)."
    )
    other = client.post("/api/v1/users", json={**base, "role": "auditor", "issuer_nits": [A]})
    assert other.status_code == 422 and "issuer_nits" in other.json()["error"]["message"]
    created = ok(client.post("/api/v1/users", json={**base, "role": "issuer", "issuer_nits": [A, B]}), 201)
    assert (created["role"], created["issuer_nits"]) == ("issuer", [A_COMPACT, B_COMPACT])
    narrowed = ok(client.post(f"/api/v1/users/{created['id']}/role", json={"role": "issuer", "issuer_nits": [B]}))
    assert narrowed["issuer_nits"] == [B_COMPACT]
    promoted = ok(client.post(f"/api/v1/users/{created['id']}/role", json={"role": "auditor"}))
    assert (promoted["role"], promoted["issuer_nits"]) == ("auditor", None)


def test_an_issuer_never_sees_another_issuers_documents(
    two_issuers: dict[str, Any], make_account: MakeAccount, signed_in: SignIn
) -> None:
    caller = signed_in(make_account(Role.ISSUER, issuer_nits=(A,)))
    assert ok(caller.get("/api/v1/auth/me"))["issuer_nits"] == [A_COMPACT]
    listed = ok(caller.get(URL))
    assert (listed["total"], [d["issuer_nit"] for d in listed["items"]]) == (1, [A_COMPACT])
    assert ok(caller.get(URL, params={"issuer_nit": B}))["total"] == 0
    assert ok(caller.get(URL, params={"submission_id": two_issuers["submission_id"]}))["total"] == 1
    assert ok(caller.get(f"{URL}/{two_issuers['a.json']}"))["issuer_nit"] == A_COMPACT
    assert caller.get(f"{URL}/{two_issuers['a.json']}/original").status_code == 200
    # Another issuer's document is "not found", exactly like one that does not exist.
    for url in (f"{URL}/{two_issuers['b.json']}", f"{URL}/{two_issuers['b.json']}/original", f"{URL}/999999"):
        assert_not_found(caller.get(url))
    assert [r["issuer_nit"] for r in csv_rows(caller.get(f"{URL}.csv"))] == [A_COMPACT]
    assert csv_rows(caller.get(f"{URL}.csv", params={"issuer_nit": B})) == []
    # Someone else's submission is not found either; summaries are not the issuer role's.
    assert_not_found(caller.get(f"/api/v1/reception/submissions/{two_issuers['submission_id']}"))
    summary = caller.get(f"/api/v1/reception/issuers/{A}/summary", params={"from": "2026-01-01", "to": "2026-12-31"})
    assert_forbidden(summary, "reception_summary:read")


def test_no_reception_route_shows_an_issuer_anything_of_another(
    two_issuers: dict[str, Any],
    client: TestClient,
    new_client: NewClient,
    make_account: MakeAccount,
    signed_in: SignIn,
    protected_endpoints: list[Endpoint],
) -> None:
    """Every reception route (new ones too), called with B's ids, by an issuer user bound to A and
    by a submitter token bound to A: 404 where an id of B's is in the path, 403 where the
    permission is missing, and B's NIT appears in no answer."""
    routes = [e for e in protected_endpoints if e.path.startswith("/api/v1/reception/")]
    assert {e.label for e in routes} >= {
        "POST /api/v1/reception/documents",
        "GET /api/v1/reception/documents",
        "GET /api/v1/reception/documents.csv",
        "GET /api/v1/reception/documents/{document_id}",
        "GET /api/v1/reception/documents/{document_id}/original",
        "GET /api/v1/reception/submissions/{submission_id}",
        "GET /api/v1/reception/issuers/{issuer_nit}/summary",
    }
    b_ids = {"document_id": two_issuers["b.json"], "submission_id": two_issuers["submission_id"], "issuer_nit": B}
    issuer_user = signed_in(make_account(Role.ISSUER, issuer_nits=(A,)))
    submitter, _ = token(client, new_client, [A])
    wrong = []
    for caller in (issuer_user, submitter):
        for endpoint in routes:
            response = endpoint.call(caller, b_ids)
            expected = {404} if {"{document_id}", "{submission_id}"} & set(endpoint.path.split("/")) else None
            if endpoint.permission is not None and endpoint.permission.value == "reception_summary:read":
                expected = {403}
            if expected is not None and response.status_code not in expected:
                wrong.append((endpoint.label, response.status_code, response.text[:120]))
            if B_COMPACT in response.text or B in response.text:
                wrong.append((endpoint.label, "shows B", response.text[:120]))
    assert wrong == []


def test_narrowing_an_issuers_nits_narrows_their_tokens_at_once(
    two_issuers: dict[str, Any], db: RollbackDatabase, new_client: NewClient, make_account: MakeAccount
) -> None:
    person = make_account(Role.ISSUER, issuer_nits=(A, B))
    with db.unit_of_work() as session:
        owner = auth.principal_for_user(auth.get_user(session, person.id))
        _, secret = auth.create_api_token(
            session, owner.actor, "Del emisor", SUBMITTER, issuer_nits=[A], granted_by=owner
        )
        # Never wider than the person: B and a third issuer are outside what a token of A may get.
        with pytest.raises(PermissionDenied) as refused:
            auth.create_api_token(session, owner.actor, "Más", SUBMITTER, issuer_nits=[A, THIRD], granted_by=owner)
        assert "10000003" in refused.value.message.es
        with pytest.raises(PermissionDenied):
            auth.create_api_token(session, owner.actor, "Sin límite", SUBMITTER, granted_by=owner)
    caller = bearer(new_client, secret)
    assert ok(caller.get(f"{URL}/{two_issuers['a.json']}"))["issuer_nit"] == A_COMPACT
    with db.unit_of_work() as session:
        auth.change_role(session, SYSTEM, person.id, Role.ISSUER, issuer_nits=[B])
    assert_not_found(caller.get(f"{URL}/{two_issuers['a.json']}"))
    assert ok(caller.get(URL))["total"] == 0  # A ∩ B: nothing left


def test_an_issuer_stored_without_nits_sees_and_submits_nothing(
    two_issuers: dict[str, Any], app: FastAPI, db: RollbackDatabase, make_account: MakeAccount, signed_in: SignIn
) -> None:
    """An issuer user made before NITs existed is bound to none, never to all."""
    person = make_account(Role.ISSUER, issuer_nits=(A,))
    with db.unit_of_work() as session:
        session.execute(update(User).where(User.id == person.id).values(issuer_nits=None))
    caller = signed_in(person)
    assert ok(caller.get("/api/v1/auth/me"))["issuer_nits"] == []
    assert ok(caller.get(URL))["total"] == 0
    assert_not_found(caller.get(f"{URL}/{two_issuers['a.json']}"))
    receipt = submit(caller, ("a2.json", invoice(2, issuer_nit=A)))
    work(app, db)
    (document,) = receipt["documents"]
    assert reception.statuses(db.session(), [document["id"]]) == {document["id"]: "rejected"}


# --- auditor and analyst ---------------------------------------------------------------------------


def test_the_auditor_reads_every_issuer_and_cannot_submit(
    two_issuers: dict[str, Any], client: TestClient, make_account: MakeAccount, signed_in: SignIn
) -> None:
    auditor = signed_in(make_account(Role.AUDITOR))
    assert sorted(d["issuer_nit"] for d in ok(auditor.get(URL))["items"]) == [A_COMPACT, B_COMPACT]
    for name in ("a.json", "b.json"):
        assert ok(auditor.get(f"{URL}/{two_issuers[name]}"))["status"] == "accepted"
        assert auditor.get(f"{URL}/{two_issuers[name]}/original").status_code == 200
    assert len(csv_rows(auditor.get(f"{URL}.csv"))) == 2
    summary = ok(
        auditor.get(f"/api/v1/reception/issuers/{B}/summary", params={"from": "2026-01-01", "to": "2026-12-31"})
    )
    assert summary["issuer_nit"] == B_COMPACT and summary["totals"][0]["total"].startswith("67.2")
    assert_forbidden(
        auditor.post(URL, content=as_bytes(invoice(5)), headers={"Content-Type": "application/json"}),
        "reception:submit",
    )
    assert_forbidden(auditor.get(f"/api/v1/reception/submissions/{two_issuers['submission_id']}"), "reception:submit")
    assert ok(client.get(URL))["total"] == 2  # nothing was stored


def test_the_analyst_sees_aggregates_and_never_a_document(
    two_issuers: dict[str, Any], make_account: MakeAccount, signed_in: SignIn
) -> None:
    analyst = signed_in(make_account(Role.ANALYST))
    summary = ok(
        analyst.get(f"/api/v1/reception/issuers/{A}/summary", params={"from": "2026-01-01", "to": "2026-12-31"})
    )
    assert [(c["status"], c["count"]) for c in summary["counts"]] == [("accepted", 1)]
    for url in (
        URL,
        f"{URL}.csv",
        f"{URL}/{two_issuers['a.json']}",
        f"{URL}/{two_issuers['a.json']}/original",
    ):
        assert_forbidden(analyst.get(url), "reception:read")
    assert_forbidden(analyst.get(f"/api/v1/reception/submissions/{two_issuers['submission_id']}"), "reception:submit")
    assert_forbidden(
        analyst.post(URL, content=as_bytes(invoice(5)), headers={"Content-Type": "application/json"}),
        "reception:submit",
    )


def test_an_analyst_is_granted_by_whoever_holds_the_summary(db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        user = auth.create_user(
            session, Actor("local", "ops", "ops"), "analista@acceso.test", "Analista", "contraseña-larga-1", "analyst"
        )
        principal = auth.principal_for_user(user)
    # Reception's aggregates, and the sequence audit's (docs/audit-gaps.md).
    assert {p.value for p in principal.permissions} == {"reception_summary:read", "audit_summary:read"}
    assert principal.issuer_nits is None


@pytest.mark.parametrize("permission", ["reception:submit", "reception:read", "reception_summary:read"])
def test_a_token_reaches_exactly_the_reception_routes_of_its_permission(
    permission: str,
    two_issuers: dict[str, Any],
    client: TestClient,
    new_client: NewClient,
    protected_endpoints: list[Endpoint],
) -> None:
    """Token scoping on every reception route: a token holding one reception permission is let
    through where the route asks for it and refused (403 naming the permission) everywhere else,
    whether or not it is bound to issuers (a bound one can only hold submit and read)."""
    routes = [e for e in protected_endpoints if e.path.startswith("/api/v1/reception/")]
    ids = {"document_id": two_issuers["a.json"], "submission_id": two_issuers["submission_id"], "issuer_nit": A}
    callers = [token(client, new_client, None, [permission])[0]]
    if permission != "reception_summary:read":
        callers.append(token(client, new_client, [A], [permission])[0])
    wrong = []
    for caller in callers:
        for endpoint in routes:
            response = endpoint.call(caller, ids)
            needed = endpoint.permission.value if endpoint.permission is not None else None
            if needed == permission:
                if response.status_code in (401, 403):
                    wrong.append((endpoint.label, "should be allowed", response.status_code, response.text[:120]))
            else:
                error = response.json().get("error", {}) if response.status_code == 403 else {}
                if error.get("code") != "permission_denied" or str(needed) not in error.get("message", ""):
                    wrong.append((endpoint.label, "should be 403", response.status_code, response.text[:120]))
    assert wrong == []
