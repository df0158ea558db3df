"""Who may do what: permissions, roles, the table of what each role is granted (the one place it
lives), and the authenticated caller (``Principal``) every surface checks.

These are the vocabulary of access that every layer shares, so they sit in kit; how a credential
becomes a ``Principal`` (passwords, sessions, tokens) belongs to the ``auth`` domain, which the
assembly hands to the surfaces as an ``Authenticator``.


=============================  =====  ==========  =======  ========  ======  =======
permission                     admin  accountant  auditor  customer  issuer  analyst
=============================  =====  ==========  =======  ========  ======  =======
customers:read                 yes    yes         yes      .         .       .
customers:write                yes    yes         .        .         .       .
catalog:read                   yes    yes         yes      yes*      .       .
catalog:write                  yes    yes         .        .         .       .
invoices:read                  yes    yes         yes      yes*      .       .
invoices:write                 yes    yes         .        .         .       .
invoices:issue                 yes    yes         .        .         .       .
invoices:void                  yes    yes         .        .         .       .
payments:write                 yes    yes         .        .         .       .
usage:import                   yes    yes         .        .         .       .
billing:run                    yes    yes         .        .         .       .
reports:read                   yes    yes         yes      .         .       .
history:read                   yes    yes         yes      .         .       .
organisation:write             yes    .           .        .         .       .
users:admin                    yes    .           .        .         .       .
tokens:admin                   yes    .           .        .         .       .
reception:submit               yes    yes         .        .         yes**   .
reception:read                 yes    yes         yes      .         yes**   .
reception_summary:read         yes    yes         yes      .         .       yes
audit_gaps:read                yes    yes         yes      .         yes**   .
audit_summary:read             yes    yes         yes      .         .       yes
=============================  =====  ==========  =======  ========  ======  =======

``*`` the customer role sees only its own objects; that scoping comes from the credential's
``customer_id`` and is enforced by the surfaces, never taken from a request parameter.
``**`` the issuer role (external issuers and certifiers sending e-invoices) is always bound to one
or more issuer NITs (the credential's ``issuer_nits``): it submits and reads only those issuers'
documents, and sees only those issuers' sequence gaps. The analyst sees reception and sequence-audit
aggregates only (top issuers, monthly figures), never a document or a gap (docs/security.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from facturo.kit.actor import Actor
from facturo.kit.errors import Msg, PermissionDenied


class Permission(StrEnum):
    CUSTOMERS_READ = "customers:read"
    CUSTOMERS_WRITE = "customers:write"
    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    INVOICES_READ = "invoices:read"
    INVOICES_WRITE = "invoices:write"
    INVOICES_ISSUE = "invoices:issue"
    INVOICES_VOID = "invoices:void"
    PAYMENTS_WRITE = "payments:write"
    USAGE_IMPORT = "usage:import"
    BILLING_RUN = "billing:run"
    REPORTS_READ = "reports:read"
    HISTORY_READ = "history:read"
    ORGANISATION_WRITE = "organisation:write"
    USERS_ADMIN = "users:admin"
    TOKENS_ADMIN = "tokens:admin"
    RECEPTION_SUBMIT = "reception:submit"
    RECEPTION_READ = "reception:read"
    RECEPTION_SUMMARY_READ = "reception_summary:read"
    # The sequence audit: its gaps one by one (list, CSV), and its aggregates (top, monthly).
    AUDIT_GAPS_READ = "audit_gaps:read"
    AUDIT_SUMMARY_READ = "audit_summary:read"


class Role(StrEnum):
    ADMIN = "admin"
    ACCOUNTANT = "accountant"
    AUDITOR = "auditor"
    CUSTOMER = "customer"
    ISSUER = "issuer"
    ANALYST = "analyst"


_ALL = frozenset(Permission)
_ADMINISTRATION = frozenset({Permission.USERS_ADMIN, Permission.TOKENS_ADMIN, Permission.ORGANISATION_WRITE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.ACCOUNTANT: _ALL - _ADMINISTRATION,
    # Read-only by construction: derived from the names so a new ``*:read`` permission is covered.
    Role.AUDITOR: frozenset(p for p in Permission if p.endswith(":read")),
    Role.CUSTOMER: frozenset({Permission.INVOICES_READ, Permission.CATALOG_READ}),
    # Always bound to issuer NITs (``Principal.issuer_nits``): submits and reads those issuers' documents.
    # Its own issuers' sequence gaps too: the gaps in what it sent are its to explain.
    Role.ISSUER: frozenset({Permission.RECEPTION_SUBMIT, Permission.RECEPTION_READ, Permission.AUDIT_GAPS_READ}),
    # Aggregates only: the reception dashboard and issuer summaries, never a document, nor the
    # organisation's own reports (they list invoices and customers one by one).
    Role.ANALYST: frozenset({Permission.RECEPTION_SUMMARY_READ, Permission.AUDIT_SUMMARY_READ}),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]


def parse_permissions(values: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[Permission]:
    """Known permission names only; unknown ones raise ValueError naming them."""
    unknown = sorted(v for v in values if v not in _VALUES)
    if unknown:
        raise ValueError(", ".join(unknown))
    return frozenset(Permission(v) for v in values)


_VALUES = frozenset(p.value for p in Permission)


@dataclass(frozen=True, slots=True)
class ReceptionScope:
    """What a credential bound to issuers may read in reception: its issuers' documents, and every
    document it submitted itself. The second matters for a document refused for an issuer outside
    its NITs: that one is stored without an issuer, yet its sender must be able to read why."""

    issuer_nits: frozenset[str]
    submitter: str  # the credential's actor key, as submissions record it

    def sees(self, issuer_nit: str | None, submitter: str) -> bool:
        return issuer_nit in self.issuer_nits or submitter == self.submitter


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``customer_id`` set means every read is limited to that customer's objects; it comes from the
    credential (the user or the token), never from the request.

    ``issuer_nits`` set means reception is limited to those issuers (compact NITs, ``45671230``):
    documents of other issuers are refused on submission and invisible on reading. None means not
    bound (every issuer); an empty set means bound to none, so nothing is visible.
    """

    actor: Actor
    permissions: frozenset[Permission]
    role: Role | None
    customer_id: int | None
    issuer_nits: frozenset[str] | None = None

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def reception_scope(self) -> ReceptionScope | None:
        """None when not bound to issuers (every document is visible)."""
        if self.issuer_nits is None:
            return None
        return ReceptionScope(self.issuer_nits, self.actor.key[:200])

    def require(self, permission: Permission) -> None:
        if permission not in self.permissions:
            raise PermissionDenied(
                Msg(
                    f"No tiene permiso para esta operación ({permission.value}).",
                    f"You do not have permission for this operation ({permission.value}).",
                )
            )


def local_principal(actor: Actor) -> Principal:
    """Commands run on the server itself: whoever can run them already owns the database, so they
    act as a full administrator."""
    return Principal(actor=actor, permissions=ROLE_PERMISSIONS[Role.ADMIN], role=Role.ADMIN, customer_id=None)


class Authenticator(Protocol):
    """How the surfaces turn a credential into a ``Principal``. The ``auth`` domain implements it
    and the assembly installs it (``app.state.authenticator``), so the shared surface helpers never
    import a domain."""

    def resolve_bearer(self, session: Any, token: str, now: datetime) -> Principal: ...

    def resolve_session(self, session: Any, refresh_token: str, now: datetime) -> Principal: ...

    def touch_api_token(self, session: Any, token_id: int, now: datetime, client_address: str | None) -> object: ...


def authenticator_of(app_state: Any) -> Authenticator:
    """The ``Authenticator`` the assembly installed on the application (``app.state``)."""
    found: Authenticator | None = getattr(app_state, "authenticator", None)
    if found is None:
        raise RuntimeError("no Authenticator installed: the assembly sets app.state.authenticator")
    return found
