"""The audit finds exactly the planted gaps, incrementally and from scratch alike."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from facturo.kit import clock
from facturo.reception import audit_feed
from facturo.reception import service as reception
from facturo.reception.models import ReceivedDocument
from facturo.reception.processing import claim, process_batch
from facturo.sequence_audit import service as audit
from facturo.sequence_audit.models import AuditRun
from facturo.sequence_audit.schemas import GapQuery
from tests.conftest import RollbackDatabase
from tests.sequence_audit import scenario
from tests.sequence_audit.sequences import (
    ACTOR,
    TENANT_A,
    TENANT_B,
    TENANT_C,
    accept,
    at,
    json_invoice,
    shown,
    snapshot,
    sync_on,
)


def every_gap(db: RollbackDatabase) -> list[tuple[str, str, str, int, int, str, bool]]:
    with db.unit_of_work(write=False) as session, clock.frozen(at(scenario.TODAY)):
        return shown(session, date_from=scenario.JAN_31.replace(year=2020), date_to=scenario.TODAY)


def test_the_planted_gaps_are_found_exactly(db: RollbackDatabase, archive: reception.Archive) -> None:
    scenario.play(db, archive)
    # Every gap has a side dated since 2020 except the FEL one (2024) - all of them, then.
    assert every_gap(db) == scenario.EXPECTED


def test_each_gap_records_its_sides_its_day_and_what_filled_it(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    scenario.play(db, archive)
    with db.unit_of_work(write=False) as session, clock.frozen(at(scenario.TODAY)):
        gaps = {(g.issuer_nit, g.kind, g.first): g for g in audit.gaps(session, audit.resolved(session, _range()))}
        ids = {
            (d.issuer_nit, d.document_type, d.correlative): d.id
            for d in session.scalars(select(ReceivedDocument).where(ReceivedDocument.status == "accepted"))
        }
    ten = gaps[(TENANT_A, "invoice", 10)]
    # 10 is on the month boundary: 9 (31 January, uploaded late) below it, 11 (1 February) above.
    assert (ten.before_number, ten.before_date, ten.after_number, ten.after_date) == (
        9,
        scenario.JAN_31,
        11,
        scenario.FEB_1,
    )
    assert ten.before_document_id == ids[(TENANT_A, "invoice", 9)]
    assert ten.after_document_id == ids[(TENANT_A, "invoice", 11)]
    # Pieces keep the day their gap was first seen.
    assert (ten.detected_on, ten.status, ten.closed_on) == (scenario.RUN_1, "open", None)
    nine = gaps[(TENANT_A, "invoice", 9)]
    assert (nine.status, nine.closed_on, nine.filled_by_number) == ("closed", scenario.RUN_2, 9)
    assert nine.filled_by_document_id == ids[(TENANT_A, "invoice", 9)]
    # A filled piece keeps the sides of the gap it was part of (8..10 between 7 and 11).
    assert (nine.before_number, nine.after_number) == (7, 11)
    five = gaps[(TENANT_A, "invoice", 5)]
    assert (five.count, five.detected_on, five.closed_on, five.filled_by_number) == (
        1,
        scenario.RUN_1,
        scenario.RUN_2,
        5,
    )
    whole = gaps[(TENANT_A, "invoice", 22)]
    assert (whole.count, whole.detected_on, whole.closed_on) == (3, scenario.RUN_2, scenario.RUN_3)
    assert whole.filled_by_document_id == ids[(TENANT_A, "invoice", 22)]
    restart = gaps[(TENANT_B, "invoice", 4)]
    assert (restart.count, restart.suspected_restart, restart.status) == (20_001, True, "open")


def _range() -> GapQuery:
    return GapQuery(date_from=scenario.JAN_31.replace(year=2020), date_to=scenario.TODAY)


def test_a_recompute_from_scratch_gives_the_same_rows(db: RollbackDatabase, archive: reception.Archive) -> None:
    scenario.play(db, archive)
    with db.unit_of_work(write=False) as session:
        incremental = snapshot(session)
    assert len(incremental["gaps"]) == 10  # the 9 shown, and 8..10 that split into three of them
    with db.unit_of_work() as session:
        result = audit.recompute(session)
    assert (result.runs, result.documents) == (3, 29 + 7 + 3)
    with db.unit_of_work(write=False) as session:
        assert snapshot(session) == incremental
    # Twice is the same as once.
    with db.unit_of_work() as session:
        audit.recompute(session)
    with db.unit_of_work(write=False) as session:
        assert snapshot(session) == incremental
    assert every_gap(db) == scenario.EXPECTED


def test_a_replay_changes_nothing(db: RollbackDatabase, archive: reception.Archive) -> None:
    scenario.play(db, archive)
    with db.unit_of_work(write=False) as session:
        before = snapshot(session)
    assert sync_on(db, scenario.TODAY) == audit.SyncResult(0, 0)
    with db.unit_of_work(write=False) as session:
        assert snapshot(session) == before
        assert len(session.scalars(select(AuditRun.id)).all()) == 3
        # Marking again marks nothing: each document keeps the run that applied it.
        first = session.scalars(select(ReceivedDocument.id).where(ReceivedDocument.audit_run_id.is_not(None))).first()
    with db.unit_of_work() as session:
        assert reception.mark_audited(session, [int(first or 0)], 999) == 0


def test_the_sequences_say_what_can_be_audited(db: RollbackDatabase, archive: reception.Archive) -> None:
    scenario.play(db, archive)
    with db.unit_of_work(write=False) as session:
        sequences = {(s.issuer_nit, s.kind): s for s in audit.sequences(session)}
    unnumbered = sequences[(scenario.FEL_UNNUMBERED, "FACT")]
    assert (unnumbered.auditable, unnumbered.documents, unnumbered.unnumbered, unnumbered.open_gaps) == (False, 2, 2, 0)
    fel = sequences[(scenario.FEL_ISSUER, "FACT")]
    # One sequence for the issuer's DTEs, although each has a Serie of its own.
    assert (fel.auditable, fel.series, fel.documents, fel.first_number, fel.highest_number) == (True, "", 2, 1, 3)
    c = sequences[(TENANT_C, "invoice")]
    assert (c.first_number, c.below_floor, c.missing) == (100, 1, 1)
    a = sequences[(TENANT_A, "invoice")]
    assert (a.documents, a.missing, a.open_gaps) == (16 + 2 + 5, 2, 2)
    # The restart is open but not counted as missing.
    b = sequences[(TENANT_B, "invoice")]
    assert (b.open_gaps, b.missing) == (0, 0)


def test_documents_accepted_out_of_id_order_are_all_audited(db: RollbackDatabase, archive: reception.Archive) -> None:
    """Two workers: the one holding the lower ids commits after the audit ran on the other's
    batch. A "last id seen" watermark would skip the lower ids; the mark does not."""
    files = [
        reception.IncomingFile(f"{n}.json", json_invoice(n, issuer=TENANT_A, day=scenario.FEB_1)) for n in range(1, 7)
    ]
    with db.unit_of_work() as session:
        reception.submit(session, archive, files, actor=ACTOR, channel="api")
    with db.unit_of_work() as session:
        slow = claim(session, "slow", clock.now(), limit=3)  # ids of 1..3, held
    assert process_batch(db, archive, "fast").accepted == 3  # 4..6
    sync_on(db, scenario.RUN_1)
    with db.unit_of_work() as session:
        session.execute(
            update(ReceivedDocument)
            .where(ReceivedDocument.id.in_(slow))
            .values(claimed_until=clock.now() - timedelta(minutes=1))
        )
    assert process_batch(db, archive, "slow").accepted == 3
    sync_on(db, scenario.RUN_2)
    with db.unit_of_work(write=False) as session:
        assert reception.unaudited(session, 10) == []
        [sequence] = audit.sequences(session)
    assert (sequence.documents, sequence.first_number, sequence.highest_number) == (6, 4, 6)
    # 1..3 came after the floor (4) was set by the first run: below it, no gap.
    assert sequence.below_floor == 3


def test_the_workers_hook_audits_each_accepted_batch(db: RollbackDatabase, archive: reception.Archive) -> None:
    audit_feed.after_batch(audit.sync)
    audit_feed.after_batch(audit.sync)  # registered once, however often
    assert audit_feed.batch_hooks() == [audit.sync]
    with clock.frozen(at(scenario.RUN_1)):
        accept(db, archive, [json_invoice(n, issuer=TENANT_C, day=scenario.FEB_1) for n in (1, 2, 5)])
    with db.unit_of_work(write=False) as session:
        assert shown(session, day=scenario.RUN_1) == [(TENANT_C, "invoice", "A", 3, 4, "open", False)]


def test_a_failing_hook_never_undoes_the_acceptance(db: RollbackDatabase, archive: reception.Archive) -> None:
    def broken(units: object) -> None:
        raise RuntimeError("audit down")

    audit_feed.after_batch(broken)
    result = accept(db, archive, [json_invoice(n, issuer=TENANT_C, day=scenario.FEB_1) for n in (1, 3)])
    assert result.accepted == 2
    # The next run finds what the hook missed.
    assert sync_on(db, scenario.RUN_1) == audit.SyncResult(1, 2)


def test_the_restart_threshold_is_configurable(db: RollbackDatabase, archive: reception.Archive) -> None:
    accept(db, archive, [json_invoice(n, issuer=TENANT_B, day=scenario.FEB_1) for n in (1, 12, 23)])
    sync_on(db, scenario.RUN_1)
    with db.unit_of_work(write=False) as session:
        gaps = audit.gaps(session, _day(scenario.RUN_1), threshold=11)
        assert [(g.first, g.count, g.suspected_restart) for g in gaps] == [(2, 10, False), (13, 10, False)]
        # A jump of more than the threshold: 1 -> 12 is 11 apart.
        assert [g.suspected_restart for g in audit.gaps(session, _day(scenario.RUN_1), threshold=10)] == [True, True]


def _day(day: date) -> GapQuery:
    return GapQuery(day=day)


def test_many_late_numbers_in_one_run_split_their_gaps_alike(db: RollbackDatabase, archive: reception.Archive) -> None:
    # More late numbers than single seeks (the run reads the open gaps between them at once).
    accept(db, archive, [json_invoice(n, issuer=TENANT_A, day=scenario.FEB_1) for n in (1, 50, 100)])
    sync_on(db, scenario.RUN_1)
    late = [n for n in range(2, 100) if n % 2 == 0 and n != 50]
    accept(db, archive, [json_invoice(n, issuer=TENANT_A, day=scenario.FEB_1) for n in late])
    sync_on(db, scenario.RUN_2)
    with db.unit_of_work(write=False) as session:
        open_gaps = [(g.first, g.last) for g in audit.gaps(session, _range()) if g.status == "open"]
        before = snapshot(session)
    assert open_gaps == [(n, n) for n in range(3, 100, 2)]
    with db.unit_of_work() as session:
        audit.recompute(session)
    with db.unit_of_work(write=False) as session:
        assert snapshot(session) == before


def test_a_document_demoted_after_it_was_audited_is_still_replayed(
    db: RollbackDatabase, archive: reception.Archive
) -> None:
    """Reception lets the first received of two documents with one number keep it, demoting a
    later one accepted first (processing._demote). The audit applied the later one already; a
    recompute replays it too, so both end alike (and the number stays present)."""
    accept(db, archive, [json_invoice(n, issuer=TENANT_A, day=scenario.FEB_1) for n in (1, 2, 4)])
    sync_on(db, scenario.RUN_1)
    accept(db, archive, [json_invoice(3, issuer=TENANT_A, day=scenario.FEB_1)])
    sync_on(db, scenario.RUN_2)
    with db.unit_of_work() as session:
        later = session.scalars(select(ReceivedDocument.id).where(ReceivedDocument.correlative == 3)).one()
        # What _demote writes: the later document becomes a rejected duplicate ...
        session.execute(update(ReceivedDocument).where(ReceivedDocument.id == later).values(status="rejected"))
    # ... and the first received one (here: sent again with other content) is accepted.
    other = json_invoice(3, issuer=TENANT_A, day=scenario.FEB_1, receiver={"id": "CF", "name": "Primero"})
    assert accept(db, archive, [other]).accepted == 1
    sync_on(db, scenario.RUN_3)
    with db.unit_of_work(write=False) as session:
        before = snapshot(session)
        [sequence] = audit.sequences(session)
        gaps = audit.gaps(session, _range())
    assert (sequence.repeated, sequence.missing) == (1, 0)
    assert [(g.first, g.status, g.filled_by_document_id) for g in gaps] == [(3, "closed", later)]
    with db.unit_of_work() as session:
        audit.recompute(session)
    with db.unit_of_work(write=False) as session:
        assert snapshot(session) == before
