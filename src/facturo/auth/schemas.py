"""What surfaces send and show. Secrets (hashes) never appear in an output model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, Field

from facturo.auth.issuer_scope import MAX_ISSUER_NITS
from facturo.auth.passwords import MAX_LENGTH, MIN_LENGTH
from facturo.kit.access import Permission, Role
from facturo.kit.schemas import EMAIL, DbId, Out, Strict

IssuerNit = Annotated[str, Field(min_length=1, max_length=20, examples=["4567123-0"])]
ISSUER_NITS_HELP = (
    "Issuer NITs the credential is bound to (the issuer role, or a submitter token; a certifier's lists many). "
    "Stored and shown compact (45671230). Omit for none."
)
IssuerNits = Annotated[list[IssuerNit] | None, Field(max_length=MAX_ISSUER_NITS, description=ISSUER_NITS_HELP)]


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
    issuer_nits: IssuerNits = None


class RoleChangeIn(Strict):
    role: Role
    customer_id: DbId | None = None
    issuer_nits: IssuerNits = None


class PasswordChangeIn(Strict):
    old_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)


class UserOut(Out):
    id: int
    email: str
    name: str
    role: Role
    customer_id: int | None
    issuer_nits: list[str] | None = Field(None, description="Compact issuer NITs (issuer role only).")
    active: bool
    last_login_at: datetime | None
    created_at: datetime


class ApiTokenIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    permissions: list[Permission] = Field(min_length=1)
    expires_at: AwareDatetime | None = None
    customer_id: DbId | None = None
    issuer_nits: IssuerNits = None


class ApiTokenOut(Out):
    id: int
    name: str
    prefix: str
    permissions: list[str]
    customer_id: int | None
    issuer_nits: list[str] | None = Field(None, description="Compact issuer NITs it may submit for and read.")
    created_by_user_id: int | None
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    last_used_from: str | None = Field(description="Client address of the last use.")
    created_at: datetime


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(description="The secret, shown only this once. Send it as `Authorization: Bearer …`.")
