"""Short-lived access tokens (JWT, HS256).

One fixed algorithm: the decoder never trusts the token's own ``alg`` header, so ``none`` and
algorithm-confusion forgeries are refused. ``exp``, ``iat``, ``aud``, ``iss`` and ``sub`` are
required. Keys rotate by moving the old key to ``FACTURO_JWT_PREVIOUS_SECRETS``: it still verifies
tokens issued before the change (for at most one access TTL) but never signs new ones.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import jwt

from facturo.kit import clock
from facturo.kit.access import Role
from facturo.kit.auth_settings import AuthSettings, get_auth_settings
from facturo.kit.errors import Msg, Unauthenticated

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["exp", "iat", "aud", "iss", "sub"]
# Servers in a cluster may disagree by a few seconds; a token "issued" further ahead is forged.
CLOCK_SKEW_SECONDS = 30


class TokenSubject(Protocol):
    """What an access token is issued for (a ``User``, without importing the model)."""

    @property
    def id(self) -> int: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    role: Role
    issued_at: datetime
    expires_at: datetime
    jti: str


def issue_access_token(user: TokenSubject, now: datetime, settings: AuthSettings | None = None) -> str:
    settings = settings or get_auth_settings()
    payload: dict[str, Any] = {
        "sub": str(user.id),
        "role": str(user.role),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=settings.access_ttl_minutes)).timestamp()),
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(payload, settings.signing_key(), algorithm=ALGORITHM)


def decode_access_token(token: str, now: datetime | None = None, settings: AuthSettings | None = None) -> AccessClaims:
    """Verify and read an access token; any flaw raises ``Unauthenticated``.

    Time claims are checked against facturo's clock (``kit.clock``), not PyJWT's wall clock, so
    there is one notion of "now" everywhere and tests can freeze it.
    """
    settings = settings or get_auth_settings()
    now = now or clock.now()
    for key in settings.verification_keys():
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                options={
                    "require": REQUIRED_CLAIMS,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidSignatureError:
            continue  # maybe signed with a previous key
        except jwt.PyJWTError:
            raise _invalid() from None
        access = _claims(claims)
        _check_times(access, claims, now)
        return access
    raise _invalid()


def _check_times(access: AccessClaims, claims: dict[str, Any], now: datetime) -> None:
    if now >= access.expires_at:
        raise Unauthenticated(
            Msg(
                "La sesión ha caducado; vuelva a iniciar sesión o renueve el token.",
                "The session has expired; log in again or refresh the token.",
            )
        )
    skew = timedelta(seconds=CLOCK_SKEW_SECONDS)
    not_before = claims.get("nbf", claims["iat"])
    if access.issued_at > now + skew or _instant(not_before) > now + skew:
        raise _invalid()


def _instant(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid()
    try:
        return datetime.fromtimestamp(value, UTC)
    except (ValueError, OverflowError, OSError):
        raise _invalid() from None


def _claims(claims: dict[str, Any]) -> AccessClaims:
    try:
        sub = claims["sub"]
        role = claims["role"]
        if not isinstance(sub, str) or not sub.isdigit() or not isinstance(role, str):
            raise _invalid()
        return AccessClaims(
            user_id=int(sub),
            role=Role(role),
            issued_at=_instant(claims["iat"]),
            expires_at=_instant(claims["exp"]),
            jti=str(claims.get("jti", "")),
        )
    except (KeyError, ValueError):
        raise _invalid() from None


def _invalid() -> Unauthenticated:
    return Unauthenticated(Msg("El token de acceso no es válido.", "The access token is not valid."))
