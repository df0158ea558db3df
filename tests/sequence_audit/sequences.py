"""Generated issuers' sequences with planted gaps, handed in through reception like real uploads,
and a snapshot of everything the audit keeps (to compare an incremental history with a recompute)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.db import Units
from facturo.reception import service as reception
from facturo.sequence_audit import service as audit
from facturo.sequence_audit.models import AuditSequence, Gap, MonthlyCount
from facturo.sequence_audit.schemas import GapQuery
from tests.reception.documents import as_bytes, invoice
from tests.reception.mixed import valid_nit

ACTOR = Actor("user", "1", "auditoria@facturo.test")
# Three tenants (valid NITs, compact as the index keeps them).
TENANT_A = valid_nit(5_100_001)
TENANT_B = valid_nit(5_100_002)
TENANT_C = valid_nit(5_100_003)


def json_invoice(number: int, *, issuer: str, day: date, series: str = "A", **changes: Any) -> bytes:
    return as_bytes(invoice(number, issuer_nit=issuer, series=series, issue_date=day.isoformat(), **changes))


def credit_note(number: int, *, issuer: str, day: date, series: str = "A", of: int) -> bytes:
    return json_invoice(
        number,
        issuer=issuer,
        day=day,
        series=series,
        document_type="credit_note",
        reference={"series": series, "number": of},
    )


def accept(units: Units, archive: reception.Archive, documents: Iterable[bytes]) -> reception.DrainResult:
    """Hand the documents in (one submission) and let a worker decide them all."""
    files = [reception.IncomingFile(f"{i:05d}.json", data) for i, data in enumerate(documents, 1)]
    with units.unit_of_work() as session:
        reception.submit(session, archive, files, actor=ACTOR, channel="api")
    return reception.drain(units, archive, "w1")


def at(day: date, hour: int = 15) -> datetime:
    """An instant on ``day`` (15:00 UTC is 09:00 in Guatemala: the same business day)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def sync_on(units: Units, day: date) -> audit.SyncResult:
    with clock.frozen(at(day)):
        return audit.sync(units)


def snapshot(session: Session) -> dict[str, Any]:
    """Every row the audit keeps, without its own ids (a recompute numbers its rows anew)."""
    parent = aliased(Gap)
    root = aliased(Gap)
    gaps = sorted(
        (
            g.issuer_nit,
            s.kind,
            s.series,
            g.first_number,
            g.last_number,
            g.count,
            g.status,
            (p_first, p_last),
            (r_first, r_last),
            (g.before_number, g.before_document_id, g.before_date),
            (g.after_number, g.after_document_id, g.after_date),
            g.detected_on,
            g.detected_run_id,
            g.opened_at,
            g.ended_at,
            g.ended_on,
            g.ended_run_id,
            g.filled_by_document_id,
            g.filled_by_number,
        )
        for g, s, p_first, p_last, r_first, r_last in session.execute(
            select(Gap, AuditSequence, parent.first_number, parent.last_number, root.first_number, root.last_number)
            .join(AuditSequence, AuditSequence.id == Gap.sequence_id)
            .outerjoin(parent, parent.id == Gap.parent_id)
            .outerjoin(root, root.id == Gap.root_id)
        )
    )
    sequences = sorted(
        (
            s.issuer_nit,
            s.kind,
            s.series,
            s.format,
            s.floor,
            s.highest,
            s.highest_document_id,
            s.highest_date,
            s.documents,
            s.unnumbered,
            s.below_floor,
            s.repeated,
            s.first_run_id,
            s.last_run_id,
        )
        for s in session.scalars(select(AuditSequence))
    )
    months = sorted(
        (s.issuer_nit, s.kind, s.series, m.month, m.documents)
        for m, s in session.execute(
            select(MonthlyCount, AuditSequence).join(AuditSequence, AuditSequence.id == MonthlyCount.sequence_id)
        )
    )
    return {"gaps": gaps, "sequences": sequences, "months": months}


def shown(session: Session, **query: Any) -> list[tuple[str, str, str, int, int, str, bool]]:
    """The gaps a report shows, as (issuer, kind, series, first, last, status, suspected restart)."""
    return [
        (g.issuer_nit, g.kind, g.series, g.first, g.last, g.status, g.suspected_restart)
        for g in audit.gaps(session, audit_query(**query))
    ]


def audit_query(**query: Any) -> GapQuery:
    return GapQuery(**query)
