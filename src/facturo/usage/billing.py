"""Billing runs: rate the unbilled consumptions of a date range and invoice each customer once.

A run (docs/usage.md):
1. takes the usage lock exclusively, so imports and other runs wait and then see its result;
2. sums the unbilled consumptions of the range per instance in SQL (those in no billed period),
   splitting an instance's consumptions where its configuration's rate changed (new price or
   composition);
3. issues one invoice per customer through the invoicing batch service (numbers, hash chain);
4. closes, for every instance it billed, the days of the range no earlier run had closed
   (``usage_billed_periods``). The database keeps those periods from overlapping and refuses any
   consumption dated inside one, so each consumption is billed exactly once;
5. stores a snapshot per line (instance, rate period, rate, resources) with each resource's part of
   the line total (``line_split``, largest remainder), and records the run.

A dry run does steps 2 and 3's arithmetic only and writes nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.customers import service as customers_service
from facturo.invoicing import service as invoicing
from facturo.invoicing.batch import BatchInvoice, BatchLine
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.bulk import bulk_insert
from facturo.kit.db import table_of
from facturo.kit.errors import Conflict, Msg
from facturo.kit.money import ZERO, format_money, quantize
from facturo.organisation import service as organisation
from facturo.usage.line_split import line_parts
from facturo.usage.models import (
    BilledPeriod,
    BillingRun,
    Category,
    Configuration,
    Consumption,
    Instance,
    LineResourcePart,
    LineSnapshot,
    Lock,
    Resource,
)
from facturo.usage.rates import Rate, RateBook

_consumptions = table_of(Consumption)


@dataclass(slots=True)
class PlannedLine:
    instance_id: int
    instance_code: str
    instance_name: str
    configuration_code: str
    configuration_name: str
    category_code: str
    category_name: str
    # The period the line covers: [period_start, period_end) cut by rate changes; None = open.
    period_start: datetime | None
    period_end: datetime | None
    first_at: datetime
    last_at: datetime
    hours: Decimal
    consumption_count: int
    rate: Rate
    hour_rate: Decimal
    total: Decimal
    # The days of the run's range this instance's billing closes (all of it unless partly billed).
    open_days: list[tuple[date, date]] = field(default_factory=list)

    def description(self) -> str:
        span = (
            f"{self.first_at:%d/%m/%Y}"
            if self.first_at.date() == self.last_at.date()
            else (f"{self.first_at:%d/%m/%Y}–{self.last_at:%d/%m/%Y}")
        )
        return (
            f"Instancia {self.instance_code} «{self.instance_name}», configuración {self.configuration_code} "
            f"«{self.configuration_name}»: {self.consumption_count} consumo(s), {span}, "
            f"a {hour_rate_text(self.hour_rate)}/hora"
        )[:500]


@lru_cache(maxsize=4096)
def hour_rate_text(rate: Decimal) -> str:
    """An hourly rate as stored, never rounded for display: Q1,125.00, Q33.3333."""
    if rate == rate.quantize(Decimal("0.01")):
        return format_money(rate)
    whole = format_money(rate.to_integral_value(rounding=ROUND_DOWN))[: -len(".00")]
    return f"{whole}.{format(rate, 'f').split('.')[1].rstrip('0')}"


@dataclass(slots=True)
class PlannedInvoice:
    customer_id: int
    customer_nit: str
    customer_name: str
    lines: list[PlannedLine] = field(default_factory=list)
    # Filled in by a real run.
    invoice_id: int | None = None
    full_number: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)

    @property
    def consumption_count(self) -> int:
        return sum(line.consumption_count for line in self.lines)


@dataclass(slots=True)
class BillingResult:
    date_from: date
    date_to: date
    issue_date: date
    dry_run: bool
    invoices: list[PlannedInvoice]
    run_id: int | None = None

    @property
    def total(self) -> Decimal:
        return sum((inv.total for inv in self.invoices), ZERO)

    @property
    def consumption_count(self) -> int:
        return sum(inv.consumption_count for inv in self.invoices)


def run_billing(session: Session, actor: Actor, date_from: date, date_to: date, *, dry_run: bool) -> BillingResult:
    clock.check_range(date_from, date_to)
    issuer = organisation.own_issuer(session)
    if not dry_run:
        # Exclusive: concurrent runs queue here and then find the consumptions already billed.
        session.execute(select(Lock.name).where(Lock.name == "billing").with_for_update())
    # A run's invoices are dated the day it is made, whatever range it bills: the series stays
    # chronological and nothing is overdue the moment it is issued (docs/invoices.md, "Issue dates").
    issue_date = clock.today(issuer.timezone)
    invoices = plan(session, date_from, date_to)
    result = BillingResult(date_from, date_to, issue_date, dry_run, invoices)
    if dry_run or not invoices:
        if dry_run:
            _preview_numbers(session, issuer.id, invoices)
        return result
    run = BillingRun(
        date_from=date_from,
        date_to=date_to,
        issue_date=issue_date,
        started_at=clock.now(),
        actor_kind=actor.kind,
        actor_id=actor.id[:64],
        actor_name=actor.name[:200],
    )
    session.add(run)
    session.flush()
    result.run_id = run.id
    issued = invoicing.issue_batch(
        session,
        actor,
        [
            BatchInvoice(
                inv.customer_id,
                [BatchLine(line.description(), line.hours, line.hour_rate, unit="hora") for line in inv.lines],
                notes=f"Consumo de servicios en la nube del {date_from:%d/%m/%Y} al {date_to:%d/%m/%Y}.",
            )
            for inv in invoices
        ],
        issue_date,
        origin=f"usage billing run {run.id}",
    )
    snapshots: list[dict[str, Any]] = []
    periods: dict[tuple[int, date], dict[str, Any]] = {}
    for inv, summary in zip(invoices, issued, strict=True):
        if summary.total != inv.total:  # the batch service applies the same rounding; a mismatch is a bug
            raise AssertionError(f"invoice total {summary.total} != planned {inv.total}")
        inv.invoice_id, inv.full_number = summary.invoice_id, summary.full_number
        for line, line_id in zip(inv.lines, summary.line_ids, strict=True):
            snapshots.append(_snapshot(line, line_id, summary.invoice_id, run.id))
            for start, end in line.open_days:
                periods[line.instance_id, start] = {
                    "instance_id": line.instance_id,
                    "date_from": start,
                    "date_to": end,
                    "billing_run_id": run.id,
                    "invoice_id": summary.invoice_id,
                }
    if snapshots:
        columns = list(snapshots[0])
        bulk_insert(session, table_of(LineSnapshot), columns, [[r[c] for c in columns] for r in snapshots])
        write_resource_parts(session, snapshots, issuer.currency)
    close_periods(session, list(periods.values()))
    run.invoice_count = len(invoices)
    run.consumption_count = result.consumption_count
    run.total = result.total
    run.finished_at = clock.now()
    session.flush()
    audit.record(
        session,
        actor,
        "usage_billing_run",
        run.id,
        "completed",
        after={
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "invoices": run.invoice_count,
            "consumptions": run.consumption_count,
            "total": format(run.total, "f"),
        },
    )
    return result


def _preview_numbers(session: Session, issuer_id: int, invoices: list[PlannedInvoice]) -> None:
    """What the numbers would be if the run were made now (another issue may take them first)."""
    series = invoicing.default_series(session, issuer_id, "invoice")
    for offset, inv in enumerate(invoices):
        inv.full_number = f"{series.prefix}{series.next_number + offset:08d}"


def close_periods(session: Session, periods: list[dict[str, Any]]) -> None:
    """Record the days each billed instance closed. The overlap trigger refuses a period another run
    already closed: a mistake here rolls the whole run back rather than bill anything twice."""
    columns = ("instance_id", "date_from", "date_to", "billing_run_id", "invoice_id")
    try:
        bulk_insert(session, table_of(BilledPeriod), columns, [[p[c] for c in columns] for p in periods])
    except DBAPIError as exc:
        raise Conflict(
            Msg(
                "La facturación se canceló: otra corrida ya cerró parte de ese rango. Vuelva a intentarlo.",
                "Billing was cancelled: another run already closed part of that range. Please try again.",
            )
        ) from exc


_PART_COLUMNS = (
    "invoice_line_id",
    "position",
    "invoice_id",
    "resource_code",
    "resource_name",
    "abbreviation",
    "metric",
    "kind",
    "amount",
)


def write_resource_parts(session: Session, snapshots: list[dict[str, Any]], currency: str) -> None:
    """Store each line's per-resource parts of its total (``line_split.line_parts``), computed from
    the very resource list the snapshot freezes, so a report summing them gives what splitting the
    snapshot gives. Zero parts are stored too: the resource was sold on that line."""
    rows = [
        (
            snap["invoice_line_id"],
            position,
            snap["invoice_id"],
            item["code"],
            item["name"],
            item["abbreviation"],
            item["metric"],
            item["kind"],
            amount,
        )
        for snap in snapshots
        for position, (item, amount) in enumerate(
            zip(snap["resources"], line_parts(snap["total"], snap["resources"], currency), strict=True), 1
        )
    ]
    bulk_insert(session, table_of(LineResourcePart), _PART_COLUMNS, rows)


def _snapshot(line: PlannedLine, line_id: int, invoice_id: int, run_id: int) -> dict[str, Any]:
    return {
        "invoice_line_id": line_id,
        "invoice_id": invoice_id,
        "billing_run_id": run_id,
        "instance_id": line.instance_id,
        "instance_code": line.instance_code,
        "instance_name": line.instance_name,
        "configuration_code": line.configuration_code,
        "configuration_name": line.configuration_name,
        "category_code": line.category_code,
        "category_name": line.category_name,
        "period_start": line.first_at,
        "period_end": line.last_at,
        "rate_from": line.period_start,
        "rate_until": line.period_end,
        "hours": line.hours,
        "hour_rate": line.hour_rate,
        "consumption_count": line.consumption_count,
        "total": line.total,
        "resources": [r.as_json() for r in line.rate.resources],
    }


_IN_RANGE = (
    _consumptions.c.consumed_on >= bindparam("p_from"),
    _consumptions.c.consumed_on <= bindparam("p_to"),
)
_periods = table_of(BilledPeriod)
# A consumption no run has billed: no billed period of its instance holds its day.
_OPEN = ~(
    select(_periods.c.id)
    .where(
        _periods.c.instance_id == _consumptions.c.instance_id,
        _periods.c.date_from <= _consumptions.c.consumed_on,
        _periods.c.date_to >= _consumptions.c.consumed_on,
    )
    .exists()
)
_SUMS = (
    _consumptions.c.instance_id,
    func.count(),
    func.sum(_consumptions.c.hours),
    func.min(_consumptions.c.consumed_at),
    func.max(_consumptions.c.consumed_at),
)
_PER_INSTANCE = select(*_SUMS).where(*_IN_RANGE).group_by(_consumptions.c.instance_id)
_PER_INSTANCE_OPEN = select(*_SUMS).where(*_IN_RANGE, _OPEN).group_by(_consumptions.c.instance_id)
_READINGS = select(_consumptions.c.consumed_at, _consumptions.c.hours).where(
    *_IN_RANGE, _OPEN, _consumptions.c.instance_id == bindparam("p_instance_id")
)
_BILLED_IN_RANGE = select(_periods.c.instance_id, _periods.c.date_from, _periods.c.date_to).where(
    _periods.c.date_from <= bindparam("p_to"), _periods.c.date_to >= bindparam("p_from")
)
_instances_table = table_of(Instance)
_INSTANCES = select(
    _instances_table.c.id,
    _instances_table.c.code,
    _instances_table.c.name,
    _instances_table.c.customer_id,
    _instances_table.c.configuration_id,
).where(_instances_table.c.id.in_(bindparam("ids", expanding=True)))


def open_days(date_from: date, date_to: date, closed: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The stretches of [date_from, date_to] that no billed period covers."""
    stretches, cursor = [], date_from
    for start, end in sorted(closed):
        if start > cursor:
            stretches.append((cursor, min(date_to, start - timedelta(days=1))))
        cursor = max(cursor, end + timedelta(days=1))
        if cursor > date_to:
            break
    if cursor <= date_to:
        stretches.append((cursor, date_to))
    return [(a, b) for a, b in stretches if a <= b]


def plan(session: Session, date_from: date, date_to: date) -> list[PlannedInvoice]:
    """The invoices a run over the range would issue, customers ordered by NIT."""
    params = {"p_from": date_from, "p_to": date_to}
    connection = session.connection()
    closed: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for instance_id, start, end in connection.execute(_BILLED_IN_RANGE, params):
        closed[instance_id].append((start, end))
    # Nothing billed in the range yet (the usual case): the plain aggregate, as fast as SQL sums.
    sums = connection.execute(_PER_INSTANCE_OPEN if closed else _PER_INSTANCE, params).all()
    if not sums:
        return []
    book = RateBook(list(session.scalars(select(Configuration))), list(session.scalars(select(Resource))))
    categories = {c.id: c for c in session.scalars(select(Category))}
    instances: dict[int, Any] = {}
    ids = [row[0] for row in sums]
    for start in range(0, len(ids), 1000):
        instances.update((row.id, row) for row in connection.execute(_INSTANCES, {"ids": ids[start : start + 1000]}))
    customers = customers_service.billing_profiles(session, {i.customer_id for i in instances.values()})
    rates = _RateCache(book)
    whole_range = [(date_from, date_to)]
    by_customer: dict[int, PlannedInvoice] = {}
    for instance_id, count, hours, first_at, last_at in sums:
        instance = instances[instance_id]
        configuration = book.configuration(instance.configuration_id)
        category = categories[configuration.category_id]
        invoice = by_customer.get(instance.customer_id)
        if invoice is None:
            customer = customers[instance.customer_id]
            invoice = by_customer[instance.customer_id] = PlannedInvoice(
                instance.customer_id, customer.nit, customer.name
            )
        cuts = [p for p in rates.change_points(configuration.id) if first_at < p <= last_at]
        if cuts:
            readings = connection.execute(_READINGS, params | {"p_instance_id": instance_id}).all()
            periods = _split(list(readings), cuts)
        else:
            periods = [(None, None, int(count), Decimal(hours), first_at, last_at)]
        days = open_days(date_from, date_to, closed[instance_id]) if instance_id in closed else whole_range
        for start, end, n, period_hours, first, last in periods:
            rate = rates.at(configuration.id, first)
            per_hour = rate.per_hour
            invoice.lines.append(
                PlannedLine(
                    instance_id=instance.id,
                    instance_code=instance.code,
                    instance_name=instance.name,
                    configuration_code=configuration.code,
                    configuration_name=configuration.name,
                    category_code=category.code,
                    category_name=category.name,
                    period_start=start,
                    period_end=end,
                    first_at=first,
                    last_at=last,
                    hours=period_hours,
                    consumption_count=n,
                    rate=rate,
                    hour_rate=per_hour,
                    total=quantize(period_hours * per_hour),
                    open_days=days,
                )
            )
    for invoice in by_customer.values():
        invoice.lines.sort(key=lambda ln: (ln.instance_code, ln.first_at))
    return sorted(by_customer.values(), key=lambda inv: inv.customer_nit)


class _RateCache:
    """Rates only change at a configuration's change points, so one rate per configuration and
    stretch between change points serves every instance using it."""

    def __init__(self, book: RateBook) -> None:
        self.book = book
        self._points: dict[int, list[datetime]] = {}
        self._rates: dict[tuple[int, int], Rate] = {}

    def change_points(self, configuration_id: int) -> list[datetime]:
        points = self._points.get(configuration_id)
        if points is None:
            points = self._points[configuration_id] = self.book.change_points(configuration_id)
        return points

    def at(self, configuration_id: int, moment: datetime) -> Rate:
        key = (configuration_id, bisect_right(self.change_points(configuration_id), moment))
        rate = self._rates.get(key)
        if rate is None:
            rate = self._rates[key] = self.book.rate_at(configuration_id, moment)
        return rate


Period = tuple[datetime | None, datetime | None, int, Decimal, datetime, datetime]


def _split(readings: list[Any], cuts: list[datetime]) -> list[Period]:
    """Group readings into the periods between rate changes: [None, c1), [c1, c2), ..., [cn, None)."""
    bounds: list[datetime | None] = [None, *cuts, None]
    groups: dict[int, list[tuple[datetime, Decimal]]] = defaultdict(list)
    for at, hours in readings:
        index = sum(1 for cut in cuts if cut <= at)
        groups[index].append((at, hours))
    periods: list[Period] = []
    for index in sorted(groups):
        items = groups[index]
        periods.append(
            (
                bounds[index],
                bounds[index + 1],
                len(items),
                sum((h for _, h in items), Decimal(0)),
                min(at for at, _ in items),
                max(at for at, _ in items),
            )
        )
    return periods
