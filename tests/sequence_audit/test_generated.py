"""Generated tenants' sequences with planted gaps, uploaded late and out of order in several
batches: the audit finds exactly the planted gaps, and exactly the numbers late uploads closed,
incrementally and from scratch alike. Also two audits racing on a committed database."""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from facturo.kit import clock
from facturo.kit.db import Database
from facturo.reception import service as reception
from facturo.reception.models import ReceivedDocument
from facturo.sequence_audit import service as audit
from facturo.sequence_audit.models import AuditRun
from facturo.sequence_audit.schemas import GapQuery
from tests.conftest import RollbackDatabase
from tests.reception.mixed import valid_nit
from tests.sequence_audit.sequences import accept, at, json_invoice, snapshot, sync_on

EVER = GapQuery(date_from=date(2020, 1, 1), date_to=date(2030, 12, 31))
FIRST_DAY = date(2026, 4, 1)


def _runs(numbers: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive numbers."""
    runs: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if runs and runs[-1][1] == n - 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _missing(present: set[int], floor: int) -> set[int]:
    kept = {n for n in present if n >= floor}
    return set(range(floor, max(kept) + 1)) - kept if kept else set()


def test_generated_sequences_with_planted_gaps(db: RollbackDatabase, archive: reception.Archive) -> None:
    rng = random.Random(14)
    issuers = [valid_nit(5_200_000 + i) for i in range(4)]
    batches: list[list[tuple[str, int]]] = [[] for _ in range(4)]
    planted: dict[str, set[int]] = {}
    for issuer in issuers:
        start = rng.randint(1, 500)
        numbers = list(range(start, start + 60))
        # Planted: single numbers and runs never uploaded.
        never = set(rng.sample(numbers[1:-1], 4))
        low = rng.randint(10, 40)
        never |= set(range(numbers[low], numbers[low] + rng.randint(2, 5)))
        planted[issuer] = never
        uploaded = [n for n in numbers if n not in never]
        # The first batch holds the start (the floor); the rest arrive in any batch, any order.
        batches[0].append((issuer, start))
        for n in uploaded[1:]:
            batches[rng.randrange(4)].append((issuer, n))
    # A duplicate upload of a number already sent, with other content, in a later batch.
    batches[3].append((issuers[0], min(n for i, n in batches[0] if i == issuers[0])))
    seen: dict[str, set[int]] = {i: set() for i in issuers}
    ever_missing: dict[str, set[int]] = {i: set() for i in issuers}
    for k, batch in enumerate(batches):
        rng.shuffle(batch)
        documents = [
            json_invoice(n, issuer=i, day=FIRST_DAY + timedelta(days=n % 30), receiver={"id": "CF", "name": f"B{k}"})
            for i, n in batch
        ]
        accept(db, archive, documents)
        sync_on(db, FIRST_DAY + timedelta(days=k))
        for issuer in issuers:
            seen[issuer] |= {n for i, n in batch if i == issuer}
            floor = min(n for i, n in batches[0] if i == issuer)
            ever_missing[issuer] |= _missing(seen[issuer], floor)
    with db.unit_of_work(write=False) as session:
        shown = audit.gaps(session, EVER)
        incremental = snapshot(session)
    for issuer in issuers:
        floor = min(n for i, n in batches[0] if i == issuer)
        still = _missing(seen[issuer], floor)
        assert still == {n for n in planted[issuer] if floor < n}
        open_gaps = [(g.first, g.last) for g in shown if g.issuer_nit == issuer and g.status == "open"]
        assert open_gaps == _runs(still), issuer
        closed = {
            n for g in shown if g.issuer_nit == issuer and g.status == "closed" for n in range(g.first, g.last + 1)
        }
        assert closed == ever_missing[issuer] - still, issuer
    with db.unit_of_work() as session:
        audit.recompute(session)
    with db.unit_of_work(write=False) as session:
        assert snapshot(session) == incremental


def test_two_audits_at_once_apply_each_document_once(fresh_database: Database, tmp_path: Path) -> None:
    archive = reception.Archive(tmp_path / "archive")
    issuer = valid_nit(5_300_000)
    accept(fresh_database, archive, [json_invoice(n, issuer=issuer, day=FIRST_DAY) for n in range(1, 400) if n % 7])
    results: list[audit.SyncResult] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with clock.frozen(at(FIRST_DAY)):
                results.append(audit.sync(fresh_database, limit=50))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with fresh_database.unit_of_work(write=False) as session:
        accepted = session.scalar(select(func.count()).where(ReceivedDocument.status == "accepted"))
        assert sum(r.documents for r in results) == accepted
        assert session.scalar(select(func.sum(AuditRun.documents))) == accepted
        assert reception.unaudited(session, 10) == []
        [sequence] = audit.sequences(session)
        gaps = audit.gaps(session, EVER)
    assert sequence.documents == accepted
    # 399 is missing too, but above the highest number: no gap (yet).
    assert [g.first for g in gaps] == [n for n in range(1, 398) if n % 7 == 0]
