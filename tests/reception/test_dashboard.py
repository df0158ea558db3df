"""The reception dashboard's figures from known documents: documents per day by status, the rules
that rejected, the issuers by amount and by count, IVA per month (exact Decimals, credit notes
subtracted as the issuer summary does), and a scoped credential seeing only its issuers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from facturo.kit.actor import Actor
from facturo.reception import dashboard, queries
from facturo.reception import service as reception
from facturo.reception.dashboard import DayCounts, IssuerAmount, IssuerCount, MonthTax, RuleCount
from tests.conftest import RollbackDatabase
from tests.reception.documents import OTHER_NIT, as_bytes, invoice

ACTOR = Actor("user", "1", "tablero@facturo.test")
TODAY = date(2026, 11, 30)
A, B = "45671230", "77193008"  # the compact NITs of ISSUER_NIT and OTHER_NIT
SMALL_LINE = {"description": "Tornillo", "quantity": "1", "unit_price": "11.20", "tax_rate": "12", "total": "11.20"}


def small(number: int, issue_date: str, **changes: Any) -> dict[str, Any]:
    """11.20 with 1.20 of IVA, from the other issuer."""
    amounts: dict[str, Any] = {"lines": [SMALL_LINE], "tax_total": "1.20", "total": "11.20"}
    return invoice(number, issuer_nit=OTHER_NIT, issue_date=issue_date, **{**amounts, **changes})


def credit_note(issue_date: str) -> dict[str, Any]:
    return invoice(
        1,
        series="NC",
        issue_date=issue_date,
        document_type="credit_note",
        reference={"series": "A", "number": 1},
        lines=[{**SMALL_LINE, "description": "Devolución"}],
        tax_total="1.20",
        total="11.20",
    )


DOCUMENTS = {
    # 4567123-0: three invoices of 67.20 (IVA 7.20) and a credit note of 11.20 (IVA 1.20) in November
    "a1.json": invoice(1, issue_date="2026-11-30"),
    "a2.json": invoice(2, issue_date="2026-11-30"),
    "a3.json": invoice(3, issue_date="2026-11-29"),
    "a-nc.json": credit_note("2026-11-30"),
    "a-total.json": invoice(4, issue_date="2026-11-30", total="9.99"),  # rejected: JSON-TOTAL
    "a-tax.json": invoice(5, issue_date="2026-11-29", tax_total="7.00"),  # rejected: the tax does not add up
    "a-october.json": invoice(6, issue_date="2026-10-15"),  # before the 30 days, inside the 12 months
    "a-last-year.json": invoice(7, issue_date="2025-11-15"),  # before the 12 months: nowhere
    # 7719300-8: five small invoices (more documents, less money), one rejected, one in dollars
    **{f"b{n}.json": small(n, "2026-11-28") for n in range(1, 6)},
    "b-total.json": small(6, "2026-11-28", total="10.00"),  # rejected: JSON-TOTAL
    "b-usd.json": invoice(7, issuer_nit=OTHER_NIT, issue_date="2026-11-02", currency="USD"),
}


@pytest.fixture
def received(db: RollbackDatabase, tmp_path: Path) -> RollbackDatabase:
    archive = reception.Archive(tmp_path / "archive")

    def submit(files: dict[str, dict[str, Any]]) -> None:
        with db.unit_of_work() as session:
            incoming = [reception.IncomingFile(name, as_bytes(doc)) for name, doc in files.items()]
            reception.submit(session, archive, incoming, actor=ACTOR, channel="api")

    submit(DOCUMENTS)
    reception.drain(db, archive, "w")
    submit({"waiting.json": invoice(8, issue_date="2026-11-29")})  # sent, not decided yet
    return db


def figures(db: RollbackDatabase, visible: frozenset[str] | None = None) -> dashboard.ReceptionDashboard:
    with db.unit_of_work(write=False) as session:
        return dashboard.reception_dashboard(session, TODAY, visible)


def test_documents_per_day_by_status_over_the_last_30_days(received: RollbackDatabase) -> None:
    data = figures(received)
    assert (data.days_from, data.today, len(data.by_day)) == (date(2026, 11, 1), TODAY, 30)
    assert [d.day for d in data.by_day[:2]] == [date(2026, 11, 1), date(2026, 11, 2)]  # oldest first
    busy = {d.day: (d.received, d.accepted, d.rejected) for d in data.by_day if d.received or d.accepted or d.rejected}
    assert busy == {
        date(2026, 11, 2): (0, 1, 0),  # the dollar invoice
        date(2026, 11, 28): (0, 5, 1),
        date(2026, 11, 29): (0, 1, 1),  # the waiting one has no issue date until it is read
        date(2026, 11, 30): (0, 3, 1),  # two invoices and the credit note
    }
    assert data.waiting == 1  # counted by reception time
    assert data.totals == DayCounts(date(2026, 11, 1), 1, 10, 3)


def test_the_rules_that_rejected_most(received: RollbackDatabase) -> None:
    assert figures(received).top_rules == [RuleCount("JSON-TOTAL", 2), RuleCount("JSON-TAX-TOTAL", 1)]


def test_top_issuers_by_amount_and_by_count_net_the_credit_notes(received: RollbackDatabase) -> None:
    data = figures(received)
    # 3 × 67.20 − 11.20 = 190.40 in quetzales; 5 × 11.20 = 56.00; 67.20 in dollars kept apart.
    assert data.top_issuers_by_amount == [
        IssuerAmount(A, "Ferretería El Martillo", "GTQ", Decimal("190.40"), 4),
        IssuerAmount(B, "Ferretería El Martillo", "USD", Decimal("67.20"), 1),
        IssuerAmount(B, "Ferretería El Martillo", "GTQ", Decimal("56.00"), 5),
    ]
    assert all(isinstance(i.total, Decimal) for i in data.top_issuers_by_amount)
    assert data.top_issuers_by_count == [
        IssuerCount(B, "Ferretería El Martillo", 6),
        IssuerCount(A, "Ferretería El Martillo", 4),
    ]


def test_the_amounts_agree_with_the_issuer_summary(received: RollbackDatabase) -> None:
    data = figures(received)
    with received.unit_of_work(write=False) as session:
        summary = queries.issuer_summary(session, A, data.days_from, TODAY)
    (gtq,) = [t for t in summary.totals if t.currency == "GTQ"]
    (dashboard_a,) = [i for i in data.top_issuers_by_amount if i.issuer_nit == A]
    assert dashboard_a.total == gtq.total == Decimal("190.40")
    assert gtq.credit_note_total == Decimal("11.20")


def test_iva_per_month_over_twelve_months(received: RollbackDatabase) -> None:
    data = figures(received)
    assert data.months_from == date(2025, 12, 1)  # November 2025 is left out
    assert data.tax_by_month == [
        MonthTax(date(2026, 10, 1), "GTQ", Decimal("7.20")),
        # 3 × 7.20 − 1.20 + 5 × 1.20 = 26.40
        MonthTax(date(2026, 11, 1), "GTQ", Decimal("26.40")),
        MonthTax(date(2026, 11, 1), "USD", Decimal("7.20")),
    ]


def test_a_scoped_credential_sees_only_its_issuers(received: RollbackDatabase) -> None:
    data = figures(received, frozenset({B}))
    assert data.totals == DayCounts(date(2026, 11, 1), 0, 6, 1)
    assert data.top_rules == [RuleCount("JSON-TOTAL", 1)]
    assert [(i.issuer_nit, i.currency, i.total) for i in data.top_issuers_by_amount] == [
        (B, "USD", Decimal("67.20")),
        (B, "GTQ", Decimal("56.00")),
    ]
    assert data.top_issuers_by_count == [IssuerCount(B, "Ferretería El Martillo", 6)]
    assert data.tax_by_month == [
        MonthTax(date(2026, 11, 1), "GTQ", Decimal("6.00")),
        MonthTax(date(2026, 11, 1), "USD", Decimal("7.20")),
    ]
    nothing = figures(received, frozenset())
    assert nothing.totals == DayCounts(date(2026, 11, 1), 0, 0, 0)
    assert (nothing.top_rules, nothing.top_issuers_by_amount, nothing.tax_by_month) == ([], [], [])
