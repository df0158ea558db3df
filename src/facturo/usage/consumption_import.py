"""Applying a consumption message (``listadoConsumos``): validate each reading against the stored
customers and instances, skip readings already recorded, insert the rest in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from facturo.customers import service as customers
from facturo.kit import clock
from facturo.kit.db import table_of
from facturo.usage.import_report import ImportReport
from facturo.usage.ipc2.messages import ConsumptionItem, ConsumptionMessage, Problem
from facturo.usage.ipc2.values import Note
from facturo.usage.models import HOURS_SCALE, BilledPeriod, Consumption, Instance

_consumptions = table_of(Consumption)
_CHUNK = 500


class _InstanceFacts(NamedTuple):
    id: int
    customer_id: int
    start_date: date
    state: str
    end_date: date | None


Reading = tuple[int, datetime, Decimal]


def apply_consumptions(
    session: Session, message: ConsumptionMessage, message_id: int, timezone: str, report: ImportReport
) -> None:
    items = message.consumptions
    unreadable = message.unreadable
    instances = _instances(session, {i.instance_code for i in items} | {u.instance_code for u in unreadable})
    nits = {i.nit for i in items} | {u.nit for u in unreadable if u.nit is not None}
    customer_ids = {nit: c.id for nit, c in customers.find_by_nits(session, nits).items()}
    closed = _closed_days(session, {instance.id for instance in instances.values()})
    zone = ZoneInfo(timezone)
    now = clock.now()

    # A rejected reading lists every rule it fails, in the order of its fields, so the sender fixes it
    # in one pass: an unknown NIT is not hidden behind a malformed number of hours.
    for bad in unreadable:
        instance = instances.get(bad.instance_code)
        customer_id = None if bad.nit is None else customer_ids.get(bad.nit)
        notes = _identity_refusals(bad.nit, bad.instance_code, instance, customer_id)
        read_notes = list(bad.notes)
        if bad.nit is None:  # the malformed NIT comes first, where an unknown one would be
            notes.insert(0, read_notes.pop(0))
        notes += read_notes
        if bad.at is not None and instance is not None:
            at = bad.at.replace(tzinfo=zone).astimezone(UTC)
            notes += _date_refusals(bad.at, at, instance, now)
            notes += _billed_refusal(bad.instance_code, bad.at.date(), closed.get(instance.id, ()))
        report.reject_all(bad.line, "consumption", bad.instance_code, notes)

    accepted: list[tuple[ConsumptionItem, _InstanceFacts, datetime]] = []
    for item in items:
        instance = instances.get(item.instance_code)
        at = item.at.replace(tzinfo=zone).astimezone(UTC)
        notes = _identity_refusals(item.nit, item.instance_code, instance, customer_ids.get(item.nit))
        if instance is not None:
            notes += _date_refusals(item.at, at, instance, now)
        if notes:
            if instance is not None:
                notes += _billed_refusal(item.instance_code, item.at.date(), closed.get(instance.id, ()))
            report.reject_all(item.line, "consumption", item.instance_code, notes)
            continue
        assert instance is not None
        accepted.append((item, instance, at))

    recorded = _recorded(session, accepted)
    rows: list[dict[str, Any]] = []
    first_line: dict[Reading, int] = {}
    for item, instance, at in accepted:
        reading = (instance.id, at, item.hours)
        if reading in recorded or reading in first_line:
            where = f"línea {first_line[reading]}" if reading in first_line else "un mensaje anterior"
            where_en = f"line {first_line[reading]}" if reading in first_line else "an earlier message"
            note = Note(
                "consumption.duplicate",
                f"Consumo idéntico a uno ya registrado ({where}): se ignora.",
                f"Identical to a consumption already recorded ({where_en}): ignored.",
            )
            report.duplicates.append(Problem(item.line, "consumption", item.instance_code, note))
            continue
        billed = _billed_refusal(item.instance_code, item.at.date(), closed.get(instance.id, ()))
        if billed:
            report.reject_all(item.line, "consumption", item.instance_code, billed)
            continue
        first_line[reading] = item.line
        rows.append(
            {
                "customer_id": instance.customer_id,
                "instance_id": instance.id,
                "consumed_at": at,
                "consumed_on": item.at.date(),
                "hours": item.hours,
                "message_id": message_id,
                "recorded_at": now,
            }
        )
    report.count("consumption", "created", _insert(session, rows))


def _instances(session: Session, codes: set[str]) -> dict[str, _InstanceFacts]:
    wanted = sorted(codes)
    found: dict[str, _InstanceFacts] = {}
    stmt = select(
        Instance.code, Instance.id, Instance.customer_id, Instance.start_date, Instance.state, Instance.end_date
    )
    for start in range(0, len(wanted), _CHUNK):
        for row in session.execute(stmt.where(Instance.code.in_(wanted[start : start + _CHUNK]))):
            found[row.code] = _InstanceFacts(row.id, row.customer_id, row.start_date, row.state, row.end_date)
    return found


def _identity_refusals(
    nit: str | None, instance_code: str, instance: _InstanceFacts | None, customer_id: int | None
) -> list[Note]:
    """Whose reading it is: the customer (when its NIT could be read) and the instance must exist and match."""
    notes: list[Note] = []
    if nit is not None and customer_id is None:
        notes.append(
            Note(
                "consumption.unknown_customer",
                f"No existe un cliente con NIT {nit}.",
                f"There is no customer with NIT {nit}.",
            )
        )
    if instance is None:
        notes.append(
            Note(
                "consumption.unknown_instance",
                f"No existe la instancia «{instance_code}».",
                f"Instance “{instance_code}” does not exist.",
            )
        )
    elif customer_id is not None and instance.customer_id != customer_id:
        notes.append(
            Note(
                "consumption.other_customer",
                f"La instancia {instance_code} no pertenece al cliente {nit}.",
                f"Instance {instance_code} does not belong to customer {nit}.",
            )
        )
    return notes


def _date_refusals(local: datetime, at: datetime, instance: _InstanceFacts, now: datetime) -> list[Note]:
    """When it was read (``local`` and the same moment ``at`` in UTC): not in the future, and inside the
    instance's validity (business dates, inclusive)."""
    notes: list[Note] = []
    when = local.date()
    if at > now:
        notes.append(
            Note(
                "consumption.future",
                f"La fecha {local:%d/%m/%Y %H:%M} está en el futuro.",
                f"The date {local:%Y-%m-%d %H:%M} is in the future.",
            )
        )
    if when < instance.start_date:
        notes.append(
            Note(
                "consumption.before_start",
                f"La fecha {when:%d/%m/%Y} es anterior al inicio de la instancia ({instance.start_date:%d/%m/%Y}).",
                f"The date {when.isoformat()} is before the instance started ({instance.start_date.isoformat()}).",
            )
        )
    if instance.state == "cancelada" and instance.end_date is not None and when > instance.end_date:
        notes.append(
            Note(
                "consumption.after_end",
                f"La fecha {when:%d/%m/%Y} es posterior a la cancelación de la instancia "
                f"({instance.end_date:%d/%m/%Y}).",
                f"The date {when.isoformat()} is after the instance was cancelled ({instance.end_date.isoformat()}).",
            )
        )
    return notes


def _billed_refusal(instance_code: str, day: date, periods: Iterable[tuple[date, date]]) -> list[Note]:
    """A day a billing run already closed for the instance cannot take a late reading."""
    billed = next((p for p in periods if p[0] <= day <= p[1]), None)
    if billed is None:
        return []
    return [
        Note(
            "consumption.period_billed",
            f"El {day:%d/%m/%Y} ya fue facturado para la instancia {instance_code} "
            f"(período {billed[0]:%d/%m/%Y}–{billed[1]:%d/%m/%Y}): no puede agregarse a un período facturado.",
            f"{day.isoformat()} is already invoiced for instance {instance_code} "
            f"(period {billed[0].isoformat()}–{billed[1].isoformat()}): it cannot join an invoiced period.",
        )
    ]


def _recorded(session: Session, accepted: list[tuple[ConsumptionItem, _InstanceFacts, datetime]]) -> set[Reading]:
    """Readings already stored for the instances and the time span of this message."""
    if not accepted:
        return set()
    first = min(at for _, _, at in accepted)
    last = max(at for _, _, at in accepted)
    instance_ids = sorted({instance.id for _, instance, _ in accepted})
    found: set[Reading] = set()
    stmt = select(Consumption.instance_id, Consumption.consumed_at, Consumption.hours).where(
        Consumption.consumed_at.between(first, last)
    )
    for start in range(0, len(instance_ids), _CHUNK):
        chunk = instance_ids[start : start + _CHUNK]
        found.update(
            (row[0], row[1], row[2]) for row in session.execute(stmt.where(Consumption.instance_id.in_(chunk)))
        )
    return found


def _closed_days(session: Session, instance_ids: set[int]) -> dict[int, list[tuple[date, date]]]:
    """Periods billing runs closed on these instances: a late reading there can no longer be billed."""
    found: dict[int, list[tuple[date, date]]] = {}
    ids = sorted(instance_ids)
    stmt = select(BilledPeriod.instance_id, BilledPeriod.date_from, BilledPeriod.date_to)
    for start in range(0, len(ids), _CHUNK):
        for instance_id, first, last in session.execute(
            stmt.where(BilledPeriod.instance_id.in_(ids[start : start + _CHUNK]))
        ):
            found.setdefault(instance_id, []).append((first, last))
    return found


_INSERT = (
    "INSERT INTO usage_consumptions "
    "(customer_id, instance_id, consumed_at, consumed_on, hours, message_id, recorded_at) "
    "VALUES ({marks}) ON CONFLICT DO NOTHING"
)
_SQLITE_INSERT = _INSERT.format(marks=", ".join(["?"] * 7))
_POSTGRES_INSERT = _INSERT.format(marks=", ".join(["%s"] * 7))
_HOURS_FACTOR = Decimal(10) ** HOURS_SCALE
# SQLAlchemy's own storage format for DateTime on SQLite (naive UTC text), so stored rows compare
# and collide exactly as rows written through the ORM do.
_SQLITE_MOMENT = "%Y-%m-%d %H:%M:%S.%f"


def _insert(session: Session, rows: list[dict[str, Any]]) -> int:
    """Insert, letting the unique reading constraint drop one a concurrent import just stored.

    This is the hot path of an import (a million rows in the benchmark), so the values are bound
    here once, already in the column's stored form (hours as scaled integers, UTC moments), and go
    to the driver's executemany without SQLAlchemy's per-row type processing."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        sql, params = _SQLITE_INSERT, [_sqlite_row(row) for row in rows]
    elif dialect == "postgresql":
        sql, params = _POSTGRES_INSERT, [_postgres_row(row) for row in rows]
    else:  # pragma: no cover - facturo runs on SQLite and PostgreSQL
        result = session.connection().execute(insert(_consumptions), rows)
        return int(getattr(result, "rowcount", len(rows)))
    connection = session.connection()
    before = _count(connection)
    connection.exec_driver_sql(sql, params)
    return _count(connection) - before


def _count(connection: Any) -> int:
    return int(connection.exec_driver_sql("SELECT count(*) FROM usage_consumptions").scalar_one())


def _scaled_hours(hours: Decimal) -> int:
    scaled = hours * _HOURS_FACTOR
    if scaled != scaled.to_integral_value():  # parse_decimal already caps the places; this is the guard
        raise ValueError(f"{hours} has more than {HOURS_SCALE} decimal places")
    return int(scaled)


def _sqlite_row(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["customer_id"],
        row["instance_id"],
        row["consumed_at"].astimezone(UTC).strftime(_SQLITE_MOMENT),
        row["consumed_on"].isoformat(),
        _scaled_hours(row["hours"]),
        row["message_id"],
        row["recorded_at"].astimezone(UTC).strftime(_SQLITE_MOMENT),
    )


def _postgres_row(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["customer_id"],
        row["instance_id"],
        row["consumed_at"],
        row["consumed_on"],
        _scaled_hours(row["hours"]),
        row["message_id"],
        row["recorded_at"],
    )
