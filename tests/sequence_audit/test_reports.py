"""Daily, monthly, top and CSV over the planted story: each right, and all in agreement."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date

import pytest

from facturo.kit import clock
from facturo.kit.errors import ValidationFailed
from facturo.reception import service as reception
from facturo.sequence_audit import service as audit
from facturo.sequence_audit.schemas import GapQuery
from tests.conftest import RollbackDatabase
from tests.sequence_audit import scenario
from tests.sequence_audit.scenario import FEL_ISSUER, RUN_1, RUN_2, RUN_3, TODAY
from tests.sequence_audit.sequences import TENANT_A, TENANT_B, TENANT_C, accept, at, json_invoice, shown, sync_on

EVER = GapQuery(date_from=date(2020, 1, 1), date_to=TODAY)


@pytest.fixture
def story(db: RollbackDatabase, archive: reception.Archive) -> RollbackDatabase:
    scenario.play(db, archive)
    return db


def rows(data: bytes) -> list[dict[str, str]]:
    text = data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_day_defaults_to_yesterday_in_the_organisations_time_zone(story: RollbackDatabase) -> None:
    # 05:00 UTC on 5 March is still 4 March in Guatemala: yesterday is 3 March (nothing), and a
    # day later the second run's gaps are yesterday's.
    with story.unit_of_work(write=False) as session:
        with clock.frozen(at(date(2026, 3, 5), hour=5)):
            assert shown(session) == []
        with clock.frozen(at(date(2026, 3, 5), hour=12)):
            assert shown(session) == [
                (TENANT_A, "invoice", "A", 22, 24, "closed", False),
                (TENANT_B, "invoice", "A", 4, 20_004, "open", True),
                (TENANT_C, "invoice", "A", 103, 103, "open", False),
            ]


def test_the_gaps_of_a_day_and_of_one_issuer(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session:
        assert shown(session, day=RUN_1) == [
            (TENANT_A, "credit_note", "A", 3, 3, "open", False),
            (TENANT_A, "invoice", "A", 5, 5, "closed", False),
            (TENANT_A, "invoice", "A", 8, 8, "open", False),
            (TENANT_A, "invoice", "A", 9, 9, "closed", False),
            (TENANT_A, "invoice", "A", 10, 10, "open", False),
            (FEL_ISSUER, "FACT", "", 2, 2, "open", False),
        ]
        assert shown(session, day=RUN_3) == []
        # The NIT as people write it finds the compact one the index keeps.
        hyphenated = f"{TENANT_C[:-1]}-{TENANT_C[-1]}"
        assert shown(session, day=RUN_2, issuer_nit=hyphenated) == [(TENANT_C, "invoice", "A", 103, 103, "open", False)]


def test_a_gap_belongs_to_a_range_when_a_side_is_dated_in_it(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session:
        february = shown(session, date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))
        january = shown(session, date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))
    assert [(g[0], g[1], g[3]) for g in february] == [
        (TENANT_A, "credit_note", 3),
        (TENANT_A, "invoice", 9),  # a filled piece: 8..10 lay between 7 (January) and 11 (February)
        (TENANT_A, "invoice", 10),  # on the month boundary: in both months
        (TENANT_B, "invoice", 4),
        (TENANT_C, "invoice", 103),
    ]
    assert [(g[0], g[1], g[3]) for g in january] == [
        (TENANT_A, "invoice", 5),
        (TENANT_A, "invoice", 8),
        (TENANT_A, "invoice", 9),
        (TENANT_A, "invoice", 10),
    ]


def test_top_issuers_by_missing_numbers(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session, clock.frozen(at(TODAY)):
        # Tenant B's restart is no missing number; C and the FEL issuer tie, by NIT.
        assert [(t.issuer_nit, t.missing) for t in audit.top(session)] == [
            (TENANT_A, 3),
            *sorted([(TENANT_C, 1), (FEL_ISSUER, 1)]),
        ]
        assert [t.issuer_nit for t in audit.top(session, limit=1)] == [TENANT_A]
        assert [(t.issuer_nit, t.missing) for t in audit.top(session, date(2026, 1, 1), date(2026, 1, 31))] == [
            (TENANT_A, 2)
        ]
        # With a higher threshold the jump is 20,001 missing numbers, first of all.
        assert audit.top(session, threshold=30_000)[0].model_dump() == {"issuer_nit": TENANT_B, "missing": 20_001}
        with pytest.raises(ValidationFailed):
            audit.top(session, date(2026, 2, 1), date(2026, 1, 1))


def test_the_monthly_figures(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session, clock.frozen(at(TODAY)):
        monthly = {(m.month, m.issuer_nit): m for m in audit.monthly(session, date(2026, 1, 1))}
    figures = {
        k: (m.documents, m.gaps_opened, m.gaps_closed_late, m.missing_open_at_month_end) for k, m in monthly.items()
    }
    assert figures == {
        ("2026-01", TENANT_A): (8, 0, 0, 0),
        ("2026-02", TENANT_A): (10 + 3, 0, 0, 0),
        ("2026-03", TENANT_A): (5, 4, 3, 3),
        ("2026-02", TENANT_B): (3, 0, 0, 0),
        ("2026-03", TENANT_B): (1, 0, 0, 0),
        ("2026-02", TENANT_C): (3 + 1, 0, 0, 0),
        ("2026-03", TENANT_C): (1, 1, 0, 1),
        ("2026-03", FEL_ISSUER): (0, 1, 0, 1),
    }


def test_a_start_month_far_back_costs_no_query_per_empty_month(story: RollbackDatabase) -> None:
    """``since=1000-01`` gives the figures of ``since=2000-01`` (nothing happened before), without
    one month-end query per month of the thousand years between."""
    from sqlalchemy import event

    with story.unit_of_work(write=False) as session, clock.frozen(at(TODAY)):
        statements: list[str] = []
        engine = session.get_bind()
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            far = audit.monthly(session, date(1000, 1, 1))
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        near = audit.monthly(session, date(2000, 1, 1))
    assert far == near and far
    assert len(statements) < 40


def test_open_at_a_past_month_end_is_what_was_open_then(db: RollbackDatabase, archive: reception.Archive) -> None:
    accept(db, archive, [json_invoice(n, issuer=TENANT_A, day=date(2026, 1, 10)) for n in (1, 5, 9)])
    sync_on(db, date(2026, 1, 20))  # 2..4 and 6..8 missing
    accept(db, archive, [json_invoice(n, issuer=TENANT_A, day=date(2026, 1, 10)) for n in (3, 6, 7, 8)])
    sync_on(db, date(2026, 2, 10))  # 3 and 6..8 filled: 2 and 4 left
    with db.unit_of_work(write=False) as session, clock.frozen(at(date(2026, 3, 2))):
        figures = [
            (m.month, m.gaps_opened, m.gaps_closed_late, m.missing_open_at_month_end)
            for m in audit.monthly(session, date(2026, 1, 1))
        ]
    assert figures == [("2026-01", 2, 0, 6), ("2026-02", 0, 2, 2), ("2026-03", 0, 0, 2)]


def test_daily_monthly_top_and_csv_agree(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session, clock.frozen(at(TODAY)):
        every = audit.gaps(session, EVER)
        top = {t.issuer_nit: t.missing for t in audit.top(session, limit=100)}
        monthly = audit.monthly(session, date(2026, 1, 1))
        per_gap = rows(b"".join(audit.gaps_csv(session, EVER)))
        per_number = rows(b"".join(audit.gaps_csv(session, EVER, expand=True)))
        daily = [g for day in (RUN_1, RUN_2, RUN_3) for g in audit.gaps(session, GapQuery(day=day))]
    open_missing: Counter[str] = Counter()
    for g in every:
        if g.status == "open" and not g.suspected_restart:
            open_missing[g.issuer_nit] += g.count
    assert dict(open_missing) == top
    # This month's end is now: its open figure is the top's.
    assert {
        m.issuer_nit: m.missing_open_at_month_end
        for m in monthly
        if m.month == "2026-03" and m.missing_open_at_month_end
    } == top
    # The CSV, by gap and by number, says the same.
    assert [(r["issuer_nit"], int(r["first"]), int(r["last"]), r["status"]) for r in per_gap] == [
        (g.issuer_nit, g.first, g.last, g.status) for g in every
    ]
    by_number = Counter(
        r["issuer_nit"] for r in per_number if r["status"] == "open" and r["suspected_restart"] == "false"
    )
    assert dict(by_number) == top
    # The restart is one row, not 20,001.
    assert [r["gap_first"] for r in per_number if r["suspected_restart"] == "true"] == ["4"]
    # The days' gaps are every gap (each detected on one of the three days) ...
    assert sorted(g.model_dump_json() for g in daily) == sorted(g.model_dump_json() for g in every)
    # ... and the monthly gaps opened are the gaps first seen that month: A's 5, 8..10 (now three
    # pieces), its credit note 3 and 22..24; C's 103; the FEL issuer's 2 (not B's restart).
    assert {m.issuer_nit: m.gaps_opened for m in monthly if m.gaps_opened} == {TENANT_A: 4, TENANT_C: 1, FEL_ISSUER: 1}
    assert sum(1 for r in per_number if r["status"] == "closed") == 1 + 1 + 3  # 5, 9 and 22..24


def test_the_csv_is_formula_safe(db: RollbackDatabase, archive: reception.Archive) -> None:
    hostile = '=HYPERLINK("http://evil","x")'
    accept(db, archive, [json_invoice(n, issuer=TENANT_A, day=date(2026, 1, 10), series=hostile) for n in (1, 3)])
    sync_on(db, RUN_1)
    with db.unit_of_work(write=False) as session:
        data = b"".join(audit.gaps_csv(session, GapQuery(day=RUN_1)))
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the accents right
    [row] = rows(data)
    assert row["series"] == "'" + hostile
    assert (row["first"], row["count"], row["status"]) == ("2", "1", "open")


def test_a_day_and_a_range_together_are_refused(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session:
        with pytest.raises(ValidationFailed):
            audit.gaps(session, GapQuery(day=RUN_1, date_from=RUN_1, date_to=RUN_2))
        with pytest.raises(ValidationFailed):
            audit.gaps(session, GapQuery(date_from=RUN_1))


def test_a_bound_credential_sees_only_its_issuers(story: RollbackDatabase) -> None:
    with story.unit_of_work(write=False) as session, clock.frozen(at(TODAY)):
        mine = frozenset({TENANT_C})
        assert {
            g.issuer_nit
            for g in audit.gaps(session, GapQuery(date_from=date(2020, 1, 1), date_to=TODAY, visible_issuer_nits=mine))
        } == {TENANT_C}
        assert audit.gaps(session, GapQuery(day=RUN_1, issuer_nit=TENANT_A, visible_issuer_nits=mine)) == []
        assert [t.issuer_nit for t in audit.top(session, visible_issuer_nits=mine)] == [TENANT_C]
        assert {m.issuer_nit for m in audit.monthly(session, visible_issuer_nits=mine)} == {TENANT_C}
        assert audit.sequences(session, visible_issuer_nits=frozenset()) == []
