from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from argon2 import PasswordHasher, Type
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.auth import service
from facturo.auth.models import LoginAttempt, RefreshToken
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from facturo.kit.errors import RejectedAndRecorded, TooManyAttempts, Unauthenticated
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


def test_after_five_failures_each_try_waits_twice_as_long(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    for minute in range(5):
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", minutes=minute)
    # Refused without checking the password, even the right one: one minute after the 5th failure.
    with pytest.raises(TooManyAttempts) as caught:
        _login(session, user.email, minutes=4.5)
    error = caught.value
    assert error.http_status == 429
    assert error.code == "too_many_attempts"
    assert "Espere 1 minuto e inténtelo" in error.message.es
    assert "Wait 1 minute and try again" in error.message.en
    with pytest.raises(RejectedAndRecorded):
        _login(session, user.email, "adivinanza-mala", minutes=5)
    # The 6th failure doubles the wait (2 minutes from minute 5); refused tries add nothing.
    with pytest.raises(TooManyAttempts, match="Wait 2 minutes"):
        _login(session, user.email, minutes=5.5)
    with pytest.raises(TooManyAttempts, match="Wait 1 minute "):
        _login(session, user.email, minutes=6.5)
    assert _login(session, user.email, minutes=7).access_token


def test_the_wait_never_exceeds_the_cap_and_failures_are_forgotten(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    minute = 0.0
    for _ in range(12):  # waits 1, 2, 4, 8, then 15 (the cap) each time
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", minutes=minute)
        minute += 15
    with pytest.raises(TooManyAttempts, match="Wait 15 minutes"):
        _login(session, user.email, minutes=minute - 15)
    # An hour after the last failure the slate is clean: five free tries again.
    last = minute - 15
    for n in range(5):
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", minutes=last + 60 + n / 10)


def test_a_strangers_failures_elsewhere_never_stop_the_owner(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    for n in range(25):  # past the account ceiling (20), from many addresses
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", address=f"198.51.100.{n}")
    # The owner's own address has no failures: the right password works at once.
    assert _login(session, user.email, address=ADDRESS).access_token
    # Under attack every address gets a single free failure before its own backoff.
    with pytest.raises(TooManyAttempts, match="Wait 1 minute "):
        _login(session, user.email, address="198.51.100.3")
    with pytest.raises(RejectedAndRecorded):
        _login(session, user.email, "adivinanza-mala", address="192.0.2.77")
    with pytest.raises(TooManyAttempts):
        _login(session, user.email, address="192.0.2.77")


def test_the_limit_is_per_client_address_across_accounts(session: Session, make_user: MakeUser) -> None:
    victim = make_user()
    for n in range(20):
        with pytest.raises(RejectedAndRecorded):
            _login(session, f"probe{n}@example.gt", "adivinanza-mala")
    with pytest.raises(TooManyAttempts) as caught:
        _login(session, victim.email)
    assert "minuto" in caught.value.message.es
    # Another address is not affected.
    assert _login(session, victim.email, address="192.0.2.1").access_token


def test_success_clears_its_own_count_but_not_the_address_count(session: Session, make_user: MakeUser) -> None:
    user, other = make_user(), make_user()
    for minute in range(4):
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", minutes=minute)
    _login(session, user.email, minutes=4)
    for minute in range(5, 10):  # five free failures again after the success
        with pytest.raises(RejectedAndRecorded):
            _login(session, user.email, "adivinanza-mala", minutes=minute)
    with pytest.raises(TooManyAttempts):
        _login(session, user.email, minutes=9.5)
    # The address has 9 failures, short of its 20: another account signs in from it.
    assert _login(session, other.email, minutes=9.5).access_token
    counted = session.scalars(select(LoginAttempt.succeeded).where(LoginAttempt.email == user.email)).all()
    assert counted.count(False) == 9


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
