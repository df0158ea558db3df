"""Applying a consumption message (``listadoConsumos``) in two steps, so a large file neither fills
memory nor holds the write lock while it is checked:

1. ``check_consumptions`` (a read unit): the readings stream in, a chunk at a time, and each is
   checked against the stored customers, instances and billed periods and against the readings
   already recorded; accepted ones go to the import's scratch store, problems to the report.
   Readings repeated inside the message are found at the end, in the scratch store.
2. ``record_consumptions`` (short write units of ``READINGS_PER_WRITE`` readings): the billed
   periods are read again under the lock (a billing run may have closed days meanwhile) and the
   accepted readings are inserted in bulk; the unique reading constraint drops any a concurrent
   import stored first.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from facturo.customers import service as customers
from facturo.kit import clock
from facturo.kit.db import Units
from facturo.usage.import_report import ImportReport
from facturo.usage.ipc2.messages import ConsumptionItem, Problem, UnreadableConsumption
from facturo.usage.ipc2.values import Note
from facturo.usage.locking import share_usage_lock
from facturo.usage.models import HOURS_SCALE, BilledPeriod, Consumption, Instance
from facturo.usage.staging import StagedReading, Staging, moment_text

_CHUNK = 500
# Readings checked together: one lookup of their instances, customers and recorded readings.
_READINGS_PER_CHUNK = 5_000
# Readings written per write unit: about a second of the write lock on SQLite.
READINGS_PER_WRITE = 25_000


class _InstanceFacts(NamedTuple):
    id: int
    customer_id: int
    start_date: date
    state: str
    end_date: date | None


Reading = tuple[int, datetime, Decimal]
Periods = dict[int, list[tuple[date, date]]]


@dataclass(slots=True)
class _Known:
    """What the check has looked up so far, so each instance and NIT is read once per message."""

    instances: dict[str, _InstanceFacts | None] = field(default_factory=dict)
    customer_ids: dict[str, int | None] = field(default_factory=dict)
    closed: Periods = field(default_factory=dict)


def check_consumptions(
    session: Session,
    readings: Iterable[ConsumptionItem | UnreadableConsumption | Problem],
    timezone: str,
    report: ImportReport,
    staging: Staging,
) -> None:
    """Check every reading; stage the accepted ones."""
    known = _Known()
    zone = ZoneInfo(timezone)
    now = clock.now()
    for chunk in _chunks(readings, report):
        _look_up(session, chunk, known)
        accepted: list[tuple[ConsumptionItem, _InstanceFacts, datetime]] = []
        for read in chunk:
            if isinstance(read, UnreadableConsumption):
                _reject_unreadable(read, known, zone, now, report)
                continue
            instance = known.instances.get(read.instance_code)
            at = read.at.replace(tzinfo=zone).astimezone(UTC)
            notes = _identity_refusals(read.nit, read.instance_code, instance, known.customer_ids.get(read.nit))
            if instance is not None:
                notes += _date_refusals(read.at, at, instance, now)
            if notes:
                if instance is not None:
                    notes += _billed_refusal(read.instance_code, read.at.date(), known.closed.get(instance.id, ()))
                report.reject_all(read.line, "consumption", read.instance_code, notes)
                continue
            assert instance is not None
            accepted.append((read, instance, at))
        staging.add_readings(_not_recorded(session, accepted, known.closed, report))
    for repeat in staging.take_repeats():
        note = Note(
            "consumption.duplicate",
            f"Consumo idéntico a uno ya registrado (línea {repeat.first_line}): se ignora.",
            f"Identical to a consumption already recorded (line {repeat.first_line}): ignored.",
        )
        report.duplicate(Problem(repeat.line, "consumption", repeat.instance_code, note))


def record_consumptions(units: Units, staging: Staging, message_id: int, report: ImportReport) -> int:
    """Insert the staged readings, ``READINGS_PER_WRITE`` per write unit, so other writers (and a
    billing run) wait at most for one of them, never for the whole message. Each unit reads the
    billed periods again under the lock: a reading on a day a billing run closed since the check
    is rejected now. Returns how many readings were written.

    This is the hot path of an import (a million rows in the benchmark), so the values go to the
    driver already in the columns' stored form (hours as scaled integers, UTC moments as the
    staging's text), without SQLAlchemy's per-row type processing: one executemany of a prepared
    statement on SQLite; on PostgreSQL one ``COPY`` into a temporary table and one
    ``INSERT … SELECT … ON CONFLICT DO NOTHING``. The unique reading constraint drops a reading a
    concurrent import stored first (the row count leaves it out of "created")."""
    written = 0
    for batch in staging.readings(READINGS_PER_WRITE):
        with units.unit_of_work() as session:
            share_usage_lock(session)
            closed = _closed_days(session, {staged.instance_id for staged in batch})
            if closed:
                batch = [staged for staged in batch if not _late(staged, closed, report)]
            if not batch:
                continue
            # In the unique reading index's order: each index page is visited once per batch, not once
            # per reading (the file's order is chronological, the instances scattered in it).
            batch.sort(key=_index_order)
            connection = session.connection()
            if connection.dialect.name == "postgresql":
                created = _copy_readings(session, batch, message_id)
            else:
                recorded_at = moment_text(clock.now())
                params = [(r.customer_id, r.instance_id, r.consumed_at, r.consumed_on, r.hours) for r in batch]
                result = connection.exec_driver_sql(_SQLITE_INSERT, [(*row, message_id, recorded_at) for row in params])
                created = int(result.rowcount)
            report.count("consumption", "created", created)
            written += created
    return written


def _index_order(staged: StagedReading) -> tuple[int, str]:
    return staged.instance_id, staged.consumed_at


def _late(staged: StagedReading, closed: Periods, report: ImportReport) -> bool:
    """A reading on a day a billing run closed since the check: rejected now."""
    periods = closed.get(staged.instance_id)
    if not periods:
        return False
    billed = _billed_refusal(staged.instance_code, staged.day, periods)
    if billed:
        report.reject_all(staged.line, "consumption", staged.instance_code, billed)
    return bool(billed)


def _copy_readings(session: Session, batch: list[StagedReading], message_id: int) -> int:
    """PostgreSQL: the batch in one COPY (text, in the stored form) into a temporary table, then one
    set-based insert that lets the unique reading constraint drop what is already there."""
    connection = session.connection()
    connection.exec_driver_sql(_LOAD_TABLE)
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(_COPY_LOAD) as copy:
        for r in batch:
            copy.write_row((r.customer_id, r.instance_id, r.consumed_at + "+00", r.consumed_on, r.hours))
    result = connection.exec_driver_sql(_INSERT_FROM_LOAD, (message_id, clock.now()))
    return int(result.rowcount)


def analyze_after_load(session: Session, written: int) -> bool:
    """PostgreSQL: refresh the planner's statistics of the consumptions after a large load (at least
    ``ANALYZE_ROWS`` rows, or more than a tenth of the table), so the billing run's and the reports'
    plans do not rely on an empty or stale picture (autovacuum may be off, or late). SQLite: nothing
    (docs/usage.md, "Planner statistics"). Returns whether it analysed."""
    if written <= 0 or session.get_bind().dialect.name != "postgresql":
        return False
    estimate = session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'usage_consumptions'::regclass"))
    rows = float(estimate.scalar_one())
    if written < ANALYZE_ROWS and rows > 0 and written * 10 <= rows:
        return False
    session.execute(text("ANALYZE usage_consumptions"))
    return True


def _chunks(
    readings: Iterable[ConsumptionItem | UnreadableConsumption | Problem], report: ImportReport
) -> Iterator[list[ConsumptionItem | UnreadableConsumption]]:
    """Readings a chunk at a time; the reader's warnings go straight to the report."""
    chunk: list[ConsumptionItem | UnreadableConsumption] = []
    for read in readings:
        if isinstance(read, Problem):
            report.warn(read.line, read.entity, read.key, read.note)
            continue
        chunk.append(read)
        if len(chunk) >= _READINGS_PER_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _look_up(session: Session, chunk: list[ConsumptionItem | UnreadableConsumption], known: _Known) -> None:
    codes = {r.instance_code for r in chunk} - known.instances.keys()
    found = _instances(session, codes)
    known.instances.update({code: found.get(code) for code in codes})
    nits = {r.nit for r in chunk if r.nit is not None} - known.customer_ids.keys()
    by_nit = {nit: c.id for nit, c in customers.find_by_nits(session, nits).items()} if nits else {}
    known.customer_ids.update({nit: by_nit.get(nit) for nit in nits})
    new_ids = {f.id for f in found.values()} - known.closed.keys()
    closed = _closed_days(session, new_ids)
    known.closed.update({i: closed.get(i, []) for i in new_ids})


def _reject_unreadable(
    bad: UnreadableConsumption, known: _Known, zone: ZoneInfo, now: datetime, report: ImportReport
) -> None:
    """A rejected reading lists every rule it fails, in the order of its fields, so the sender fixes
    it in one pass: an unknown NIT is not hidden behind a malformed number of hours."""
    instance = known.instances.get(bad.instance_code)
    customer_id = None if bad.nit is None else known.customer_ids.get(bad.nit)
    notes = _identity_refusals(bad.nit, bad.instance_code, instance, customer_id)
    read_notes = list(bad.notes)
    if bad.nit is None:  # the malformed NIT comes first, where an unknown one would be
        notes.insert(0, read_notes.pop(0))
    notes += read_notes
    if bad.at is not None and instance is not None:
        at = bad.at.replace(tzinfo=zone).astimezone(UTC)
        notes += _date_refusals(bad.at, at, instance, now)
        notes += _billed_refusal(bad.instance_code, bad.at.date(), known.closed.get(instance.id, ()))
    report.reject_all(bad.line, "consumption", bad.instance_code, notes)


def _not_recorded(
    session: Session,
    accepted: list[tuple[ConsumptionItem, _InstanceFacts, datetime]],
    closed: Periods,
    report: ImportReport,
) -> list[StagedReading]:
    """The accepted readings not stored already (by an earlier message) nor in a billed period."""
    recorded = _recorded(session, accepted)
    staged: list[StagedReading] = []
    for item, instance, at in accepted:
        if (instance.id, at, item.hours) in recorded:
            note = Note(
                "consumption.duplicate",
                "Consumo idéntico a uno ya registrado (un mensaje anterior): se ignora.",
                "Identical to a consumption already recorded (an earlier message): ignored.",
            )
            report.duplicate(Problem(item.line, "consumption", item.instance_code, note))
            continue
        billed = _billed_refusal(item.instance_code, item.at.date(), closed.get(instance.id, ()))
        if billed:
            report.reject_all(item.line, "consumption", item.instance_code, billed)
            continue
        staged.append(
            StagedReading(
                item.line,
                instance.customer_id,
                instance.id,
                item.instance_code,
                moment_text(at),
                item.at.date().isoformat(),
                _scaled_hours(item.hours),
            )
        )
    return staged


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


def _closed_days(session: Session, instance_ids: set[int]) -> Periods:
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


_SQLITE_INSERT = (
    "INSERT INTO usage_consumptions "
    "(customer_id, instance_id, consumed_at, consumed_on, hours, message_id, recorded_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_LOAD_TABLE = (
    "CREATE TEMPORARY TABLE IF NOT EXISTS usage_consumption_load (customer_id integer, instance_id integer, "
    "consumed_at timestamptz, consumed_on date, hours bigint) ON COMMIT DELETE ROWS"
)
_COPY_LOAD = "COPY usage_consumption_load (customer_id, instance_id, consumed_at, consumed_on, hours) FROM STDIN"
_INSERT_FROM_LOAD = (
    "INSERT INTO usage_consumptions "
    "(customer_id, instance_id, consumed_at, consumed_on, hours, message_id, recorded_at) "
    "SELECT customer_id, instance_id, consumed_at, consumed_on, hours, %s, %s FROM usage_consumption_load "
    "ON CONFLICT DO NOTHING"
)
# A load this large (or over a tenth of the table) is followed by ANALYZE on PostgreSQL.
ANALYZE_ROWS = 10_000
_HOURS_FACTOR = Decimal(10) ** HOURS_SCALE


def _scaled_hours(hours: Decimal) -> int:
    scaled = hours * _HOURS_FACTOR
    if scaled != scaled.to_integral_value():  # parse_decimal already caps the places; this is the guard
        raise ValueError(f"{hours} has more than {HOURS_SCALE} decimal places")
    return int(scaled)
