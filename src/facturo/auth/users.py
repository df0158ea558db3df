"""User accounts: creation with a role, password changes, activation."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.auth.grants import ensure_can_grant_role
from facturo.auth.issuer_scope import check_user_scope, ensure_within_scope, parse_issuer_nits, stored
from facturo.auth.models import RefreshToken, User
from facturo.auth.passwords import MIN_LENGTH as MIN_PASSWORD_LENGTH
from facturo.auth.passwords import check_policy, hash_password, verify_password
from facturo.customers import service as customers
from facturo.kit import clock
from facturo.kit.access import Principal, Role
from facturo.kit.actor import Actor
from facturo.kit.errors import Conflict, Msg, ValidationFailed, not_found
from facturo.kit.schemas import EMAIL

_EMAIL = re.compile(EMAIL)  # the pattern the API documents (kit.schemas)
MAX_EMAIL = 254
MAX_NAME = 200
# Never copied into the history, even hashed.
_SECRET_COLUMNS = ("password_hash",)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _check_email(email: str) -> None:
    if not _EMAIL.match(email) or len(email) > MAX_EMAIL:
        raise ValidationFailed.on(
            "email", "email.format", f"El correo «{email}» no es válido.", f"Email “{email}” is not valid."
        )


def _parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        options = ", ".join(r.value for r in Role)
        raise ValidationFailed.on(
            "role",
            "role.unknown",
            f"El rol «{role}» no existe; opciones: {options}.",
            f"Role “{role}” does not exist; options: {options}.",
        ) from None


def _check_scope(session: Session, role: Role, customer_id: int | None) -> None:
    if role is Role.CUSTOMER and customer_id is None:
        raise ValidationFailed.on(
            "customer_id",
            "user.customer_required",
            "Un usuario con rol «customer» debe estar vinculado a un cliente (customer_id).",
            "A user with the “customer” role must be linked to a customer (customer_id).",
        )
    if role is not Role.CUSTOMER and customer_id is not None:
        raise ValidationFailed.on(
            "customer_id",
            "user.customer_not_allowed",
            f"Solo los usuarios con rol «customer» se vinculan a un cliente; el rol «{role}» no admite customer_id.",
            f"Only “customer” users are linked to a customer; role “{role}” takes no customer_id.",
        )
    if customer_id is not None:
        customers.get_customer(session, customer_id)


def _snapshot(user: User) -> dict[str, Any]:
    return audit.snapshot(user, exclude=_SECRET_COLUMNS)


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise not_found("el usuario", "User", user_id)
    return user


# No "@": a username can then never equal another account's email (login accepts either).
_USERNAME = re.compile(r"^[\w.+-]{1,100}$")
# Placeholder address for a portal login whose message gave no usable email; the reserved
# ``.invalid`` top-level domain (RFC 2606) can never deliver mail.
_NO_EMAIL_DOMAIN = "clientes.invalid"


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == normalize_email(email))).one_or_none()


def has_password(session: Session, email: str, password: str) -> bool:
    """Whether an active user signs in with this password (no attempt recorded, no session opened)."""
    user = find_by_email(session, email)
    return user is not None and user.active and verify_password(user.password_hash, password)


def list_users(session: Session, active: bool | None = None) -> list[User]:
    stmt = select(User).order_by(User.id)
    if active is not None:
        stmt = stmt.where(User.active == active)
    return list(session.scalars(stmt))


def create_user(
    session: Session,
    actor: Actor,
    email: str,
    name: str,
    password: str,
    role: Role | str,
    customer_id: int | None = None,
    *,
    issuer_nits: Iterable[str] | None = None,
    granted_by: Principal | None = None,
) -> User:
    """``granted_by``: the authenticated principal creating the user (every surface passes it; the
    CLI passes the local administrator). The role's permissions must all be the granter's own, and
    only an administrator creates an administrator. An issuer is bound to ``issuer_nits`` (one or
    more, a certifier's many); no other role takes any."""
    email = normalize_email(email)
    name = checked_name(name, MAX_NAME)
    _check_email(email)
    parsed_role = _parse_role(role)
    nits = parse_issuer_nits(issuer_nits)
    if granted_by is not None:
        ensure_can_grant_role(granted_by, parsed_role)
        ensure_within_scope(granted_by, nits)
    _check_scope(session, parsed_role, customer_id)
    check_user_scope(parsed_role, nits)
    check_policy(password, email)
    if find_by_email(session, email) is not None:
        raise Conflict(
            Msg(f"Ya existe un usuario con el correo {email}.", f"A user with email {email} already exists.")
        )
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=parsed_role.value,
        customer_id=customer_id,
        issuer_nits=stored(nits),
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user", user.id, "created", after=_snapshot(user))
    return user


def change_password(session: Session, actor: Actor, user_id: int, old_password: str, new_password: str) -> User:
    """The holder changes their own password; every open session ends (stolen refresh tokens too)."""
    user = get_user(session, user_id)
    if not verify_password(user.password_hash, old_password):
        raise ValidationFailed.on(
            "old_password",
            "password.wrong",
            "La contraseña actual no es correcta.",
            "The current password is not correct.",
        )
    check_policy(new_password, user.email)
    if verify_password(user.password_hash, new_password):
        raise ValidationFailed.on(
            "new_password",
            "password.unchanged",
            "La nueva contraseña debe ser distinta de la actual.",
            "The new password must differ from the current one.",
        )
    user.password_hash = hash_password(new_password)
    revoke_all_sessions(session, user.id, clock.now())
    session.flush()
    audit.record(session, actor, "user", user.id, "password_changed")
    return user


def reset_password(
    session: Session, actor: Actor, user_id: int, new_password: str, *, granted_by: Principal | None = None
) -> User:
    """An administrator sets a new password (the holder forgot theirs); every open session ends.
    Whoever sets it could sign in as that user, so it takes holding everything that user holds."""
    user = get_user(session, user_id)
    if granted_by is not None:
        ensure_can_grant_role(granted_by, Role(user.role))
    check_policy(new_password, user.email)
    user.password_hash = hash_password(new_password)
    revoke_all_sessions(session, user.id, clock.now())
    session.flush()
    audit.record(session, actor, "user", user.id, "password_reset")
    return user


def set_active(
    session: Session, actor: Actor, user_id: int, active: bool, *, granted_by: Principal | None = None
) -> User:
    """Deactivating ends the user's sessions at once; access tokens die with their short TTL, and
    ``resolve_bearer`` refuses them immediately because it checks the user is still active. The API
    tokens the user created are suspended while the user is deactivated.

    Reactivating gives the user's role (and their tokens) back, so it is a grant, and deactivating
    takes it away: either way ``granted_by`` must hold everything the role holds."""
    user = get_user(session, user_id)
    if user.active != active and granted_by is not None:
        ensure_can_grant_role(granted_by, Role(user.role))
    if not active and actor.kind == "user" and actor.id == str(user_id):
        raise Conflict(
            Msg(
                "No puede desactivar su propia cuenta; pídalo a otro administrador.",
                "You cannot deactivate your own account; ask another administrator.",
            )
        )
    if user.active != active:
        user.active = active
        if not active:
            revoke_all_sessions(session, user.id, clock.now())
        session.flush()
        audit.record_active_change(session, actor, "user", user.id, active)
    return user


def change_role(
    session: Session,
    actor: Actor,
    user_id: int,
    role: Role | str,
    customer_id: int | None = None,
    *,
    issuer_nits: Iterable[str] | None = None,
    granted_by: Principal | None = None,
) -> User:
    """Give a user another role (or an issuer other NITs). The granter must hold both the new
    role's permissions and the current one's (nobody demotes or re-scopes someone who can do more
    than they can). Narrowing an issuer's NITs narrows the tokens they created at once."""
    user = get_user(session, user_id)
    parsed_role = _parse_role(role)
    nits = parse_issuer_nits(issuer_nits)
    if granted_by is not None:
        ensure_can_grant_role(granted_by, Role(user.role))
        ensure_can_grant_role(granted_by, parsed_role)
        ensure_within_scope(granted_by, nits)
    _check_scope(session, parsed_role, customer_id)
    check_user_scope(parsed_role, nits)
    if user.role == parsed_role.value and user.customer_id == customer_id and user.issuer_nits == stored(nits):
        return user
    if actor.kind == "user" and actor.id == str(user_id):
        # Like deactivating oneself: an administrator never locks themselves (or the last admin) out.
        raise Conflict(
            Msg(
                "No puede cambiar su propio rol; pídalo a otro administrador.",
                "You cannot change your own role; ask another administrator.",
            )
        )
    before = _snapshot(user)
    user.role, user.customer_id, user.issuer_nits = parsed_role.value, customer_id, stored(nits)
    # The user's open sessions keep working (role is read on every request) with the new role.
    session.flush()
    audit.record(session, actor, "user", user.id, "role_changed", before=before, after=_snapshot(user))
    return user


def checked_name(name: str, max_length: int) -> str:
    """A display name (of a user or a token): required, trimmed, within its column."""
    name = name.strip()
    if not name or len(name) > max_length:
        raise ValidationFailed.on(
            "name",
            "name.length",
            f"El nombre es obligatorio y admite como máximo {max_length} caracteres.",
            f"The name is required and can be at most {max_length} characters long.",
        )
    return name


def revoke_refresh_tokens(session: Session, which: ColumnElement[bool], now: datetime) -> int:
    """Revoke the still-valid refresh tokens matching ``which``; returns how many."""
    result = session.execute(
        update(RefreshToken)
        .where(which, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_all_sessions(session: Session, user_id: int, now: datetime) -> int:
    return revoke_refresh_tokens(session, RefreshToken.user_id == user_id, now)


def ensure_portal_login(
    session: Session, actor: Actor, customer_id: int, username: str, password: str, email: str
) -> tuple[str, list[Msg]]:
    """Give a customer the portal login an import message describes (IPC2 ``usuario``/``clave``).

    The password is stored as an argon2id hash, never as given. Returns ``created``, ``updated``
    (new password), ``unchanged`` or ``skipped``, and warnings for the person importing.
    """
    username = username.strip().lower()
    if not username or not password:
        return "skipped", [
            Msg(
                "Sin usuario o clave: el cliente no tendrá acceso al portal.",
                "No username or password: the customer gets no portal login.",
            )
        ]
    if not _USERNAME.match(username):
        return "skipped", [
            Msg(
                f"El usuario «{username[:40]}» no es válido (letras, dígitos, . _ - +); no se crea el acceso.",
                f"Username “{username[:40]}” is not valid (letters, digits, . _ - +); no login created.",
            )
        ]
    warnings: list[Msg] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        warnings.append(
            Msg(
                f"La clave del usuario {username} tiene menos de {MIN_PASSWORD_LENGTH} caracteres; "
                "conviene que el cliente la cambie.",
                f"User {username}'s password is shorter than {MIN_PASSWORD_LENGTH} characters; "
                "the customer should change it.",
            )
        )
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is not None:
        if user.customer_id != customer_id:
            return "skipped", [
                Msg(
                    f"El usuario {username} ya pertenece a otra cuenta; no se modifica.",
                    f"Username {username} already belongs to another account; left unchanged.",
                )
            ]
        if verify_password(user.password_hash, password):
            return "unchanged", warnings
        user.password_hash = hash_password(password)
        revoke_all_sessions(session, user.id, clock.now())
        session.flush()
        audit.record(session, actor, "user", user.id, "password_changed")
        return "updated", warnings
    email = normalize_email(email)
    if not _EMAIL.match(email) or len(email) > MAX_EMAIL or find_by_email(session, email) is not None:
        email = f"{username}@{_NO_EMAIL_DOMAIN}"
    user = User(
        email=email,
        username=username,
        name=checked_name(username, MAX_NAME),
        password_hash=hash_password(password),
        role=Role.CUSTOMER.value,
        customer_id=customer_id,
        active=True,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user", user.id, "created", after=_snapshot(user))
    return "created", warnings
