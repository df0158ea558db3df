"""Differential test of the sales analysis: on random usage lines, the report computed from SQL
aggregates equals a straightforward walk over the same lines one by one (each line split over its
resources by largest remainder, summed per resource; groups by category and configuration with
the first name seen; resources described as the last line seen describes them), to the cent.

The lines are drawn so that the hard cases come up: tiny totals (the leftover cents decide),
equal and zero weights, resources renamed between snapshots, configurations renamed, and several
lines sharing a resource list and a total. The lines' per-resource parts are written as billing
writes them (``billing.write_resource_parts``); the report sums them in SQL, the walk splits each
line again from its snapshot."""

from __future__ import annotations

import importlib.util
import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

import facturo.migrations
from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import LineIn
from facturo.kit import clock
from facturo.kit.money import ZERO
from facturo.organisation.models import Issuer
from facturo.reports import service
from facturo.reports.allocation import percentages, plain, resource_shares, shares
from facturo.reports.invoice_detail import Described, resource_totals
from facturo.reports.schemas import CategorySales, ConfigurationSales
from facturo.usage.billing import write_resource_parts
from facturo.usage.line_split import line_parts
from facturo.usage.models import BillingRun, LineResourcePart, LineSnapshot
from facturo.usage.rates import RatedResource
from tests.factories import ACTOR, make_customer, make_draft

GT = ZoneInfo("America/Guatemala")
_MIGRATION = Path(facturo.migrations.__file__).parent / "versions" / "0010_line_resource_split.py"


def _backfill(connection: Connection) -> int:
    """Migration 0010's backfill (the module's name starts with a digit: loaded from its file)."""
    spec = importlib.util.spec_from_file_location("migration_0010", _MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return int(module.backfill(connection))


_days = itertools.count()


def _resource(code: str, name: str, quantity: str, price: str) -> RatedResource:
    return RatedResource(
        code, name, code[:3], "GB" if code.startswith("R1") else "vCPU", "hardware", Decimal(quantity), Decimal(price)
    )


# Resource lists as snapshots freeze them: equal weights, a zero weight, all weights zero, the same
# code renamed in a later list, long fractions.
RESOURCE_LISTS: list[list[RatedResource]] = [
    [_resource("R1", "Memoria", "4", "0.5"), _resource("R2", "CPU", "2", "1.25")],
    [_resource("R1", "Memoria RAM", "1", "1"), _resource("R2", "CPU", "1", "1"), _resource("R3", "Disco", "1", "1")],
    [
        _resource("R3", "Disco", "100", "0.0033"),
        _resource("R4", "GPU", "1", "33.3333"),
        _resource("R5", "Red", "0", "9"),
    ],
    [_resource("R5", "Red", "0", "0"), _resource("R6", "IP", "1", "0")],
    [_resource("R2", "Procesador", "3", "0.3333"), _resource("R4", "GPU", "2", "16.6667")],
    [],
]


@dataclass(frozen=True)
class LineSpec:
    category: int
    configuration: int
    renamed: bool
    resources: int
    cents: int
    hours: Decimal
    consumptions: int


line_specs = st.builds(
    LineSpec,
    category=st.integers(0, 2),
    configuration=st.integers(0, 2),
    renamed=st.booleans(),
    resources=st.integers(0, len(RESOURCE_LISTS) - 1),
    cents=st.one_of(st.integers(1, 7), st.sampled_from([100, 1000, 9999]), st.integers(1, 5_000_000)),
    hours=st.integers(1, 7_200_000).map(lambda n: Decimal(n).scaleb(-4)),
    consumptions=st.integers(0, 40),
)
invoices_specs = st.lists(st.lists(line_specs, min_size=1, max_size=6), min_size=1, max_size=5)


def _bill(session: Session, day: date, invoices: list[list[LineSpec]]) -> None:
    """Issue the invoices on ``day`` and freeze a usage snapshot per line with its per-resource parts, as a
    billing run does."""
    moment = datetime.combine(day, datetime.min.time(), GT).replace(hour=12)
    with clock.frozen(moment):
        run = BillingRun(
            date_from=day, date_to=day, issue_date=day, actor_kind="user", actor_id="tester", actor_name="Test User"
        )
        session.add(run)
        session.flush()
        frozen: list[dict[str, Any]] = []
        for specs in invoices:
            lines = [
                LineIn(description=f"Uso {n}", quantity=Decimal(1), unit_price=Decimal(spec.cents).scaleb(-2))
                for n, spec in enumerate(specs, 1)
            ]
            draft = make_draft(session, make_customer(session), lines)
            invoice = invoicing.issue_invoice(session, ACTOR, draft.id)
            for line, spec in zip(sorted(invoice.lines, key=lambda ln: ln.line_number), specs, strict=True):
                category = f"CAT-{spec.category}"
                configuration = f"CFG-{spec.category}-{spec.configuration}"
                suffix = " (nuevo)" if spec.renamed else ""
                rated = RESOURCE_LISTS[spec.resources]
                frozen.append(
                    {
                        "invoice_line_id": line.id,
                        "invoice_id": invoice.id,
                        "total": line.total_amount,
                        "resources": [r.as_json() for r in rated],
                    }
                )
                session.add(
                    LineSnapshot(
                        invoice_line_id=line.id,
                        invoice_id=invoice.id,
                        billing_run_id=run.id,
                        instance_id=spec.configuration,
                        instance_code=f"I-{spec.configuration}",
                        instance_name="Instancia",
                        configuration_code=configuration,
                        configuration_name=f"Configuración {spec.configuration}{suffix}",
                        category_code=category,
                        category_name=f"Categoría {spec.category}{suffix if spec.configuration == 0 else ''}",
                        period_start=moment,
                        period_end=moment,
                        rate_from=None,
                        rate_until=None,
                        hours=spec.hours,
                        hour_rate=sum((r.hour_rate for r in rated), ZERO),
                        consumption_count=spec.consumptions,
                        total=line.total_amount,
                        resources=[r.as_json() for r in rated],
                    )
                )
        session.flush()
        # The per-resource parts, written as a billing run writes them with its lines.
        write_resource_parts(session, frozen, "GTQ")


@dataclass
class _Walk:
    name: str
    revenue: Decimal = ZERO
    hours: Decimal = ZERO
    lines: int = 0

    def __post_init__(self) -> None:
        self.invoices: set[int] = set()

    def add(self, snap: LineSnapshot) -> None:
        self.revenue += snap.total
        self.hours += snap.hours
        self.invoices.add(snap.invoice_id)
        self.lines += 1


def _walked(snapshots: list[LineSnapshot], currency: str) -> tuple[list[CategorySales], list[dict[str, object]]]:
    """The report's groups and resources, walking the lines one by one in (invoice, line) order."""
    categories: dict[str, _Walk] = {}
    configurations: dict[str, dict[str, _Walk]] = {}
    parts: list[tuple[Described, Decimal]] = []
    for snap in snapshots:
        categories.setdefault(snap.category_code, _Walk(snap.category_name)).add(snap)
        in_category = configurations.setdefault(snap.category_code, {})
        in_category.setdefault(snap.configuration_code, _Walk(snap.configuration_name)).add(snap)
        rated = [RatedResource.from_snapshot(item) for item in snap.resources]
        parts.extend(resource_shares(snap.total, rated, currency))

    def ranked(groups: dict[str, _Walk]) -> list[tuple[str, _Walk]]:
        return sorted(groups.items(), key=lambda item: (-item[1].revenue, item[0]))

    out: list[CategorySales] = []
    top = ranked(categories)
    for (code, walk), percent in zip(top, percentages([w.revenue for _, w in top]), strict=True):
        inner = ranked(configurations[code])
        out.append(
            CategorySales(
                code=code,
                name=walk.name,
                revenue=walk.revenue,
                hours=plain(walk.hours),
                invoice_count=len(walk.invoices),
                line_count=walk.lines,
                share_percent=percent,
                configurations=[
                    ConfigurationSales(
                        code=c,
                        name=w.name,
                        revenue=w.revenue,
                        hours=plain(w.hours),
                        invoice_count=len(w.invoices),
                        line_count=w.lines,
                        share_percent=p,
                    )
                    for (c, w), p in zip(inner, percentages([w.revenue for _, w in inner]), strict=True)
                ],
            )
        )
    return out, [r.model_dump(mode="json") for r in resource_totals(parts)]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(invoices=invoices_specs)
def test_sql_report_equals_the_line_by_line_walk(
    session: Session, issuer: Issuer, invoices: list[list[LineSpec]]
) -> None:
    # A new day per example: the examples share the test's transaction, each reports its own day.
    day = date(2031, 1, 1) + timedelta(days=next(_days))
    _bill(session, day, invoices)

    report = service.sales_report(session, day, day)

    run = select(BillingRun.id).where(BillingRun.issue_date == day).scalar_subquery()
    snapshots = list(
        session.scalars(
            select(LineSnapshot)
            .where(LineSnapshot.billing_run_id == run)
            .order_by(LineSnapshot.invoice_id, LineSnapshot.invoice_line_id)
        )
    )
    categories, resources = _walked(snapshots, "GTQ")
    assert [c.model_dump(mode="json") for c in report.categories] == [c.model_dump(mode="json") for c in categories]
    assert [r.model_dump(mode="json") for r in report.resources] == resources
    expected_total = sum((s.total for s in snapshots), ZERO)
    t = report.totals
    assert (t.invoice_count, t.line_count, t.consumption_count) == (
        len(invoices),
        len(snapshots),
        sum(s.consumption_count for s in snapshots),
    )
    assert (t.revenue, t.hours) == (expected_total, plain(sum((s.hours for s in snapshots), ZERO)))
    # Σ resources == Σ totals of the lines that have resources (a line without any has no parts).
    with_resources = sum((s.total for s in snapshots if s.resources), ZERO)
    assert sum((r.amount for r in report.resources), ZERO) == with_resources

    # Migration 0010's backfill writes the same parts: the report does not move by a cent.
    lines = [s.invoice_line_id for s in snapshots]
    deleted = session.execute(delete(LineResourcePart).where(LineResourcePart.invoice_line_id.in_(lines))).rowcount
    assert _backfill(session.connection()) == deleted
    assert service.sales_report(session, day, day) == report


weights = st.lists(
    st.one_of(
        st.sampled_from([Decimal(0), Decimal(1), Decimal("0.3333"), Decimal("33.3333"), Decimal("0.5")]),
        st.integers(0, 10**8).map(lambda n: Decimal(n).scaleb(-6)),
    ),
    min_size=1,
    max_size=7,
)


@settings(max_examples=3000, deadline=None, database=None)
@given(rates=weights, totals=st.lists(st.one_of(st.integers(0, 12), st.integers(0, 10**9)), min_size=1, max_size=8))
def test_the_stored_split_equals_the_report_split(rates: list[Decimal], totals: list[int]) -> None:
    """What billing stores per line (``line_parts`` over the frozen JSON list) is exactly what the
    invoice detail splits (``resource_shares`` over the resources read back from the snapshot)."""
    rated = [RatedResource(f"R{i}", "r", "r", "u", "k", Decimal(1), rate) for i, rate in enumerate(rates)]
    frozen = [r.as_json() for r in rated]
    back = [RatedResource.from_snapshot(item) for item in frozen]
    for cents in totals:
        total = Decimal(cents).scaleb(-2)
        parts = line_parts(total, frozen, "GTQ")
        assert parts == [amount for _, amount in resource_shares(total, back, "GTQ")]
        assert parts == shares(total, rates, "GTQ")
        assert sum(parts, ZERO) == total
