"""The issuer NITs a credential is bound to: parsing them, checking them against the role, and
never letting a grant widen the granter's own.

NITs are kept compact (``45671230``, upper-case ``K``), the form the reception index stores, so a
scope compares with a document's issuer directly. ``None`` means not bound (every issuer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from stdnum.gt import nit as gt_nit

from facturo.kit.access import ROLE_PERMISSIONS, Principal, Role
from facturo.kit.errors import Msg, PermissionDenied, ValidationFailed
from facturo.kit.nit import CONSUMIDOR_FINAL, normalize_nit

FIELD = "issuer_nits"
# Each reading request filters ``issuer_nit IN (…)`` with them: well within every database's limit
# of bound parameters. A certifier covering more issuers gets several tokens.
MAX_ISSUER_NITS = 1000
# What a credential bound to issuers may hold: the issuer role's permissions (submit, read).
ISSUER_PERMISSIONS = ROLE_PERMISSIONS[Role.ISSUER]


def parse_issuer_nits(values: Iterable[str] | None) -> frozenset[str] | None:
    """Validated compact NITs (python-stdnum ``gt.nit``); a bad one is refused naming it. ``None``
    (nothing given) stays ``None``; an entry may list several (``split_nits``) and blank ones are
    ignored, so ``[]`` is an empty scope."""
    if values is None:
        return None
    nits = set()
    for raw in split_nits(values):
        formatted = normalize_nit(str(raw), FIELD)
        if formatted == CONSUMIDOR_FINAL:
            raise ValidationFailed.on(
                FIELD,
                "issuer_nits.final_consumer",
                "CF (consumidor final) no es un emisor: indique el NIT del emisor.",
                "CF (final consumer) is not an issuer: give the issuer's NIT.",
            )
        nits.add(str(gt_nit.compact(formatted)))
    if len(nits) > MAX_ISSUER_NITS:
        raise ValidationFailed.on(
            FIELD,
            "issuer_nits.too_many",
            f"Una credencial admite como máximo {MAX_ISSUER_NITS} NIT de emisores; cree otra para los demás.",
            f"A credential takes at most {MAX_ISSUER_NITS} issuer NITs; create another one for the rest.",
        )
    return frozenset(nits)


def split_nits(values: Iterable[str]) -> list[str]:
    """Repeated options and separated lists alike (commas, semicolons, spaces or new lines)."""
    return [part for value in values for part in str(value).replace(",", " ").replace(";", " ").split()]


def stored(nits: frozenset[str] | None) -> list[str] | None:
    return sorted(nits) if nits is not None else None


def loaded(value: Any) -> frozenset[str] | None:
    """A JSON column's list back as a scope (None stays None)."""
    return frozenset(str(v) for v in value) if value is not None else None


def check_user_scope(role: Role, nits: frozenset[str] | None) -> None:
    """An issuer is bound to at least one NIT; no other role is bound to any."""
    if role is Role.ISSUER and not nits:
        raise ValidationFailed.on(
            FIELD,
            "user.issuer_nits_required",
            "Un usuario con rol «issuer» debe estar vinculado a uno o más NIT de emisores (issuer_nits).",
            "A user with the “issuer” role must be bound to one or more issuer NITs (issuer_nits).",
        )
    if role is not Role.ISSUER and nits is not None:
        raise ValidationFailed.on(
            FIELD,
            "user.issuer_nits_not_allowed",
            f"Solo los usuarios con rol «issuer» se vinculan a NIT de emisores; el rol «{role}» no admite issuer_nits.",
            f"Only “issuer” users are bound to issuer NITs; role “{role}” takes no issuer_nits.",
        )


def check_token_scope(
    nits: frozenset[str] | None, permissions: Iterable[str], customer_id: int | None
) -> frozenset[str] | None:
    """A token bound to issuers holds at least one NIT and only the issuer role's permissions, and
    is never also a customer's."""
    if nits is None:
        return None
    if not nits:
        raise ValidationFailed.on(
            FIELD,
            "token.issuer_nits_empty",
            "Indique al menos un NIT de emisor, o ninguno para un token sin límite de emisores.",
            "Give at least one issuer NIT, or none for a token not limited to issuers.",
        )
    if customer_id is not None:
        raise ValidationFailed.on(
            FIELD,
            "token.issuer_and_customer",
            "Un token se limita a un cliente o a emisores, no a ambos.",
            "A token is limited to a customer or to issuers, not both.",
        )
    allowed = {p.value for p in ISSUER_PERMISSIONS}
    beyond = sorted(set(permissions) - allowed)
    if beyond:
        listed = ", ".join(beyond)
        raise ValidationFailed.on(
            "permissions",
            "permissions.issuer_scope",
            f"Un token vinculado a emisores no admite estos permisos: {listed}.",
            f"A token bound to issuers cannot hold these permissions: {listed}.",
        )
    return nits


def ensure_within_scope(granter: Principal, nits: frozenset[str] | None) -> None:
    """A granter bound to issuers grants only within its own NITs (403 naming the others)."""
    if granter.issuer_nits is None:
        return
    if nits is None:
        raise PermissionDenied(
            Msg(
                "Una credencial vinculada a emisores solo concede acceso a sus propios NIT; indíquelos.",
                "A credential bound to issuers only grants access to its own NITs; list them.",
            )
        )
    outside = sorted(nits - granter.issuer_nits)
    if outside:
        listed = ", ".join(outside)
        raise PermissionDenied(
            Msg(
                f"No puede conceder acceso a emisores fuera de los suyos: {listed}.",
                f"You cannot grant access to issuers outside your own: {listed}.",
            )
        )


def effective_scope(role: Role | None, nits: Any) -> frozenset[str] | None:
    """A user's scope as a principal: an issuer without NITs (made before NITs existed) sees
    nothing rather than everything."""
    scope = loaded(nits)
    if role is Role.ISSUER:
        return scope or frozenset()
    return None


def token_scope(nits: Any, creator_scope: frozenset[str] | None) -> frozenset[str] | None:
    """A token's scope, never beyond its creator's current one: narrowing the person's NITs
    narrows their tokens at once."""
    scope = loaded(nits)
    if creator_scope is None:
        return scope
    return creator_scope if scope is None else scope & creator_scope
