from __future__ import annotations

from facturo.kit.access import ROLE_PERMISSIONS, Permission, Role

P = Permission


def test_permission_names_are_the_published_ones() -> None:
    assert {p.value for p in Permission} == {
        "customers:read",
        "customers:write",
        "catalog:read",
        "catalog:write",
        "invoices:read",
        "invoices:write",
        "invoices:issue",
        "invoices:void",
        "payments:write",
        "usage:import",
        "billing:run",
        "reports:read",
        "history:read",
        "organisation:write",
        "users:admin",
        "tokens:admin",
        "reception:submit",
        "reception:read",
        "reception_summary:read",
        "audit_gaps:read",
        "audit_summary:read",
    }


def test_every_role_has_an_entry() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_admin_has_everything_and_accountant_everything_but_administration() -> None:
    assert ROLE_PERMISSIONS[Role.ADMIN] == frozenset(Permission)
    assert frozenset(Permission) - ROLE_PERMISSIONS[Role.ACCOUNTANT] == {
        P.USERS_ADMIN,
        P.TOKENS_ADMIN,
        P.ORGANISATION_WRITE,
    }


def test_auditor_reads_everything_and_changes_nothing() -> None:
    auditor = ROLE_PERMISSIONS[Role.AUDITOR]
    assert auditor == {
        P.CUSTOMERS_READ,
        P.CATALOG_READ,
        P.INVOICES_READ,
        P.REPORTS_READ,
        P.HISTORY_READ,
        P.RECEPTION_READ,
        P.RECEPTION_SUMMARY_READ,
        P.AUDIT_GAPS_READ,
        P.AUDIT_SUMMARY_READ,
    }
    assert all(p.endswith(":read") for p in auditor)


def test_customer_issuer_and_analyst() -> None:
    assert ROLE_PERMISSIONS[Role.CUSTOMER] == {P.INVOICES_READ, P.CATALOG_READ}
    assert ROLE_PERMISSIONS[Role.ISSUER] == {P.RECEPTION_SUBMIT, P.RECEPTION_READ, P.AUDIT_GAPS_READ}
    # Aggregates only: never a document, never a gap, never a report listing invoices one by one.
    assert ROLE_PERMISSIONS[Role.ANALYST] == {P.RECEPTION_SUMMARY_READ, P.AUDIT_SUMMARY_READ}
