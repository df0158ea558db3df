"""What surfaces send and show. Secrets (hashes) never appear in an output model."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from facturo.auth.passwords import MAX_LENGTH, MIN_LENGTH
from facturo.kit.access import Permission, Role
from facturo.kit.schemas import EMAIL, DbId, Out, Strict


class LoginIn(Strict):
    email: str = Field(min_length=1, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=512)


class TokenPairOut(Out):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - the OAuth 2 token type name, not a secret
    expires_in: int = Field(description="Seconds the access token is valid.")


class UserIn(Strict):
    email: str = Field(min_length=3, max_length=254, json_schema_extra={"pattern": EMAIL})
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    role: Role
    customer_id: DbId | None = None


class RoleChangeIn(Strict):
    role: Role
    customer_id: DbId | None = None


class PasswordChangeIn(Strict):
    old_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class UserOut(Out):
    id: int
    email: str
    name: str
    role: Role
    customer_id: int | None
    active: bool
    last_login_at: datetime | None
    created_at: datetime


class ApiTokenIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    permissions: list[Permission] = Field(min_length=1)
    expires_at: AwareDatetime | None = None
    customer_id: DbId | None = None


class ApiTokenOut(Out):
    id: int
    name: str
    prefix: str
    permissions: list[str]
    customer_id: int | None
    created_by_user_id: int | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    last_used_from: str | None = Field(description="Client address of the last use.")
    created_at: datetime


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(description="The secret, shown only this once. Send it as `Authorization: Bearer …`.")
