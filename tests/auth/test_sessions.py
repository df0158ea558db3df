from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.auth import service
from facturo.auth.errors import RejectedAndRecorded, TooManyAttempts, Unauthenticated
from facturo.auth.models import LoginAttempt, RefreshToken
from facturo.auth.permissions import Role
from facturo.kit.actor import SYSTEM
from tests.auth.conftest import PASSWORD, T0, MakeUser

ADDRESS = "203.0.113.7"


def _login(session: Session, email: str, password: str = PASSWORD, address: str = ADDRESS, minutes: float = 0):
    return service.login(session, email, password, address, T0 + timedelta(minutes=minutes))


def test_login_returns_a_working_pair_and_records_it(session: Session, make_user: MakeUser) -> None:
    user = make_user(Role.AUDITOR, email="Ana.Lopez@Example.GT")
    pair = _login(session, "  ana.lopez@example.gt ")
    assert pair.expires_in == 15 * 60
    principal = service.resolve_bearer(session, pair.access_token, T0)
    assert principal.actor.kind == "user"
    assert principal.actor.id == str(user.id)
    assert principal.role is Role.AUDITOR
    assert user.last_login_at == T0
    # Only the hash of the refresh token is stored.
    stored = session.scalars(select(RefreshToken).where(RefreshToken.user_id == user.id)).one()
    assert stored.token_hash == hashlib.sha256(pair.refresh_token.encode()).hexdigest()
    assert [r.action for r in audit.history_of(session, "user", user.id)] == ["created", "logged_in"]


def test_wrong_email_and_wrong_password_get_the_same_message(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    with pytest.raises(RejectedAndRecorded) as wrong_password:
        _login(session, user.email, "no-es-la-contraseña")
    with pytest.raises(RejectedAndRecorded) as wrong_email:
        _login(session, "nadie@example.gt")
    assert wrong_password.value.message == wrong_email.value.message
    assert wrong_password.value.message.es == "Correo o contraseña incorrectos."
    assert wrong_password.value.http_status == 401
    # The refusal keeps its record: the adapter commits it (keep_changes).
    assert wrong_password.value.keep_changes is True
    failures = session.scalars(select(LoginAttempt).where(LoginAttempt.succeeded.is_(False))).all()
    assert {(f.email, f.client_address) for f in failures} == {(user.email, ADDRESS), ("nadie@example.gt", ADDRESS)}


def test_inactive_user_cannot_log_in(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    service.set_active(session, SYSTEM, user.id, False)
    with pytest.raises(Unauthenticated) as caught:
        _login(session, user.email)
    assert "desactivada" in caught.value.message.es


def test_login_upgrades_an_outdated_hash(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID).hash(PASSWORD)
    session.flush()
    old = user.password_hash
    _login(session, user.email)
    assert user.password_hash != old
    assert "m=65536,t=3,p=4" in user.password_hash
    _login(session, user.email, minutes=1)  # and the new hash verifies


def test_sixth_attempt_is_refused_even_with_the_right_password(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    for minute in range(5):
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", minutes=minute)
    with pytest.raises(TooManyAttempts) as caught:
        _login(session, user.email, minutes=5)
    error = caught.value
    assert error.http_status == 429
    assert error.code == "too_many_attempts"
    # The first failure (minute 0) leaves the 15-minute window at minute 15: 10 minutes to wait.
    assert "Espere 10 minutos" in error.message.es
    assert "Wait 10 minutes" in error.message.en
    # Blocked attempts are not counted, so waiting is enough: at minute 15 the right password works.
    with pytest.raises(TooManyAttempts, match="Wait 1 minute "):
        _login(session, user.email, minutes=14.5)
    assert _login(session, user.email, minutes=15).access_token


def test_the_limit_is_per_account_from_any_address(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    for n in range(5):
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", address=f"198.51.100.{n}")
    with pytest.raises(TooManyAttempts):
        _login(session, user.email, address="192.0.2.200")


def test_the_limit_is_per_client_address_across_accounts(session: Session, make_user: MakeUser) -> None:
    victim = make_user()
    for n in range(5):
        with pytest.raises(RejectedAndRecorded):
            _login(session, f"probe{n}@example.gt", "adivinanza-mala")
    with pytest.raises(TooManyAttempts) as caught:
        _login(session, victim.email)
    assert "minutos" in caught.value.message.es
    # Another address is not affected.
    assert _login(session, victim.email, address="192.0.2.1").access_token


def test_success_clears_the_account_count_but_not_the_address_count(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    for minute in range(4):
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", address=f"198.51.100.{minute}", minutes=minute)
    _login(session, user.email, address="192.0.2.1", minutes=4)
    with pytest.raises(RejectedAndRecorded):
        _login(session, user.email, "adivinanza-mala", address="192.0.2.2", minutes=5)
    assert _login(session, user.email, address="192.0.2.3", minutes=6).access_token


def test_refresh_rotates_and_reuse_revokes_the_whole_family(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    first = _login(session, user.email)
    second = service.refresh(session, first.refresh_token, T0 + timedelta(minutes=20))
    assert second.refresh_token != first.refresh_token
    assert service.resolve_bearer(session, second.access_token, T0 + timedelta(minutes=21)).actor.id == str(user.id)
    third = service.refresh(session, second.refresh_token, T0 + timedelta(minutes=40))

    rows = session.scalars(select(RefreshToken).where(RefreshToken.user_id == user.id).order_by(RefreshToken.id)).all()
    assert len({r.family_id for r in rows}) == 1
    assert [r.revoked_at is not None for r in rows] == [True, True, False]
    assert rows[0].replaced_by_id == rows[1].id
    assert rows[1].replaced_by_id == rows[2].id

    # Someone replays the first (already rotated) token: theft. Everything in the chain dies.
    with pytest.raises(RejectedAndRecorded) as caught:
        service.refresh(session, first.refresh_token, T0 + timedelta(minutes=41))
    assert "ya se había usado" in caught.value.message.es
    assert caught.value.keep_changes is True
    still_open = session.scalar(
        text("SELECT count(*) FROM refresh_tokens WHERE user_id = :u AND revoked_at IS NULL"), {"u": user.id}
    )
    assert still_open == 0
    with pytest.raises(Unauthenticated):
        service.refresh(session, third.refresh_token, T0 + timedelta(minutes=42))
    assert "refresh_token_reused" in [r.action for r in audit.history_of(session, "user", user.id)]


def test_refresh_refuses_unknown_expired_and_inactive(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    pair = _login(session, user.email)
    with pytest.raises(Unauthenticated, match="not valid"):
        service.refresh(session, "made-up", T0)
    with pytest.raises(Unauthenticated, match="expired"):
        service.refresh(session, pair.refresh_token, T0 + timedelta(days=14))
    other = make_user()
    other_pair = _login(session, other.email)
    service.set_active(session, service.principal_for_user(user).actor, other.id, False)
    with pytest.raises(Unauthenticated):
        service.refresh(session, other_pair.refresh_token, T0 + timedelta(minutes=1))


def test_logout_revokes_the_session(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    pair = _login(session, user.email)
    rotated = service.refresh(session, pair.refresh_token, T0 + timedelta(minutes=1))
    service.logout(session, rotated.refresh_token, T0 + timedelta(minutes=2))
    with pytest.raises(Unauthenticated):
        service.refresh(session, rotated.refresh_token, T0 + timedelta(minutes=3))
    service.logout(session, rotated.refresh_token, T0 + timedelta(minutes=4))  # twice is fine
    service.logout(session, "never-issued")
    actions = [r.action for r in audit.history_of(session, "user", user.id)]
    assert actions.count("logged_out") == 1


def test_logout_leaves_other_sessions_alone(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    laptop = _login(session, user.email)
    phone = _login(session, user.email, minutes=1)
    service.logout(session, laptop.refresh_token, T0 + timedelta(minutes=2))
    assert service.refresh(session, phone.refresh_token, T0 + timedelta(minutes=3)).access_token


def test_access_token_of_a_deactivated_user_is_refused_at_once(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    pair = _login(session, user.email)
    service.set_active(session, SYSTEM, user.id, False)
    with pytest.raises(Unauthenticated, match="deactivated"):
        service.resolve_bearer(session, pair.access_token, T0 + timedelta(minutes=1))
    with pytest.raises(Unauthenticated):
        service.refresh(session, pair.refresh_token, T0 + timedelta(minutes=1))


def test_nobody_deactivates_their_own_account(session: Session, make_user: MakeUser) -> None:
    from facturo.kit.errors import Conflict

    user = make_user()
    with pytest.raises(Conflict) as caught:
        service.set_active(session, service.principal_for_user(user).actor, user.id, False)
    assert "propia cuenta" in caught.value.message.es
    assert user.active
