"""Who is calling and what they may do, resolved once from the credential."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from facturo.auth.issuer_scope import effective_scope, token_scope
from facturo.auth.models import ApiToken, User
from facturo.kit.access import ROLE_PERMISSIONS, Permission, Principal, Role
from facturo.kit.actor import Actor


def principal_for_user(user: User) -> Principal:
    return user_principal(user.id, user.name, Role(user.role), user.customer_id, user.issuer_nits)


def user_principal(user_id: int, name: str, role: Role, customer_id: int | None, issuer_nits: Any = None) -> Principal:
    """``principal_for_user`` from the user's columns."""
    return Principal(
        actor=Actor("user", str(user_id), name),
        permissions=ROLE_PERMISSIONS[role],
        role=role,
        customer_id=customer_id,
        issuer_nits=effective_scope(role, issuer_nits),
    )


def principal_for_token(token: ApiToken, creator: User | None = None) -> Principal:
    """A token's permissions, never beyond what its creating user holds today: demoting the person
    narrows their tokens at once (a deactivated creator's tokens are refused before this). Its
    issuers likewise never go beyond the creator's current ones."""
    creator_role = Role(creator.role) if creator else None
    return token_principal(
        token.id,
        token.name,
        token.permissions,
        token.customer_id,
        creator_role,
        token.issuer_nits,
        effective_scope(creator_role, creator.issuer_nits) if creator else None,
    )


_KNOWN = frozenset(p.value for p in Permission)


def token_principal(
    token_id: int,
    name: str,
    granted: Iterable[Any],
    customer_id: int | None,
    creator_role: Role | None,
    issuer_nits: Any = None,
    creator_issuer_nits: frozenset[str] | None = None,
) -> Principal:
    """``principal_for_token`` from the token's columns and its creator's role and issuers."""
    # A permission that no longer exists (removed in an upgrade) is dropped rather than failing
    # every request the token makes.
    permissions = frozenset(Permission(p) for p in granted if p in _KNOWN)
    if creator_role is not None:
        permissions &= ROLE_PERMISSIONS[creator_role]
    return Principal(
        actor=Actor("token", str(token_id), name),
        permissions=permissions,
        role=None,
        customer_id=customer_id,
        issuer_nits=token_scope(issuer_nits, creator_issuer_nits),
    )
