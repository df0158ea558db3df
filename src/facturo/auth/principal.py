"""Who is calling and what they may do, resolved once from the credential."""

from __future__ import annotations

from facturo.auth.models import ApiToken, User
from facturo.kit.access import ROLE_PERMISSIONS, Permission, Principal, Role
from facturo.kit.actor import Actor


def principal_for_user(user: User) -> Principal:
    role = Role(user.role)
    return Principal(
        actor=Actor("user", str(user.id), user.name),
        permissions=ROLE_PERMISSIONS[role],
        role=role,
        customer_id=user.customer_id,
    )


def principal_for_token(token: ApiToken, creator: User | None = None) -> Principal:
    """A token's permissions, never beyond what its creating user holds today: demoting the person
    narrows their tokens at once (a deactivated creator's tokens are refused before this)."""
    # A permission that no longer exists (removed in an upgrade) is dropped rather than failing
    # every request the token makes.
    known = {p.value for p in Permission}
    permissions = frozenset(Permission(p) for p in token.permissions if p in known)
    if creator is not None:
        permissions &= ROLE_PERMISSIONS[Role(creator.role)]
    return Principal(
        actor=Actor("token", str(token.id), token.name),
        permissions=permissions,
        role=None,
        customer_id=token.customer_id,
    )
