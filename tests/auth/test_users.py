from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.auth import service
from facturo.kit.access import Permission, Role
from facturo.kit.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from tests.auth.conftest import PASSWORD, T0, MakeUser
from tests.factories import ACTOR, make_customer


def test_customer_role_requires_a_customer(session: Session, make_user: MakeUser) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_user(Role.CUSTOMER)
    assert caught.value.problems[0].field == "customer_id"
    assert caught.value.problems[0].rule == "user.customer_required"
    assert "debe estar vinculado a un cliente" in caught.value.message.es

    customer = make_customer(session)
    portal = make_user(Role.CUSTOMER, customer.id)
    principal = service.principal_for_user(portal)
    assert principal.customer_id == customer.id
    assert principal.permissions == {Permission.INVOICES_READ, Permission.CATALOG_READ}


def test_other_roles_cannot_carry_a_customer(session: Session, make_user: MakeUser) -> None:
    customer = make_customer(session)
    with pytest.raises(ValidationFailed) as caught:
        make_user(Role.ACCOUNTANT, customer.id)
    assert caught.value.problems[0].rule == "user.customer_not_allowed"


def test_customer_must_exist(make_user: MakeUser) -> None:
    with pytest.raises(NotFound):
        make_user(Role.CUSTOMER, 999_999)


def test_email_is_lower_cased_and_unique(make_user: MakeUser) -> None:
    user = make_user(email="  Maria@Empresa.GT ")
    assert user.email == "maria@empresa.gt"
    with pytest.raises(Conflict, match="already exists"):
        make_user(email="MARIA@empresa.gt")


@pytest.mark.parametrize("email", ["", "sin-arroba", "a@b", "dos@@example.gt"])
def test_bad_emails_are_refused(make_user: MakeUser, email: str) -> None:
    with pytest.raises(ValidationFailed, match="not valid"):
        make_user(email=email)


def test_unknown_role_is_refused(make_user: MakeUser) -> None:
    with pytest.raises(ValidationFailed, match="options"):
        make_user("superuser")  # type: ignore[arg-type]


def test_password_hash_never_enters_the_history(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    created = audit.history_of(session, "user", user.id)[0]
    assert created.after is not None
    assert "password_hash" not in created.after
    assert created.after["email"] == user.email
    assert created.actor_name == ACTOR.name


def test_change_password(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    pair = service.login(session, user.email, PASSWORD, "192.0.2.1", T0)
    me = service.principal_for_user(user).actor
    with pytest.raises(ValidationFailed, match="current password"):
        service.change_password(session, me, user.id, "no-la-sé-123", "otra-contraseña-larga")
    with pytest.raises(ValidationFailed, match="at least 10"):
        service.change_password(session, me, user.id, PASSWORD, "corta")
    with pytest.raises(ValidationFailed, match="differ"):
        service.change_password(session, me, user.id, PASSWORD, PASSWORD)
    service.change_password(session, me, user.id, PASSWORD, "otra-contraseña-larga")
    # Open sessions end with the old password.
    with pytest.raises(Unauthenticated):
        service.refresh(session, pair.refresh_token, T0 + timedelta(minutes=1))
    assert service.login(session, user.email, "otra-contraseña-larga", "192.0.2.1", T0 + timedelta(minutes=2))
    record = audit.history_of(session, "user", user.id)[-2]
    assert record.action == "password_changed"
    assert record.actor_id == str(user.id)


def test_deactivate_and_reactivate(session: Session, make_user: MakeUser) -> None:
    user = make_user()
    service.set_active(session, ACTOR, user.id, False)
    assert service.list_users(session, active=False) == [user]
    service.set_active(session, ACTOR, user.id, True)
    assert service.login(session, user.email, PASSWORD, "192.0.2.1", T0)
    actions = [r.action for r in audit.history_of(session, "user", user.id)]
    assert actions[:3] == ["created", "deactivated", "reactivated"]


def test_get_user_unknown(session: Session) -> None:
    with pytest.raises(NotFound, match="User 424242 does not exist"):
        service.get_user(session, 424242)
