"""Sign-in, refresh, logout and API tokens through the API, and every kind of forged credential."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import text

from facturo.kit import clock
from facturo.kit.access import ROLE_PERMISSIONS, Role
from facturo.kit.auth_settings import get_auth_settings
from tests.access.conftest import MakeAccount, SignIn
from tests.api.helpers import ok
from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict[str, object]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def claims(user_id: int, role: str = "admin", **overrides: object) -> dict[str, object]:
    settings = get_auth_settings()
    now = datetime.now(UTC)
    base: dict[str, object] = {
        "sub": str(user_id),
        "role": role,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=10)).timestamp()),
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
    }
    base.update(overrides)
    return base


@pytest.fixture
def admin_exists(client) -> None:
    """The conftest admin, created by the ``client`` fixture."""


def me(caller, token: str):
    return caller.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


def assert_refused(response, message: str = "El token de acceso no es válido.") -> None:
    assert response.status_code == 401, response.text
    error = response.json()["error"]
    assert error["code"] == "unauthenticated"
    assert message in error["message"]


def login(caller, email: str, password: str) -> dict[str, object]:
    return ok(caller.post("/api/v1/auth/login", json={"email": email, "password": password}))  # type: ignore[no-any-return]


def test_login_returns_an_access_and_a_refresh_token(anonymous_client, make_account: MakeAccount) -> None:
    account = make_account(Role.ACCOUNTANT)
    pair = login(anonymous_client, account.email, account.password)
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 15 * 60
    assert pair["access_token"].count(".") == 2 and pair["refresh_token"]
    header = jwt.get_unverified_header(pair["access_token"])
    assert header["alg"] == "HS256"
    payload = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert {"sub", "role", "exp", "iat", "aud", "iss"} <= set(payload)
    assert (payload["sub"], payload["role"], payload["aud"]) == (str(account.id), "accountant", "facturo-api")
    assert payload["exp"] - payload["iat"] == 15 * 60


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR])
def test_me_shows_role_and_permissions(role: Role, make_account: MakeAccount, signed_in: SignIn) -> None:
    account = make_account(role)
    shown = ok(signed_in(account).get("/api/v1/auth/me"))
    assert shown == {
        "actor": {"kind": "user", "id": str(account.id), "name": account.name},
        "role": role.value,
        "customer_id": None,
        "issuer_nits": None,
        "permissions": sorted(p.value for p in ROLE_PERMISSIONS[role]),
    }


def test_a_hand_made_token_with_the_real_key_is_accepted(client, anonymous_client) -> None:
    """The control for the forgeries below: what they change is what makes them fail."""
    admin_id = int(ok(client.get("/api/v1/auth/me"))["actor"]["id"])
    token = jwt.encode(claims(admin_id), get_auth_settings().signing_key(), algorithm="HS256")
    assert ok(me(anonymous_client, token))["role"] == "admin"


def test_alg_none_is_refused(client, anonymous_client) -> None:
    admin_id = int(ok(client.get("/api/v1/auth/me"))["actor"]["id"])
    forged = f"{b64url_json({'alg': 'none', 'typ': 'JWT'})}.{b64url_json(claims(admin_id))}."
    assert_refused(me(anonymous_client, forged))
    for alg in ("None", "NONE"):
        assert_refused(
            me(anonymous_client, f"{b64url_json({'alg': alg, 'typ': 'JWT'})}.{b64url_json(claims(admin_id))}.")
        )


def test_a_token_signed_with_another_key_is_refused(client, anonymous_client) -> None:
    admin_id = int(ok(client.get("/api/v1/auth/me"))["actor"]["id"])
    forged = jwt.encode(claims(admin_id), "una-clave-que-no-es-la-del-servidor-0123456789", algorithm="HS256")
    assert_refused(me(anonymous_client, forged))
    # Nor is the right payload with another HMAC size, nor an empty signature.
    key = get_auth_settings().signing_key()
    assert_refused(me(anonymous_client, jwt.encode(claims(admin_id), key, algorithm="HS512")))
    real = jwt.encode(claims(admin_id), key, algorithm="HS256")
    assert_refused(me(anonymous_client, real.rsplit(".", 1)[0] + "."))


def test_an_expired_token_is_refused(client, anonymous_client) -> None:
    admin_id = int(ok(client.get("/api/v1/auth/me"))["actor"]["id"])
    past = datetime.now(UTC) - timedelta(hours=1)
    expired = jwt.encode(
        claims(admin_id, iat=int(past.timestamp()), exp=int((past + timedelta(minutes=15)).timestamp())),
        get_auth_settings().signing_key(),
        algorithm="HS256",
    )
    assert_refused(me(anonymous_client, expired), "La sesión ha caducado")


@pytest.mark.usefixtures("admin_exists")
def test_a_real_access_token_expires_after_15_minutes(anonymous_client) -> None:
    start = datetime.now(UTC)
    with clock.frozen(start):
        pair = login(anonymous_client, ADMIN_EMAIL, ADMIN_PASSWORD)
        assert me(anonymous_client, pair["access_token"]).status_code == 200
    with clock.frozen(start + timedelta(minutes=14, seconds=59)):
        assert me(anonymous_client, pair["access_token"]).status_code == 200
    with clock.frozen(start + timedelta(minutes=15)):
        assert_refused(me(anonymous_client, pair["access_token"]), "La sesión ha caducado")


@pytest.mark.usefixtures("admin_exists")
def test_expiry_follows_the_servers_clock_not_the_callers(anonymous_client) -> None:
    pair = login(anonymous_client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert me(anonymous_client, pair["access_token"]).status_code == 200
    with clock.frozen(datetime.now(UTC) + timedelta(minutes=16)):
        assert_refused(me(anonymous_client, pair["access_token"]), "La sesión ha caducado")


@pytest.mark.parametrize(
    "change",
    [
        {"aud": "otra-api"},
        {"aud": ["otra-api"]},
        {"iss": "otro-emisor"},
        {"sub": "999999"},
        {"iat": int((datetime.now(UTC) + timedelta(hours=1)).timestamp())},
    ],
    ids=["wrong-audience", "wrong-audience-list", "wrong-issuer", "unknown-user", "issued-in-the-future"],
)
def test_a_correctly_signed_token_with_wrong_claims_is_refused(client, anonymous_client, change) -> None:
    admin_id = int(ok(client.get("/api/v1/auth/me"))["actor"]["id"])
    token = jwt.encode(claims(admin_id, **change), get_auth_settings().signing_key(), algorithm="HS256")
    response = me(anonymous_client, token)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize("missing", ["exp", "iat", "aud", "iss", "sub"])
def test_a_token_missing_a_required_claim_is_refused(client, anonymous_client, missing: str) -> None:
    admin_id = int(ok(client.get("/api/v1/auth/me"))["actor"]["id"])
    payload = claims(admin_id)
    del payload[missing]
    assert_refused(me(anonymous_client, jwt.encode(payload, get_auth_settings().signing_key(), algorithm="HS256")))


def test_a_tampered_payload_is_refused(make_account: MakeAccount, anonymous_client) -> None:
    auditor = make_account(Role.AUDITOR)
    token = login(anonymous_client, auditor.email, auditor.password)["access_token"]
    assert ok(me(anonymous_client, token))["role"] == "auditor"
    refused = anonymous_client.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403

    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert data["role"] == "auditor"
    data["role"] = "admin"
    tampered = f"{header}.{b64url_json(data)}.{signature}"
    assert_refused(me(anonymous_client, tampered))
    assert_refused(anonymous_client.get("/api/v1/users", headers={"Authorization": f"Bearer {tampered}"}))


def refresh(caller, refresh_token: str):
    return caller.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


@pytest.mark.usefixtures("admin_exists")
def test_refresh_rotates_and_reuse_revokes_the_whole_chain(anonymous_client) -> None:
    first = login(anonymous_client, ADMIN_EMAIL, ADMIN_PASSWORD)
    second = ok(refresh(anonymous_client, first["refresh_token"]))
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert ok(me(anonymous_client, second["access_token"]))["role"] == "admin"

    # The old refresh token is refused after use, and presenting it revokes its successor too.
    reused = refresh(anonymous_client, first["refresh_token"])
    assert_refused(reused, "ya se había usado")
    assert_refused(refresh(anonymous_client, second["refresh_token"]), "El token de renovación no es válido.")

    # Another session of the same user (another chain) is untouched.
    other = login(anonymous_client, ADMIN_EMAIL, ADMIN_PASSWORD)
    assert ok(refresh(anonymous_client, other["refresh_token"]))["refresh_token"]


@pytest.mark.usefixtures("admin_exists")
def test_a_made_up_refresh_token_is_refused(anonymous_client) -> None:
    assert_refused(refresh(anonymous_client, "no-es-un-token"), "El token de renovación no es válido.")


@pytest.mark.usefixtures("admin_exists")
def test_logout_revokes_the_refresh_token(anonymous_client) -> None:
    pair = login(anonymous_client, ADMIN_EMAIL, ADMIN_PASSWORD)
    out = anonymous_client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert out.status_code == 204
    assert_refused(refresh(anonymous_client, pair["refresh_token"]), "El token de renovación no es válido.")
    # Logging out twice is not an error and reveals nothing.
    again = anonymous_client.post("/api/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert again.status_code == 204


def test_a_deactivated_user_is_refused_at_once(client, make_account: MakeAccount, signed_in: SignIn) -> None:
    account = make_account(Role.ACCOUNTANT)
    caller = signed_in(account)
    assert ok(caller.get("/api/v1/auth/me"))["role"] == "accountant"
    ok(client.post(f"/api/v1/users/{account.id}/deactivate"))
    assert_refused(caller.get("/api/v1/auth/me"), "desactivado")


def create_token(client, name: str = "Integración ERP", permissions: list[str] | None = None) -> dict[str, object]:
    body = {"name": name, "permissions": permissions or ["customers:read", "invoices:read"]}
    return ok(client.post("/api/v1/tokens", json=body), 201)  # type: ignore[no-any-return]


@pytest.fixture
def fresh_last_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API remembers in memory, per process and token id, when it last recorded a token's use
    (at most once a minute). Rolled-back tests reuse ids, so start from an empty memory."""
    monkeypatch.setattr("facturo.surface.rest.routing._touched", {})


@pytest.mark.usefixtures("fresh_last_used")
def test_an_api_token_is_shown_once_works_and_is_revoked_at_once(client, new_client, db) -> None:
    created = create_token(client)
    secret = created["token"]
    assert isinstance(secret, str) and secret.startswith("fct_") and len(secret) > 40
    assert created["prefix"] == secret[4:12]
    assert created["permissions"] == ["customers:read", "invoices:read"]
    assert created["last_used_at"] is None and created["revoked_at"] is None

    listed = client.get("/api/v1/tokens")
    assert listed.status_code == 200
    assert secret not in listed.text and secret[12:] not in listed.text
    (shown,) = [t for t in listed.json() if t["id"] == created["id"]]
    assert "token" not in shown and shown["prefix"] == created["prefix"]

    # The table holds its SHA-256, and the plaintext nowhere.
    rows = db.connection.execute(text("SELECT * FROM api_tokens")).mappings().all()
    stored = " ".join(str(v) for row in rows for v in row.values())
    assert secret not in stored and secret[4:] not in stored and secret[12:] not in stored
    (row,) = [r for r in rows if r["id"] == created["id"]]
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()

    machine = new_client(headers={"Authorization": f"Bearer {secret}"})
    shown_me = ok(machine.get("/api/v1/auth/me"))
    assert shown_me["actor"] == {"kind": "token", "id": str(created["id"]), "name": "Integración ERP"}
    assert shown_me["role"] is None and shown_me["permissions"] == ["customers:read", "invoices:read"]
    assert ok(machine.get("/api/v1/customers"))["total"] == 0
    write = machine.post("/api/v1/customers", json={"nit": "CF", "name": "Por token"})
    assert write.status_code == 403 and write.json()["error"]["code"] == "permission_denied"

    (used,) = [t for t in ok(client.get("/api/v1/tokens")) if t["id"] == created["id"]]
    assert used["last_used_at"] is not None

    revoked = ok(client.post(f"/api/v1/tokens/{created['id']}/revoke"))
    assert revoked["revoked_at"] is not None
    assert_refused(machine.get("/api/v1/customers"), "revocado")
    assert_refused(machine.get("/api/v1/auth/me"), "revocado")


def test_an_unknown_or_expired_api_token_is_refused(client, new_client) -> None:
    created = create_token(client)
    assert_refused(
        new_client(headers={"Authorization": f"Bearer {created['token']}x"}).get("/api/v1/customers"),
        "El token de API no es válido.",
    )
    expiring = ok(
        client.post(
            "/api/v1/tokens",
            json={
                "name": "Caduca pronto",
                "permissions": ["invoices:read"],
                "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            },
        ),
        201,
    )
    machine = new_client(headers={"Authorization": f"Bearer {expiring['token']}"})
    assert machine.get("/api/v1/auth/me").status_code == 200
    with clock.frozen(datetime.now(UTC) + timedelta(hours=2)):
        assert_refused(machine.get("/api/v1/auth/me"), "caducado")


def test_a_token_never_carries_more_than_its_creator(
    client, new_client, make_account: MakeAccount, signed_in: SignIn
) -> None:
    # Only admins hold tokens:admin, so an accountant cannot create any token at all.
    accountant = signed_in(make_account(Role.ACCOUNTANT))
    refused = accountant.post("/api/v1/tokens", json={"name": "Mío", "permissions": ["invoices:read"]})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"

    # A token that may manage tokens cannot mint one with more than it holds itself.
    manager = create_token(client, "Gestor de tokens", ["tokens:admin", "invoices:read"])
    machine = new_client(headers={"Authorization": f"Bearer {manager['token']}"})
    escalated = machine.post("/api/v1/tokens", json={"name": "Escalada", "permissions": ["customers:write"]})
    assert escalated.status_code == 403, escalated.text
    error = escalated.json()["error"]
    assert error["code"] == "permission_denied"
    assert error["message"] == "No puede otorgar permisos que usted no tiene: customers:write."
    narrower = ok(machine.post("/api/v1/tokens", json={"name": "Solo lectura", "permissions": ["invoices:read"]}), 201)
    assert narrower["permissions"] == ["invoices:read"]

    unknown = client.post("/api/v1/tokens", json={"name": "Raro", "permissions": ["invoices:everything"]})
    assert unknown.status_code == 422
