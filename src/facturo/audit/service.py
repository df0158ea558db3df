"""The change history: who did what to which object, with the state before and after."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, insert, inspect, or_, select
from sqlalchemy.orm import Session

from facturo.audit.models import HistoryRecord
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.bulk import bulk_insert
from facturo.kit.db import table_of

_SKIPPED = frozenset({"created_at", "updated_at"})


def jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: object, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The persisted columns of a model instance, JSON-ready."""
    skipped = _SKIPPED | set(exclude)
    mapper = inspect(type(obj))
    return {a.key: jsonable(getattr(obj, a.key)) for a in mapper.column_attrs if a.key not in skipped}


def changed_only(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record_changes(
    session: Session,
    actor: Actor,
    entity_type: str,
    entity_id: int,
    before: dict[str, Any],
    after: dict[str, Any],
    action: str = "updated",
) -> dict[str, Any]:
    """Record the fields that differ between two snapshots of one record (nothing when none do),
    and return their new values, so a caller can tell whether anything changed."""
    old, new = changed_only(before, after)
    if new:
        record(session, actor, entity_type, entity_id, action, before=old, after=new)
    return new


def record(
    session: Session,
    actor: Actor,
    entity_type: str,
    entity_id: int,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    parent: tuple[str, int] | None = None,
) -> None:
    """Append one history record, in the caller's transaction.

    A plain INSERT rather than an ORM object: records are never read back or changed by the code
    that writes them, and this runs on every change, so it skips the unit-of-work bookkeeping.
    """
    session.connection().execute(
        insert(table_of(HistoryRecord)),
        {
            "at": clock.now(),
            "entity_type": entity_type,
            "entity_id": entity_id,
            "parent_type": parent[0] if parent else None,
            "parent_id": parent[1] if parent else None,
            "action": action,
            "actor_kind": actor.kind,
            "actor_id": actor.id,
            "actor_name": actor.name,
            "before": before,
            "after": after,
        },
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """One history record for ``record_many``."""

    entity_type: str
    entity_id: int
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


_HISTORY_COLUMNS = (
    "at", "entity_type", "entity_id", "parent_type", "parent_id", "action",
    "actor_kind", "actor_id", "actor_name", "before", "after",
)  # fmt: skip


def record_many(session: Session, actor: Actor, at: datetime, entries: Iterable[Entry]) -> None:
    """Append many records by one actor at one moment in one bulk insert (batch issuing)."""
    rows = [
        (at, e.entity_type, e.entity_id, None, None, e.action, actor.kind, actor.id, actor.name, e.before, e.after)
        for e in entries
    ]
    bulk_insert(session, table_of(HistoryRecord), _HISTORY_COLUMNS, rows)


def record_active_change(session: Session, actor: Actor, entity_type: str, entity_id: int, active: bool) -> None:
    """The history of switching something on or off (customers, users)."""
    record(
        session,
        actor,
        entity_type,
        entity_id,
        "reactivated" if active else "deactivated",
        before={"active": not active},
        after={"active": active},
    )


def history_of(session: Session, entity_type: str, entity_id: int) -> list[HistoryRecord]:
    """Records of the object itself and of the objects filed under it (an invoice's payments)."""
    stmt = (
        select(HistoryRecord)
        .where(
            or_(
                and_(HistoryRecord.entity_type == entity_type, HistoryRecord.entity_id == entity_id),
                and_(HistoryRecord.parent_type == entity_type, HistoryRecord.parent_id == entity_id),
            )
        )
        .order_by(HistoryRecord.id)
    )
    return list(session.scalars(stmt))
