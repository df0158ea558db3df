from __future__ import annotations

import base64
import json
import os
import stat
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import jwt
import pytest

from facturo.auth.jwt_tokens import decode_access_token, issue_access_token
from facturo.kit import clock
from facturo.kit.access import Role
from facturo.kit.auth_settings import AuthSettings, get_auth_settings, persisted_secret
from facturo.kit.errors import Unauthenticated
from tests.auth.conftest import SECRET, T0

USER = SimpleNamespace(id=42, role="accountant")


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "42",
        "role": "accountant",
        "iat": int(T0.timestamp()),
        "exp": int((T0 + timedelta(minutes=15)).timestamp()),
        "aud": "facturo-api",
        "iss": "facturo",
        "jti": "abc",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _refused(token: str, now: Any = None) -> Unauthenticated:
    with pytest.raises(Unauthenticated) as caught:
        decode_access_token(token, now or T0 + timedelta(minutes=1))
    assert caught.value.http_status == 401
    assert caught.value.code == "unauthenticated"
    return caught.value


def test_round_trip_carries_user_role_and_times() -> None:
    token = issue_access_token(USER, T0)
    claims = decode_access_token(token, T0 + timedelta(minutes=14))
    assert claims.user_id == 42
    assert claims.role is Role.ACCOUNTANT
    assert claims.issued_at == T0
    assert claims.expires_at == T0 + timedelta(minutes=15)
    assert claims.jti
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "HS256"
    raw = jwt.decode(token, options={"verify_signature": False})
    assert {"sub", "role", "exp", "iat", "aud", "iss", "jti"} <= set(raw)


def test_each_token_has_its_own_id() -> None:
    first = decode_access_token(issue_access_token(USER, T0), T0)
    second = decode_access_token(issue_access_token(USER, T0), T0)
    assert first.jti != second.jti


def test_alg_none_is_refused() -> None:
    unsigned = jwt.encode(_claims(), None, algorithm="none")
    _refused(unsigned)
    # Hand-made too, in case a library ever refuses to produce one.
    manual = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}."
    error = _refused(manual)
    assert "no es válido" in error.message.es
    assert "not valid" in error.message.en


def test_other_hmac_algorithm_with_the_right_key_is_refused() -> None:
    _refused(jwt.encode(_claims(), SECRET, algorithm="HS512"))


def test_wrong_key_is_refused() -> None:
    _refused(jwt.encode(_claims(), "another-key-" + "x" * 40, algorithm="HS256"))


def test_expired_is_refused_with_its_own_message() -> None:
    token = issue_access_token(USER, T0)
    error = _refused(token, T0 + timedelta(minutes=15))
    assert "caducado" in error.message.es
    assert "expired" in error.message.en


def test_token_issued_in_the_future_is_refused() -> None:
    token = issue_access_token(USER, T0 + timedelta(hours=1))
    _refused(token, T0)


def test_wrong_audience_is_refused() -> None:
    _refused(jwt.encode(_claims(aud="someone-else"), SECRET, algorithm="HS256"))


def test_wrong_issuer_is_refused() -> None:
    _refused(jwt.encode(_claims(iss="evil"), SECRET, algorithm="HS256"))


@pytest.mark.parametrize("claim", ["exp", "iat", "aud", "iss", "sub"])
def test_missing_required_claim_is_refused(claim: str) -> None:
    _refused(jwt.encode(_claims(**{claim: None}), SECRET, algorithm="HS256"))


@pytest.mark.parametrize("claims", [{"sub": "admin"}, {"role": "root"}, {"exp": "tomorrow"}])
def test_malformed_claims_are_refused(claims: dict[str, Any]) -> None:
    _refused(jwt.encode(_claims(**claims), SECRET, algorithm="HS256"))


def test_tampered_payload_is_refused() -> None:
    token = issue_access_token(USER, T0)
    header, payload, signature = token.split(".")
    # Elevate the role and keep the signature.
    forged = _claims(role="admin")
    _refused(f"{header}.{_b64(forged)}.{signature}")
    # And a single flipped character anywhere in the payload.
    for index in (0, len(payload) // 2, len(payload) - 2):
        flipped = payload[:index] + ("A" if payload[index] != "A" else "B") + payload[index + 1 :]
        _refused(f"{header}.{flipped}.{signature}")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "fct_not-a-jwt", "x" * 5000])
def test_garbage_is_refused(garbage: str) -> None:
    _refused(garbage)


def test_previous_key_still_verifies_during_a_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    old_token = issue_access_token(USER, T0)
    monkeypatch.setenv("FACTURO_JWT_SECRET", "the-new-key-" + "n" * 40)
    monkeypatch.setenv("FACTURO_JWT_PREVIOUS_SECRETS", f"retired-{'r' * 40}, {SECRET}")
    get_auth_settings.cache_clear()
    assert decode_access_token(old_token, T0).user_id == 42
    new_token = issue_access_token(USER, T0)
    # New tokens are signed with the new key only.
    jwt.decode(
        new_token,
        "the-new-key-" + "n" * 40,
        algorithms=["HS256"],
        audience="facturo-api",
        options={"verify_exp": False},
    )
    monkeypatch.setenv("FACTURO_JWT_PREVIOUS_SECRETS", "")
    get_auth_settings.cache_clear()
    _refused(old_token, T0)


def test_short_configured_key_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 32"):
        AuthSettings(jwt_secret="short")


def test_default_key_is_persisted_privately_and_reused(tmp_path: Path) -> None:
    settings = AuthSettings(jwt_secret=None, data_dir=tmp_path / "data")
    key = settings.signing_key()
    path = tmp_path / "data" / "jwt-secret"
    assert path.read_text() == key
    assert len(key) >= 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    persisted_secret.cache_clear()  # a restart: read back from disk
    assert AuthSettings(jwt_secret=None, data_dir=tmp_path / "data").signing_key() == key
    assert [p.name for p in (tmp_path / "data").iterdir()] == ["jwt-secret"]
    token = issue_access_token(USER, T0, settings)
    assert decode_access_token(token, T0, settings).user_id == 42


@pytest.mark.usefixtures("at_t0")
def test_expiry_follows_facturos_clock_not_the_wall_clock() -> None:
    token = issue_access_token(USER, clock.now())
    assert decode_access_token(token).user_id == 42  # T0 is years ago by the wall clock
    with clock.frozen(T0 + timedelta(minutes=16)), pytest.raises(Unauthenticated, match="expired"):
        decode_access_token(token)
