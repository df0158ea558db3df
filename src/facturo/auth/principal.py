"""Who is calling and what they may do, resolved once from the credential."""

from __future__ import annotations

from dataclasses import dataclass

from facturo.auth.models import ApiToken, User
from facturo.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from facturo.kit.actor import Actor
from facturo.kit.errors import Msg, PermissionDenied


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``customer_id`` set means every read is limited to that customer's objects; it comes from the
    credential (the user or the token), never from the request.
    """

    actor: Actor
    permissions: frozenset[Permission]
    role: Role | None
    customer_id: int | None

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions:
            raise PermissionDenied(
                Msg(
                    f"No tiene permiso para esta operación ({permission.value}).",
                    f"You do not have permission for this operation ({permission.value}).",
                )
            )


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


def principal_for_local(actor: Actor) -> Principal:
    """Commands run on the server itself: whoever can run them already owns the database."""
    return Principal(actor=actor, permissions=ROLE_PERMISSIONS[Role.ADMIN], role=Role.ADMIN, customer_id=None)
