"""Authentication and authorisation for the API.

Every protected route declares what it needs with ``requires(Permission.X)`` (or
``requires_login()`` when being signed in is enough); a test enumerates the routes and fails on
any that declares nothing and is not in ``PUBLIC_PATHS``. Credentials come only from the
``Authorization: Bearer …`` header (a JWT access token or an ``fct_…`` API token), never from a
request parameter, so a caller's scope (for example the customer a portal user belongs to) is
always the credential's own.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from facturo.kit import clock
from facturo.kit.access import Permission, Principal, authenticator_of
from facturo.kit.errors import Msg, PermissionDenied, Unauthenticated

PUBLIC_PATHS = frozenset(
    {
        "/",
        "/health",
        "/docs",
        "/openapi.json",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        # The published JSON Schema of facturo JSON e-invoices: for issuers building an integration.
        "/api/v1/reception/schemas/facturo.invoice-1.json",
    }
)

_MISSING = Unauthenticated(
    Msg(
        "Se requiere autenticación: envíe «Authorization: Bearer <token>».",
        "Authentication required: send “Authorization: Bearer <token>”.",
    )
)


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _MISSING
    return token.strip()


async def authenticate(request: Request) -> Principal:
    """Who is calling, from the request's credential (resolved once per request)."""
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    token = _bearer(request)
    principal = await run_in_threadpool(
        authenticator_of(request.app.state).resolve_bearer, request.state.session, token, clock.now()
    )
    request.state.principal = principal
    request.state.actor = principal.actor
    return principal


class Requires:
    """A route's declared need: a permission, or just being signed in (``permission=None``)."""

    def __init__(self, permission: Permission | None) -> None:
        self.permission = permission

    async def __call__(self, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if self.permission is not None and self.permission not in principal.permissions:
            raise PermissionDenied(
                Msg(
                    f"No tiene permiso para esta operación (requiere {self.permission.value}).",
                    f"You are not allowed to do this (requires {self.permission.value}).",
                )
            )
        return principal


def requires(permission: Permission) -> Any:
    return Depends(Requires(permission))


def requires_login() -> Any:
    return Depends(Requires(None))


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
