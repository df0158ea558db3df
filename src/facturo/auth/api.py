"""Sign-in, sessions, users and API tokens over HTTP."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from facturo.auth import service
from facturo.auth.schemas import (
    ApiTokenCreatedOut,
    ApiTokenIn,
    ApiTokenOut,
    LoginIn,
    PasswordChangeIn,
    RefreshIn,
    RoleChangeIn,
    TokenPairOut,
    UserIn,
    UserOut,
)
from facturo.kit.access import Permission
from facturo.kit.errors import Msg, PermissionDenied
from facturo.surface.rest.addresses import client_address
from facturo.surface.rest.deps import CurrentActor, DbSession, PathId
from facturo.surface.rest.openapi_responses import errors
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.security import CurrentPrincipal, requires, requires_login

router = APIRouter(prefix="/api/v1", tags=["access"], route_class=UnitOfWorkRoute)


@router.post("/auth/login", response_model=TokenPairOut, responses=errors(401, 429))
def login(session: DbSession, request: Request, data: LoginIn) -> TokenPairOut:
    """Exchange email and password for a short-lived access token and a rotating refresh token."""
    pair = service.login(session, data.email, data.password, client_address(request))
    return TokenPairOut.model_validate(pair)


@router.post("/auth/refresh", response_model=TokenPairOut, responses=errors(401))
def refresh(session: DbSession, data: RefreshIn) -> TokenPairOut:
    """Trade a refresh token for a new pair; the old refresh token stops working."""
    return TokenPairOut.model_validate(service.refresh(session, data.refresh_token))


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(session: DbSession, data: RefreshIn) -> None:
    """Revoke a refresh token (its access tokens expire on their own within minutes)."""
    service.logout(session, data.refresh_token)


@router.get("/auth/me", dependencies=[requires_login()])
def me(principal: CurrentPrincipal) -> dict[str, object]:
    return {
        "actor": {"kind": principal.actor.kind, "id": principal.actor.id, "name": principal.actor.name},
        "role": principal.role.value if principal.role else None,
        "customer_id": principal.customer_id,
        "issuer_nits": sorted(principal.issuer_nits) if principal.issuer_nits is not None else None,
        "permissions": sorted(p.value for p in principal.permissions),
    }


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT, dependencies=[requires_login()])
def change_password(
    session: DbSession, actor: CurrentActor, principal: CurrentPrincipal, data: PasswordChangeIn
) -> None:
    if principal.actor.kind != "user":
        raise PermissionDenied(
            Msg("Solo una persona usuaria puede cambiar su contraseña.", "Only a user can change their password.")
        )
    service.change_password(session, actor, int(principal.actor.id), data.old_password, data.new_password)


@router.get("/users", response_model=list[UserOut], dependencies=[requires(Permission.USERS_ADMIN)])
def list_users(session: DbSession) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in service.list_users(session)]


@router.post(
    "/users",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.USERS_ADMIN)],
)
def create_user(session: DbSession, actor: CurrentActor, principal: CurrentPrincipal, data: UserIn) -> UserOut:
    """Create a user. The role's permissions must all be the caller's own; only an administrator
    creates an administrator (403 otherwise). An issuer is bound to `issuer_nits` (required)."""
    user = service.create_user(
        session,
        actor,
        data.email,
        data.name,
        data.password,
        data.role,
        data.customer_id,
        issuer_nits=data.issuer_nits,
        granted_by=principal,
    )
    return UserOut.model_validate(user)


@router.post("/users/{user_id}/role", response_model=UserOut, dependencies=[requires(Permission.USERS_ADMIN)])
def change_user_role(
    session: DbSession, actor: CurrentActor, principal: CurrentPrincipal, user_id: PathId, data: RoleChangeIn
) -> UserOut:
    """Give a user another role, or an issuer other NITs (same grant rule as creating one)."""
    user = service.change_role(
        session, actor, user_id, data.role, data.customer_id, issuer_nits=data.issuer_nits, granted_by=principal
    )
    return UserOut.model_validate(user)


@router.post("/users/{user_id}/deactivate", response_model=UserOut, dependencies=[requires(Permission.USERS_ADMIN)])
def deactivate_user(session: DbSession, actor: CurrentActor, principal: CurrentPrincipal, user_id: PathId) -> UserOut:
    """Deactivate a user: their sessions end and the API tokens they created are suspended."""
    return UserOut.model_validate(service.set_active(session, actor, user_id, False, granted_by=principal))


@router.post("/users/{user_id}/activate", response_model=UserOut, dependencies=[requires(Permission.USERS_ADMIN)])
def activate_user(session: DbSession, actor: CurrentActor, principal: CurrentPrincipal, user_id: PathId) -> UserOut:
    """Reactivate a user; the API tokens they created work again."""
    return UserOut.model_validate(service.set_active(session, actor, user_id, True, granted_by=principal))


@router.get("/tokens", response_model=list[ApiTokenOut], dependencies=[requires(Permission.TOKENS_ADMIN)])
def list_tokens(session: DbSession) -> list[ApiTokenOut]:
    return [ApiTokenOut.model_validate(t) for t in service.list_api_tokens(session)]


@router.post(
    "/tokens",
    response_model=ApiTokenCreatedOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.TOKENS_ADMIN)],
)
def create_token(
    session: DbSession, actor: CurrentActor, principal: CurrentPrincipal, data: ApiTokenIn
) -> ApiTokenCreatedOut:
    """Create a token. `issuer_nits` binds it to those issuers (a submitter's, or a certifier's
    many): it then holds only `reception:submit` and `reception:read`, and documents of any other
    issuer are rejected (ACCESS-ISSUER) and never shown to it."""
    token, plaintext = service.create_api_token(
        session,
        actor,
        data.name,
        data.permissions,
        data.expires_at,
        data.customer_id,
        issuer_nits=data.issuer_nits,
        granted_by=principal,
    )
    return ApiTokenCreatedOut(**ApiTokenOut.model_validate(token).model_dump(), token=plaintext)


@router.post("/tokens/{token_id}/revoke", response_model=ApiTokenOut, dependencies=[requires(Permission.TOKENS_ADMIN)])
def revoke_token(session: DbSession, actor: CurrentActor, token_id: PathId) -> ApiTokenOut:
    return ApiTokenOut.model_validate(service.revoke_api_token(session, actor, token_id))
