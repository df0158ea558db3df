"""The access-control service: the one entry point surfaces and other packages use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from facturo.auth.api_tokens import (
    PLAINTEXT_MARKER,
    authenticate_api_token,
    create_api_token,
    create_api_token_until,
    get_api_token,
    list_api_tokens,
    principal_for_api_token,
    revoke_api_token,
    touch_api_token,
)
from facturo.auth.jwt_tokens import AccessClaims, decode_access_token, issue_access_token
from facturo.auth.models import User
from facturo.auth.principal import principal_for_token, principal_for_user, user_principal
from facturo.auth.sessions import SignedIn, TokenPair, login, logout, refresh, resolve_session, sign_in
from facturo.auth.users import (
    change_password,
    change_role,
    create_user,
    find_by_email,
    get_user,
    has_password,
    list_users,
    reset_password,
    set_active,
)
from facturo.kit import clock
from facturo.kit.access import Principal, Role
from facturo.kit.auth_settings import AuthSettings, get_auth_settings
from facturo.kit.db import table_of
from facturo.kit.errors import Msg, RejectedAndRecorded, TooManyAttempts, Unauthenticated


def resolve_bearer(
    session: Session, token: str, now: datetime | None = None, settings: AuthSettings | None = None
) -> Principal:
    """The principal behind an ``Authorization: Bearer`` value: an API token (``fct_…``) or a JWT
    access token whose user still exists and is active. Role and customer come from the database,
    not the token, so a demotion or deactivation applies at once (and so do an issuer's NITs)."""
    now = now or clock.now()
    token = token.strip()
    if not token:
        raise Unauthenticated(Msg("Falta el token de acceso.", "The access token is missing."))
    if token.startswith(PLAINTEXT_MARKER):
        return principal_for_api_token(session, token, now)
    claims = decode_access_token(token, now, settings)
    user = session.connection().execute(_SIGNED_IN, {"user_id": claims.user_id}).one_or_none()
    if user is None or not user.active:
        raise Unauthenticated(
            Msg(
                "El usuario de este token ya no existe o está desactivado.",
                "The user of this token no longer exists or is deactivated.",
            )
        )
    return user_principal(user.id, user.name, Role(user.role), user.customer_id, user.issuer_nits)


_users = table_of(User)
# The signed-in user's current state, as plain columns (one light query per request, nothing cached).
_SIGNED_IN = select(
    _users.c.id, _users.c.name, _users.c.role, _users.c.customer_id, _users.c.issuer_nits, _users.c.active
).where(_users.c.id == bindparam("user_id"))


__all__ = [
    "AccessClaims",
    "AuthSettings",
    "Principal",
    "RejectedAndRecorded",
    "SignedIn",
    "TokenPair",
    "TooManyAttempts",
    "Unauthenticated",
    "authenticate_api_token",
    "change_password",
    "change_role",
    "create_api_token",
    "create_api_token_until",
    "create_user",
    "decode_access_token",
    "find_by_email",
    "get_api_token",
    "get_auth_settings",
    "get_user",
    "has_password",
    "issue_access_token",
    "list_api_tokens",
    "list_users",
    "login",
    "logout",
    "principal_for_token",
    "principal_for_user",
    "refresh",
    "reset_password",
    "resolve_bearer",
    "resolve_session",
    "revoke_api_token",
    "set_active",
    "sign_in",
    "touch_api_token",
]
