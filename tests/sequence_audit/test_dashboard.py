"""The reads the web pages add over the planted story: the dashboard's aggregates (in agreement
with monthly and top), a page of gaps with its total, and the status filter."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from facturo.kit import clock
from facturo.kit.pagination import PageParams
from facturo.reception import service as reception
from facturo.sequence_audit import service as audit
from facturo.sequence_audit.schemas import GapQuery
from tests.conftest import RollbackDatabase
from tests.sequence_audit import scenario
from tests.sequence_audit.scenario import FEL_ISSUER, TODAY
from tests.sequence_audit.sequences import TENANT_A, TENANT_C, at

EVER = GapQuery(date_from=date(2020, 1, 1), date_to=TODAY)


@pytest.fixture
def story(db: RollbackDatabase, archive: reception.Archive) -> RollbackDatabase:
    scenario.play(db, archive)
    return db


def dashboard(db: RollbackDatabase, visible: frozenset[str] | None = None) -> audit.AuditDashboard:
    with db.unit_of_work(write=False) as session, clock.frozen(at(TODAY)):
        return audit.audit_dashboard(session, visible)


def test_the_figures_of_the_whole_story(story: RollbackDatabase) -> None:
    data = dashboard(story)
    assert (data.since, data.today) == (date(2024, 1, 1), TODAY)
    # Every month from January 2024 to March 2026, the empty ones too.
    assert len(data.months) == 27 and data.months[0].month == date(2024, 1, 1)
    march = data.months[-1]
    assert (march.month, march.open_gaps, march.missing, march.gaps_opened, march.gaps_closed_late) == (
        date(2026, 3, 1),
        5,  # credit note 3, invoices 8 and 10 of A, 103 of C, FEL 2 (B's jump is a restart)
        5,
        6,  # A's 3, 5, 8..10 and 22..24, C's 103, FEL's 2
        3,  # 5, 9 and 22..24 closed late
    )
    assert all(not (m.open_gaps or m.missing or m.gaps_opened or m.gaps_closed_late) for m in data.months[:-1])
    assert (data.open_gaps, data.missing, data.suspected_restarts, data.not_auditable_fel) == (5, 5, 1, 1)
    assert (data.found_missing, data.filled_late, data.late_closure_rate) == (10, 5, Decimal("50.0"))


def test_the_dashboard_agrees_with_monthly_and_top(story: RollbackDatabase) -> None:
    data = dashboard(story)
    with story.unit_of_work(write=False) as session, clock.frozen(at(TODAY)):
        monthly = audit.monthly(session)
        top = audit.top(session, date(2024, 1, 1), TODAY)
    assert data.top == top
    assert [(t.issuer_nit, t.missing) for t in data.top] == sorted(
        [(TENANT_A, 3), (TENANT_C, 1), (FEL_ISSUER, 1)], key=lambda t: (-t[1], t[0])
    )
    for month in data.months:
        rows = [m for m in monthly if m.month == f"{month.month:%Y-%m}"]
        assert month.missing == sum(m.missing_open_at_month_end for m in rows)
        assert month.gaps_opened == sum(m.gaps_opened for m in rows)
        assert month.gaps_closed_late == sum(m.gaps_closed_late for m in rows)


def test_a_scoped_credential_sees_only_its_issuers(story: RollbackDatabase) -> None:
    mine = dashboard(story, frozenset({TENANT_C}))
    assert (mine.open_gaps, mine.missing, mine.found_missing, mine.filled_late) == (1, 1, 1, 0)
    assert mine.late_closure_rate == Decimal("0.0")
    assert [t.issuer_nit for t in mine.top] == [TENANT_C]
    assert (mine.not_auditable_fel, mine.suspected_restarts) == (0, 0)
    none = dashboard(story, frozenset())
    assert (none.open_gaps, none.found_missing, none.late_closure_rate, none.top) == (0, 0, None, [])


def test_a_page_of_gaps_its_total_and_the_status_filter(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session:
        everything = audit.gaps(session, EVER)
        first = audit.gap_page(session, EVER, PageParams(1, 4))
        second = audit.gap_page(session, EVER, PageParams(2, 4))
        closed = audit.gaps(session, GapQuery(date_from=EVER.date_from, date_to=TODAY, status="closed"))
        open_a = audit.gap_page(
            session, GapQuery(date_from=EVER.date_from, date_to=TODAY, issuer_nit=TENANT_A, status="open"), PageParams()
        )
    assert (first.page.total, second.page.total, len(everything)) == (9, 9, 9)
    assert first.page.items + second.page.items == everything[:8]
    assert first.query == EVER
    assert [(g.issuer_nit, g.first, g.last) for g in closed] == [(TENANT_A, 5, 5), (TENANT_A, 9, 9), (TENANT_A, 22, 24)]
    assert [(g.kind, g.first) for g in open_a.page.items] == [("credit_note", 3), ("invoice", 8), ("invoice", 10)]


def test_a_page_without_a_day_is_yesterdays(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session, clock.frozen(at(date(2026, 3, 5))):
        found = audit.gap_page(session, GapQuery(), PageParams())
    assert found.query.day == scenario.RUN_2
    assert [g.first for g in found.page.items] == [22, 4, 103]
