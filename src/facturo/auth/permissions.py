"""Named permissions and what each role is granted: the one place the access table lives.

=============================  =====  ==========  =======  ========  ======
permission                     admin  accountant  auditor  customer  issuer
=============================  =====  ==========  =======  ========  ======
customers:read                 yes    yes         yes      .         .
customers:write                yes    yes         .        .         .
catalog:read                   yes    yes         yes      yes*      .
catalog:write                  yes    yes         .        .         .
invoices:read                  yes    yes         yes      yes*      .
invoices:write                 yes    yes         .        .         .
invoices:issue                 yes    yes         .        .         .
invoices:void                  yes    yes         .        .         .
payments:write                 yes    yes         .        .         .
usage:import                   yes    yes         .        .         .
billing:run                    yes    yes         .        .         .
reports:read                   yes    yes         yes      .         .
history:read                   yes    yes         yes      .         .
organisation:write             yes    .           .        .         .
users:admin                    yes    .           .        .         .
tokens:admin                   yes    .           .        .         .
=============================  =====  ==========  =======  ========  ======

``*`` the customer role sees only its own objects; that scoping comes from the credential's
``customer_id`` and is enforced by the surfaces, never taken from a request parameter.
The ``issuer`` role (external issuers sending their own e-invoices) gets its grants next wave.
"""

from __future__ import annotations

from enum import StrEnum


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


class Role(StrEnum):
    ADMIN = "admin"
    ACCOUNTANT = "accountant"
    AUDITOR = "auditor"
    CUSTOMER = "customer"
    ISSUER = "issuer"


_ALL = frozenset(Permission)
_ADMINISTRATION = frozenset({Permission.USERS_ADMIN, Permission.TOKENS_ADMIN, Permission.ORGANISATION_WRITE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.ACCOUNTANT: _ALL - _ADMINISTRATION,
    # Read-only by construction: derived from the names so a new ``*:read`` permission is covered.
    Role.AUDITOR: frozenset(p for p in Permission if p.endswith(":read")),
    Role.CUSTOMER: frozenset({Permission.INVOICES_READ, Permission.CATALOG_READ}),
    Role.ISSUER: frozenset(),
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
