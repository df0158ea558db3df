"""Who may grant what: no principal hands out more than it holds.

A user's role and a token's permissions are both grants. Creating or changing either is allowed only
when every permission granted is one the granter holds itself, and only an administrator can create
or promote an administrator (an admin-equivalent token is still not a person who runs the
installation). The local CLI operator is a full administrator (``kit.access.local_principal``).
"""

from __future__ import annotations

from collections.abc import Iterable

from facturo.kit.access import ROLE_PERMISSIONS, Permission, Principal, Role
from facturo.kit.errors import Msg, PermissionDenied


def ensure_can_grant(granter: Principal, permissions: Iterable[Permission | str], role: Role | None = None) -> None:
    """Refuse (403) a grant of permissions the granter lacks, naming them, or of the admin role by a
    non-admin."""
    held = {p.value for p in granter.permissions}
    missing = sorted({str(Permission(p).value) for p in permissions} - held)
    if missing:
        listed = ", ".join(missing)
        raise PermissionDenied(
            Msg(
                f"No puede otorgar permisos que usted no tiene: {listed}.",
                f"You cannot grant permissions you do not hold: {listed}.",
            )
        )
    if role is Role.ADMIN and granter.role is not Role.ADMIN:
        raise PermissionDenied(
            Msg(
                "Solo un administrador puede crear o promover a un administrador.",
                "Only an administrator can create or promote an administrator.",
            )
        )


def ensure_can_grant_role(granter: Principal, role: Role) -> None:
    ensure_can_grant(granter, ROLE_PERMISSIONS[role], role)


# The roles a person can be given: every role (an issuer always with its NITs, a customer with its
# customer), in the order the forms offer them.
GRANTABLE_ROLES = (Role.ADMIN, Role.ACCOUNTANT, Role.AUDITOR, Role.ANALYST, Role.CUSTOMER, Role.ISSUER)


def grantable_roles(granter: Principal) -> list[Role]:
    """The roles ``granter`` may give a person, in ``GRANTABLE_ROLES`` order."""
    allowed = []
    for role in GRANTABLE_ROLES:
        try:
            ensure_can_grant_role(granter, role)
        except PermissionDenied:
            continue
        allowed.append(role)
    return allowed
