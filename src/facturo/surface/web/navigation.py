"""The main menu. Each entry shows only to a user whose role may use it (docs/web.md); the pages
check the same permission on the server, so hiding is a courtesy, never the protection."""

from __future__ import annotations

from dataclasses import dataclass

from facturo.kit.access import Permission, Principal, Role
from facturo.surface.web.i18n import N_
from facturo.surface.web.i18n import gettext as _


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    label: str  # English msgid, translated when shown
    href: str
    any_of: tuple[Permission, ...]
    staff_only: bool = True  # not for customer-portal users


ENTRIES = (
    Entry("dashboard", N_("Dashboard"), "/dashboard", (Permission.INVOICES_READ,)),
    Entry("customers", N_("Customers"), "/customers", (Permission.CUSTOMERS_READ,)),
    Entry("catalog", N_("Catalog"), "/catalog", (Permission.CATALOG_READ,)),
    Entry("invoices", N_("Invoices"), "/invoices", (Permission.INVOICES_READ,)),
    Entry("usage", N_("Cloud usage"), "/usage", (Permission.REPORTS_READ, Permission.USAGE_IMPORT)),
    Entry("reports", N_("Reports"), "/reports", (Permission.REPORTS_READ,)),
    Entry(
        "reception",
        N_("Reception"),
        "/reception",
        (Permission.RECEPTION_SUBMIT, Permission.RECEPTION_READ, Permission.RECEPTION_SUMMARY_READ),
    ),
    Entry(
        "audit",
        N_("Sequence audit"),
        "/audit",
        (Permission.AUDIT_GAPS_READ, Permission.AUDIT_SUMMARY_READ),
    ),
    Entry(
        "admin",
        N_("Administration"),
        "/admin",
        (Permission.USERS_ADMIN, Permission.TOKENS_ADMIN, Permission.ORGANISATION_WRITE),
    ),
    Entry("portal", N_("My invoices"), "/portal", (Permission.INVOICES_READ,), staff_only=False),
)


def menu(principal: Principal | None) -> list[dict[str, str]]:
    if principal is None:
        return []
    portal = principal.customer_id is not None or principal.role is Role.CUSTOMER
    shown = []
    for entry in ENTRIES:
        if entry.key == "portal" and not portal:
            continue
        if entry.staff_only and portal:
            continue
        if any(principal.can(p) for p in entry.any_of):
            shown.append({"key": entry.key, "label": _(entry.label), "href": entry.href})
    return shown


def home(principal: Principal) -> str:
    """Where a user lands after signing in."""
    entries = menu(principal)
    return entries[0]["href"] if entries else "/account"
