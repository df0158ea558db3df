"""API tokens for machine clients: random, shown once, stored as sha256, scoped, revocable.

The plaintext looks like ``fct_<43 url-safe characters>``. The 8 characters after ``fct_`` are
kept as a visible prefix so people can tell their tokens apart in lists and logs.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.auth.grants import ensure_can_grant
from facturo.auth.issuer_scope import check_token_scope, effective_scope, ensure_within_scope, parse_issuer_nits, stored
from facturo.auth.models import ApiToken, User
from facturo.auth.principal import token_principal
from facturo.auth.sessions import hash_token
from facturo.auth.users import checked_name
from facturo.customers import service as customers
from facturo.kit import clock
from facturo.kit.access import ROLE_PERMISSIONS, Permission, Principal, Role
from facturo.kit.actor import Actor
from facturo.kit.db import table_of
from facturo.kit.errors import Msg, Unauthenticated, ValidationFailed, not_found
from facturo.organisation import service as organisation

PLAINTEXT_MARKER = "fct_"
PREFIX_LENGTH = 8
MAX_NAME = 120
# A busy client would otherwise turn every read into a write; minute precision is all anyone
# needs from "last used".
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_ADDRESS = 100
_SECRET_COLUMNS = ("token_hash",)


def _snapshot(token: ApiToken) -> dict[str, Any]:
    return audit.snapshot(token, exclude=_SECRET_COLUMNS)


def _parse_permissions(values: Iterable[str]) -> list[str]:
    values = list(values)
    known = {p.value for p in Permission}
    unknown = sorted({str(v) for v in values if v not in known})
    if unknown:
        listed = ", ".join(unknown)
        raise ValidationFailed.on(
            "permissions",
            "permissions.unknown",
            f"Permisos desconocidos: {listed}.",
            f"Unknown permissions: {listed}.",
        )
    if not values:
        raise ValidationFailed.on(
            "permissions",
            "permissions.empty",
            "Indique al menos un permiso para el token.",
            "Give the token at least one permission.",
        )
    return sorted(set(values))


def _creating_user(session: Session, actor: Actor) -> int | None:
    """The person a new token answers to: the signed-in user, or, for a token made by a token, that
    token's own creator (so deactivating the person suspends the whole line)."""
    if not actor.id.isdigit():
        return None
    if actor.kind == "user":
        return int(actor.id)
    if actor.kind == "token":
        parent = session.get(ApiToken, int(actor.id))
        return parent.created_by_user_id if parent is not None else None
    return None


def create_api_token(
    session: Session,
    actor: Actor,
    name: str,
    permissions: Iterable[str],
    expires_at: datetime | None = None,
    customer_id: int | None = None,
    *,
    issuer_nits: Iterable[str] | None = None,
    granted_by: Principal | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token; the plaintext is returned once and never stored.

    ``granted_by``: the principal creating the token (every surface passes it; the CLI passes the
    local administrator). The token may not carry a permission its creator lacks (403 naming them):
    no escalation through tokens.
    A customer-scoped token can only hold what a customer user holds. ``issuer_nits`` binds it to
    those issuers (a certifier's token lists many): it can then hold only the issuer role's
    permissions, and a granter bound to issuers never widens its own NITs.
    """
    now = now or clock.now()
    name = checked_name(name, MAX_NAME)
    chosen = _parse_permissions(permissions)
    nits = check_token_scope(parse_issuer_nits(issuer_nits), chosen, customer_id)
    if granted_by is not None:
        ensure_can_grant(granted_by, chosen)
        if granted_by.customer_id is not None and customer_id != granted_by.customer_id:
            raise ValidationFailed.on(
                "customer_id",
                "token.customer_scope",
                "Un usuario de cliente solo puede crear tokens de su propio cliente.",
                "A customer user can only create tokens for its own customer.",
            )
        ensure_within_scope(granted_by, nits)
    if customer_id is not None:
        customers.get_customer(session, customer_id)
        allowed = {p.value for p in ROLE_PERMISSIONS[Role.CUSTOMER]}
        beyond = sorted(set(chosen) - allowed)
        if beyond:
            listed = ", ".join(beyond)
            raise ValidationFailed.on(
                "permissions",
                "permissions.customer_scope",
                f"Un token de cliente no admite estos permisos: {listed}.",
                f"A customer token cannot hold these permissions: {listed}.",
            )
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise ValidationFailed.on(
            "expires_at",
            "token.expiry_past",
            "La fecha de caducidad debe estar en el futuro (con zona horaria).",
            "The expiry must be in the future (with a time zone).",
        )

    plaintext = PLAINTEXT_MARKER + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        prefix=plaintext[len(PLAINTEXT_MARKER) : len(PLAINTEXT_MARKER) + PREFIX_LENGTH],
        token_hash=hash_token(plaintext),
        permissions=chosen,
        created_by_user_id=_creating_user(session, actor),
        customer_id=customer_id,
        issuer_nits=stored(nits),
        expires_at=expires_at,
        created_at=now,
    )
    session.add(token)
    session.flush()
    audit.record(session, actor, "api_token", token.id, "created", after=_snapshot(token))
    return token, plaintext


def create_api_token_until(
    session: Session,
    actor: Actor,
    name: str,
    permissions: Iterable[str],
    last_day: date | None = None,
    customer_id: int | None = None,
    *,
    issuer_nits: Iterable[str] | None = None,
    granted_by: Principal | None = None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """``create_api_token`` with the expiry given as the last day the token works: it stops when that
    day ends in the organisation's time zone (the installation's default while no profile exists yet)."""
    expires_at = None
    if last_day is not None:
        timezone = organisation.business_timezone(session)  # the installation's default before a profile exists
        try:
            expires_at = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=ZoneInfo(timezone))
        except OverflowError:
            raise ValidationFailed.on(
                "expires_at", "token.expiry_range", "La fecha de caducidad no es válida.", "The expiry is not valid."
            ) from None
    return create_api_token(
        session,
        actor,
        name,
        permissions,
        expires_at,
        customer_id,
        issuer_nits=issuer_nits,
        granted_by=granted_by,
        now=now,
    )


def get_api_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise not_found("el token", "API token", token_id)
    return token


def list_api_tokens(session: Session, include_revoked: bool = True) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.id)
    if not include_revoked:
        stmt = stmt.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(stmt))


def revoke_api_token(session: Session, actor: Actor, token_id: int, now: datetime | None = None) -> ApiToken:
    """Effective on the token's next request. Revoking twice keeps the first revocation time."""
    token = get_api_token(session, token_id)
    if token.revoked_at is None:
        token.revoked_at = now or clock.now()
        session.flush()
        audit.record(
            session,
            actor,
            "api_token",
            token.id,
            "revoked",
            before={"revoked_at": None},
            after={"revoked_at": audit.jsonable(token.revoked_at)},
        )
    return token


_tokens, _users = table_of(ApiToken), table_of(User)
# A request's token and the state of its creating user in one round trip, as plain columns (no ORM
# objects to build on every request). Nothing is cached between requests: a revocation, an expiry,
# a deactivation or a demotion of the creator applies to the very next request.
_RESOLVE = (
    select(
        _tokens.c.id,
        _tokens.c.name,
        _tokens.c.permissions,
        _tokens.c.customer_id,
        _tokens.c.issuer_nits,
        _tokens.c.expires_at,
        _tokens.c.revoked_at,
        _tokens.c.created_by_user_id,
        _users.c.active.label("creator_active"),
        _users.c.role.label("creator_role"),
        _users.c.issuer_nits.label("creator_issuer_nits"),
    )
    .select_from(_tokens.outerjoin(_users, _users.c.id == _tokens.c.created_by_user_id))
    .where(_tokens.c.token_hash == bindparam("token_hash"))
)
_INVALID = Msg("El token de API no es válido.", "The API token is not valid.")
_REVOKED = Msg("El token de API fue revocado.", "The API token has been revoked.")
_EXPIRED = Msg("El token de API ha caducado.", "The API token has expired.")
_SUSPENDED = Msg(
    "El token de API está suspendido: el usuario que creó este token está desactivado. "
    "Vuelve a funcionar si un administrador reactiva a ese usuario.",
    "The API token is suspended: the user who created this token is deactivated. "
    "It works again if an administrator reactivates that user.",
)


def _checked_plaintext(plaintext: str) -> str:
    if not plaintext.startswith(PLAINTEXT_MARKER) or len(plaintext) > 200:
        raise Unauthenticated(_INVALID)
    return hash_token(plaintext)


def _usable_row(session: Session, plaintext: str, now: datetime | None) -> Any:
    """The token's row (``_RESOLVE``) after every check, in order: known, not revoked, not expired,
    its creator (if any) still active. Each refusal has its own message."""
    now = now or clock.now()
    row = session.connection().execute(_RESOLVE, {"token_hash": _checked_plaintext(plaintext)}).one_or_none()
    if row is None:
        raise Unauthenticated(_INVALID)
    if row.revoked_at is not None:
        raise Unauthenticated(_REVOKED)
    if row.expires_at is not None and now >= row.expires_at:
        raise Unauthenticated(_EXPIRED)
    if row.created_by_user_id is not None and not row.creator_active:  # NULL too: the creator is gone
        raise Unauthenticated(_SUSPENDED)
    return row


def authenticate_api_token(session: Session, plaintext: str, now: datetime | None = None) -> ApiToken:
    token = session.get(ApiToken, _usable_row(session, plaintext, now).id)
    assert token is not None  # the row was just read in this transaction
    return token


def principal_for_api_token(session: Session, plaintext: str, now: datetime | None = None) -> Principal:
    """``authenticate_api_token`` then ``principal_for_token``, for every API request: the same checks,
    read in one query of plain columns."""
    row = _usable_row(session, plaintext, now)
    creator_role = Role(row.creator_role) if row.created_by_user_id is not None else None
    creator_scope = effective_scope(creator_role, row.creator_issuer_nits) if creator_role is not None else None
    return token_principal(
        row.id, row.name, row.permissions, row.customer_id, creator_role, row.issuer_nits, creator_scope
    )


def creator_of(session: Session, token: ApiToken) -> User | None:
    return session.get(User, token.created_by_user_id) if token.created_by_user_id is not None else None


def touch_api_token(
    session: Session, token_id: int, now: datetime | None = None, client_address: str | None = None
) -> bool:
    """Record that a token was used, and from which client address. Kept apart from
    authentication so that reading requests stay read-only; the adapter calls it in a short write
    unit of its own. At most one write per ``LAST_USED_PRECISION``, unless the address changed: the
    UPDATE only matches a stale timestamp or another address."""
    now = now or clock.now()
    cutoff = now - LAST_USED_PRECISION
    stale = or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= cutoff)
    values: dict[str, object] = {"last_used_at": now}
    if client_address:
        address = client_address[:MAX_ADDRESS]
        values["last_used_from"] = address
        stale = or_(stale, ApiToken.last_used_from.is_(None), ApiToken.last_used_from != address)
    result = session.execute(update(ApiToken).where(ApiToken.id == token_id, stale).values(**values))
    return bool(getattr(result, "rowcount", 0))
