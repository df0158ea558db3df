from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.auth import service
from facturo.kit import clock
from facturo.kit.access import Permission, Role
from facturo.kit.errors import PermissionDenied, Unauthenticated, ValidationFailed
from tests.auth.conftest import T0, MakeUser
from tests.factories import ACTOR, make_customer


def _create(session: Session, *permissions: str, **kwargs: object):
    return service.create_api_token(
        session, ACTOR, "integración ERP", list(permissions) or ["invoices:read"], now=T0, **kwargs
    )


def test_token_is_stored_hashed_only(session: Session) -> None:
    token, plaintext = _create(session, "invoices:read", "customers:read")
    assert plaintext.startswith("fct_")
    assert len(plaintext) == 4 + 43
    assert token.prefix == plaintext[4:12]
    row = session.execute(text("SELECT * FROM api_tokens WHERE id = :id"), {"id": token.id}).mappings().one()
    cells = [str(value) for value in row.values()]
    assert not any(plaintext in cell for cell in cells)
    assert not any(plaintext[4:] in cell for cell in cells)
    assert row["token_hash"] == hashlib.sha256(plaintext.encode()).hexdigest()
    # Nor in the history.
    history = session.execute(text("SELECT * FROM history_records WHERE entity_type = 'api_token'")).all()
    assert history
    assert not any(plaintext in str(cell) or row["token_hash"] in str(cell) for record in history for cell in record)


def test_token_authenticates_as_a_scoped_principal(session: Session) -> None:
    customer = make_customer(session)
    token, plaintext = _create(session, "invoices:read", customer_id=customer.id)
    principal = service.resolve_bearer(session, plaintext, T0)
    assert principal.actor.kind == "token"
    assert principal.actor.id == str(token.id)
    assert principal.actor.name == "integración ERP"
    assert principal.permissions == {Permission.INVOICES_READ}
    assert principal.role is None
    assert principal.customer_id == customer.id
    assert principal.can(Permission.INVOICES_READ)
    assert not principal.can(Permission.INVOICES_WRITE)


def test_revoked_token_is_refused_immediately(session: Session) -> None:
    token, plaintext = _create(session)
    assert service.authenticate_api_token(session, plaintext, T0).id == token.id
    service.revoke_api_token(session, ACTOR, token.id, T0 + timedelta(seconds=1))
    with pytest.raises(Unauthenticated, match="revoked") as caught:
        service.resolve_bearer(session, plaintext, T0 + timedelta(seconds=2))
    assert "revocado" in caught.value.message.es
    assert [r.action for r in audit.history_of(session, "api_token", token.id)] == ["created", "revoked"]


def test_expired_token_is_refused(session: Session) -> None:
    _, plaintext = _create(session, expires_at=T0 + timedelta(days=30))
    assert service.authenticate_api_token(session, plaintext, T0 + timedelta(days=29))
    with pytest.raises(Unauthenticated, match="expired"):
        service.authenticate_api_token(session, plaintext, T0 + timedelta(days=30))


@pytest.mark.parametrize("presented", ["fct_", "fct_made-up", "Bearer fct_x", "", "fct_" + "a" * 500])
def test_unknown_tokens_are_refused(session: Session, presented: str) -> None:
    _create(session)
    with pytest.raises(Unauthenticated):
        service.resolve_bearer(session, presented, T0)


def test_tampered_token_is_refused(session: Session) -> None:
    _, plaintext = _create(session)
    with pytest.raises(Unauthenticated):
        service.resolve_bearer(session, plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"), T0)


def test_last_used_is_recorded_at_most_once_a_minute(session: Session) -> None:
    token, plaintext = _create(session)
    service.authenticate_api_token(session, plaintext, T0)
    assert token.last_used_at is None  # authenticating reads only; the adapter records the use
    assert service.touch_api_token(session, token.id, T0) is True
    assert service.touch_api_token(session, token.id, T0 + timedelta(seconds=59)) is False
    assert service.touch_api_token(session, token.id, T0 + timedelta(seconds=61)) is True
    session.expire_all()
    stored = session.get(type(token), token.id)
    assert stored is not None and stored.last_used_at == T0 + timedelta(seconds=61)


def test_permissions_must_exist(session: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _create(session, "invoices:read", "invoices:delete", "root")
    assert caught.value.problems[0].rule == "permissions.unknown"
    assert "invoices:delete, root" in caught.value.message.es
    with pytest.raises(ValidationFailed, match="at least one"):
        service.create_api_token(session, ACTOR, "vacío", [], now=T0)


def test_customer_token_holds_only_customer_permissions(session: Session) -> None:
    customer = make_customer(session)
    with pytest.raises(ValidationFailed) as caught:
        _create(session, "invoices:read", "payments:write", customer_id=customer.id)
    assert "payments:write" in caught.value.message.es


def test_a_creator_cannot_grant_more_than_it_has(session: Session, make_user: MakeUser) -> None:
    accountant = service.principal_for_user(make_user(Role.ACCOUNTANT))
    with pytest.raises(PermissionDenied, match="users:admin"):
        _create(session, "invoices:read", "users:admin", granted_by=accountant)
    token, _ = _create(session, "invoices:read", granted_by=accountant)
    assert token.permissions == ["invoices:read"]


def test_expiry_must_be_in_the_future(session: Session) -> None:
    with pytest.raises(ValidationFailed, match="future"):
        _create(session, expires_at=T0 - timedelta(seconds=1))


def test_creator_is_recorded_and_tokens_are_listed(session: Session, make_user: MakeUser) -> None:
    admin = service.principal_for_user(make_user(Role.ADMIN))
    token, _ = service.create_api_token(session, admin.actor, "nocturno", ["billing:run"], now=T0)
    assert token.created_by_user_id == int(admin.actor.id)
    revoked, _ = _create(session)
    service.revoke_api_token(session, ACTOR, revoked.id, T0)
    ids = [t.id for t in service.list_api_tokens(session)]
    assert token.id in ids
    assert revoked.id in ids
    assert revoked.id not in [t.id for t in service.list_api_tokens(session, include_revoked=False)]


@pytest.mark.usefixtures("at_t0")
def test_bearer_resolution_uses_facturos_clock(session: Session) -> None:
    _, plaintext = _create(session, expires_at=T0 + timedelta(hours=1))
    assert service.resolve_bearer(session, plaintext).actor.kind == "token"
    with clock.frozen(T0 + timedelta(hours=1)), pytest.raises(Unauthenticated, match="expired"):
        service.resolve_bearer(session, plaintext)


def test_use_is_recorded_with_the_client_address(session: Session) -> None:
    token, _ = _create(session)
    assert service.touch_api_token(session, token.id, T0, "203.0.113.50")
    session.refresh(token)
    assert (token.last_used_at, token.last_used_from) == (T0, "203.0.113.50")
    # Within the minute from the same address: no write; from another address: recorded at once.
    assert not service.touch_api_token(session, token.id, T0 + timedelta(seconds=30), "203.0.113.50")
    assert service.touch_api_token(session, token.id, T0 + timedelta(seconds=40), "198.51.100.9")
    session.refresh(token)
    assert (token.last_used_at, token.last_used_from) == (T0 + timedelta(seconds=40), "198.51.100.9")
