"""Login, refresh-token rotation and logout.

Refresh tokens are random strings the database knows only by sha256. Each refresh revokes the
presented token and issues its successor in the same family; presenting a token that was already
rotated means two parties hold the chain (one of them stole it), so the whole family is revoked
and both must log in again.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.auth import throttle
from facturo.auth.jwt_tokens import issue_access_token
from facturo.auth.models import LoginAttempt, RefreshToken, User
from facturo.auth.passwords import dummy_hash, hash_password, needs_rehash, verify_password
from facturo.auth.principal import principal_for_user
from facturo.auth.users import normalize_email, revoke_refresh_tokens
from facturo.kit import clock
from facturo.kit.access import Principal
from facturo.kit.actor import SYSTEM
from facturo.kit.auth_settings import AuthSettings, get_auth_settings
from facturo.kit.errors import Msg, RejectedAndRecorded, TooManyAttempts, Unauthenticated

MAX_CLIENT_ADDRESS = 100
MAX_EMAIL = 254


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds the access token lives


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


_WRONG_CREDENTIALS = Msg("Correo o contraseña incorrectos.", "Incorrect email or password.")


@dataclass(frozen=True, slots=True)
class SignedIn:
    tokens: TokenPair
    principal: Principal  # who signed in: where a browser lands next depends on it


def login(
    session: Session,
    email: str,
    password: str,
    client_address: str,
    now: datetime | None = None,
    settings: AuthSettings | None = None,
) -> TokenPair:
    """Exchange email and password for a token pair (the details under ``sign_in``)."""
    return sign_in(session, email, password, client_address, now, settings).tokens


def sign_in(
    session: Session,
    email: str,
    password: str,
    client_address: str,
    now: datetime | None = None,
    settings: AuthSettings | None = None,
) -> SignedIn:
    """Exchange email and password for a token pair, and say who signed in.

    ``client_address`` is the caller's address as ``auth.client_address`` resolves it (proxy
    headers only from trusted proxies). Failures are limited per account and address with
    exponential backoff (``auth.throttle``); a throttled attempt is refused (429) without checking
    the password. A failed attempt raises ``RejectedAndRecorded`` whose record the adapter must
    commit (see its docstring).
    """
    settings = settings or get_auth_settings()
    now = now or clock.now()
    email = normalize_email(email)[:MAX_EMAIL]
    client_address = (client_address or "unknown")[:MAX_CLIENT_ADDRESS]
    # Locked until this unit of work ends: concurrent attempts on the same keys queue here and are
    # each decided from the exact count (auth.throttle).
    counters = throttle.lock_counters(session, email, client_address, now, settings)
    wait = throttle.wait_needed(counters, now, settings)
    if wait is not None:
        _refuse(wait)

    # The login name is the email or, for portal logins created from IPC2 messages, the username.
    user = session.scalars(select(User).where(or_(User.email == email, User.username == email))).one_or_none()
    # Verify against a dummy hash when there is no account, so timing does not reveal which
    # emails exist; the message is the same for both mistakes for the same reason.
    valid = verify_password(user.password_hash if user else dummy_hash(), password)
    if user is None or not valid:
        _record_attempt(session, email, client_address, now, succeeded=False)
        throttle.record_failure(session, counters, now, settings)
        raise RejectedAndRecorded(_WRONG_CREDENTIALS)
    if not user.active:
        _record_attempt(session, email, client_address, now, succeeded=False)
        throttle.record_failure(session, counters, now, settings)
        raise RejectedAndRecorded(
            Msg(
                "La cuenta está desactivada; consulte a un administrador.",
                "The account is deactivated; ask an administrator.",
            )
        )

    _record_attempt(session, email, client_address, now, succeeded=True)
    throttle.record_success(session, counters)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now
    _, refresh_token = _new_refresh_token(session, user.id, str(uuid.uuid4()), now, settings)
    session.flush()
    principal = principal_for_user(user)
    audit.record(session, principal.actor, "user", user.id, "logged_in")
    tokens = TokenPair(
        access_token=issue_access_token(user, now, settings),
        refresh_token=refresh_token,
        expires_in=settings.access_ttl_minutes * 60,
    )
    return SignedIn(tokens, principal)


def refresh(
    session: Session, refresh_token: str, now: datetime | None = None, settings: AuthSettings | None = None
) -> TokenPair:
    settings = settings or get_auth_settings()
    now = now or clock.now()
    stored = _find(session, refresh_token)
    if stored is None:
        raise _invalid_refresh()
    if stored.revoked_at is not None:
        if stored.replaced_by_id is not None:
            _revoke_family_after_reuse(session, stored, now)
        raise _invalid_refresh()
    if now >= stored.expires_at:
        raise Unauthenticated(
            Msg("La sesión ha caducado; vuelva a iniciar sesión.", "The session has expired; log in again.")
        )
    user = session.get(User, stored.user_id)
    if user is None or not user.active:
        raise _invalid_refresh()

    # Claim the token with a conditional UPDATE: of two concurrent refreshes with the same token,
    # exactly one wins; the other sees a rotated token, which is reuse.
    claimed = session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == stored.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        session.refresh(stored)
        _revoke_family_after_reuse(session, stored, now)
        raise _invalid_refresh()
    successor, plaintext = _new_refresh_token(session, user.id, stored.family_id, now, settings)
    session.flush()
    stored.revoked_at = now  # already so in the database; keeps the loaded object truthful
    stored.replaced_by_id = successor.id
    session.flush()
    return TokenPair(
        access_token=issue_access_token(user, now, settings),
        refresh_token=plaintext,
        expires_in=settings.access_ttl_minutes * 60,
    )


def resolve_session(session: Session, refresh_token: str, now: datetime | None = None) -> Principal:
    """The principal of a browser session, whose HttpOnly cookie holds the session's refresh token.

    The token is checked, not rotated: pages load several requests at once, and rotating on each
    would turn that ordinary concurrency into "reuse" and end the session. Logout revokes it, and a
    deactivated user is refused at once because the user is read on every request.
    """
    now = now or clock.now()
    stored = _find(session, refresh_token)
    if stored is None or stored.revoked_at is not None or now >= stored.expires_at:
        raise Unauthenticated(
            Msg("La sesión ha caducado; vuelva a iniciar sesión.", "The session has expired; log in again.")
        )
    user = session.get(User, stored.user_id)
    if user is None or not user.active:
        raise _invalid_refresh()
    return principal_for_user(user)


def logout(session: Session, refresh_token: str, now: datetime | None = None) -> None:
    """End the session the refresh token belongs to. Unknown or already revoked tokens are a
    no-op: logging out twice is not an error, and the answer reveals nothing about the token."""
    now = now or clock.now()
    stored = _find(session, refresh_token)
    if stored is None:
        return
    revoked = _revoke_family(session, stored.family_id, now)
    user = session.get(User, stored.user_id)
    if revoked and user is not None:
        audit.record(session, principal_for_user(user).actor, "user", user.id, "logged_out")


def _find(session: Session, refresh_token: str) -> RefreshToken | None:
    if not refresh_token or len(refresh_token) > 512:
        return None
    return session.scalars(select(RefreshToken).where(RefreshToken.token_hash == hash_token(refresh_token))).first()


def _new_refresh_token(
    session: Session, user_id: int, family_id: str, now: datetime, settings: AuthSettings
) -> tuple[RefreshToken, str]:
    plaintext = secrets.token_urlsafe(32)
    # Each refresh extends the session (sliding expiry): an idle session ends after the TTL.
    stored = RefreshToken(
        user_id=user_id,
        token_hash=hash_token(plaintext),
        family_id=family_id,
        issued_at=now,
        expires_at=now + timedelta(days=settings.refresh_ttl_days),
    )
    session.add(stored)
    return stored, plaintext


def _revoke_family(session: Session, family_id: str, now: datetime) -> int:
    return revoke_refresh_tokens(session, RefreshToken.family_id == family_id, now)


def _revoke_family_after_reuse(session: Session, stored: RefreshToken, now: datetime) -> NoReturn:
    _revoke_family(session, stored.family_id, now)
    audit.record(
        session,
        SYSTEM,
        "user",
        stored.user_id,
        "refresh_token_reused",
        after={"family_id": stored.family_id},
    )
    # The revocation is the point: it must survive the refusal (see RejectedAndRecorded).
    raise RejectedAndRecorded(
        Msg(
            "Este token de renovación ya se había usado; por seguridad se cerraron todas las sesiones "
            "de esta cadena. Vuelva a iniciar sesión.",
            "This refresh token had already been used; for safety every session in its chain was closed. Log in again.",
        )
    )


def _invalid_refresh() -> Unauthenticated:
    return Unauthenticated(Msg("El token de renovación no es válido.", "The refresh token is not valid."))


def _record_attempt(session: Session, email: str, client_address: str, now: datetime, *, succeeded: bool) -> None:
    session.add(LoginAttempt(email=email, client_address=client_address, at=now, succeeded=succeeded))
    session.flush()


def _refuse(wait: timedelta) -> NoReturn:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    raise TooManyAttempts(
        Msg(
            f"Demasiados intentos fallidos de inicio de sesión. Espere {minutes} "
            f"{'minuto' if minutes == 1 else 'minutos'} e inténtelo de nuevo.",
            f"Too many failed login attempts. Wait {minutes} {'minute' if minutes == 1 else 'minutes'} and try again.",
        )
    )
