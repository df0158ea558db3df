"""Keeping the audit current: the incremental step (``sync``) and the from-scratch ``recompute``.

Exactly once, whatever the order workers commit in: a document is applied by the run that marks
it (``reception.mark_audited``, same transaction), and only unmarked accepted documents are taken,
so a replay finds nothing to do. Runs are serialised (SQLite's write lock; a transaction-level
advisory lock on PostgreSQL), so run ids are the order the documents were applied in, which is
what a recompute replays to end in the very same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from facturo.kit import clock
from facturo.kit.db import Units
from facturo.organisation import service as organisation
from facturo.reception import service as reception
from facturo.sequence_audit.apply import RunInfo, apply_run, run_groups
from facturo.sequence_audit.models import AuditRun, AuditSequence, Gap, MonthlyCount

# Documents per run: a run is one transaction; a backlog is worked off in several.
RUN_SIZE = 5_000
# Any constant of ours: the key of the PostgreSQL advisory lock that serialises audit runs.
_LOCK_KEY = 0x5EA0D17


@dataclass(frozen=True)
class SyncResult:
    runs: int
    documents: int


@dataclass(frozen=True)
class RecomputeResult:
    runs: int
    documents: int
    gaps: int
    sequences: int


def _serialise(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def step(session: Session, limit: int = RUN_SIZE) -> int:
    """Apply up to ``limit`` accepted documents not yet audited, as one run; how many."""
    _serialise(session)
    documents = reception.unaudited(session, limit)
    if not documents:
        return 0
    now = clock.now()
    run = AuditRun(ran_at=now, day=clock.today(organisation.business_timezone(session)), documents=len(documents))
    session.add(run)
    session.flush()
    apply_run(session, RunInfo(run.id, run.ran_at, run.day), documents)
    reception.mark_audited(session, [d.id for d in documents], run.id)
    session.flush()
    return len(documents)


def sync(units: Units, limit: int = RUN_SIZE) -> SyncResult:
    """Audit every accepted document not audited yet, one run (one unit of work) per ``limit``.
    The reception workers call it after each batch; the CLI (`facturo audit sync`) too."""
    runs = documents = 0
    while True:
        with units.unit_of_work() as session:
            applied = step(session, limit)
        if not applied:
            return SyncResult(runs, documents)
        runs, documents = runs + 1, documents + applied
        if applied < limit:
            return SyncResult(runs, documents)


def recompute(session: Session) -> RecomputeResult:
    """Forget every sequence and gap and build them again from the documents: each applied
    document in the run that applied it (run order), then any document still waiting as a new
    run. The result equals what the incremental runs built (a test compares both)."""
    _serialise(session)
    # Pieces point at their parent and root: unlink them, then one statement removes them all.
    session.execute(update(Gap).values(root_id=None, parent_id=None))
    session.execute(delete(Gap))
    session.execute(delete(MonthlyCount))
    session.execute(delete(AuditSequence))
    session.expire_all()
    runs = {r.id: RunInfo(r.id, r.ran_at, r.day) for r in session.scalars(select(AuditRun))}
    replayed = documents = 0
    for run_id, batch in run_groups(reception.audited(session)):
        apply_run(session, runs[run_id], batch)
        replayed, documents = replayed + 1, documents + len(batch)
    while applied := step(session):
        replayed, documents = replayed + 1, documents + applied
    session.flush()
    gaps = session.scalar(select(func.count()).select_from(Gap)) or 0
    sequences = session.scalar(select(func.count()).select_from(AuditSequence)) or 0
    return RecomputeResult(replayed, documents, gaps, sequences)
