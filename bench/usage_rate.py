"""Usage billing at scale: IPC2 message import rate and a billing run against its SQL floor, on
SQLite and PostgreSQL.

Each database is brand new (a temporary SQLite file; a throwaway ``facturo_bench_<random>``
PostgreSQL database when the server answers). Messages come from ``usage_messages.py``. In order:

1. configuration import: one message with N customers (1-3 instances each, no portal logins), one
   unit of work; records/s counts resources, categories, configurations, customers and instances.
   Then the portal-login cost on two small samples of the same shape, with and without
   ``usuario``/``clave`` (each password is hashed with argon2id);
2. consumption import: M consumptions in files of ``--per-file``, one unit of work per file, then
   the first file again (every item a duplicate);
3. the floor: on the same database, before the run (consumptions unbilled), the bare SQL aggregate
   of the same per-customer totals (Σ hours per instance × the configuration's hourly rate, rounded
   to the cent per instance as an invoice line is, summed per customer), best of three;
4. a dry run, then the billing run over the whole period (``run_billing(dry_run=False)`` and its
   commit: one invoice per customer, the range closed for every billed instance).

Checks: every good item created, no rejection, the re-import created nothing; the run's invoice
totals equal the floor's to the cent, and equal what the generator computed from the hours it
wrote; the dry run plans the same totals; every consumption lies in a billed period.

    python bench/usage_rate.py                                   # 10,000 customers, 1,000,000 consumptions
    python bench/usage_rate.py --customers 500 --consumptions 20000 --per-file 5000 --skip-pg
    python bench/usage_rate.py --skip-pg --profile /tmp/usage-prof   # cProfile of each SQLite phase
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TypeVar

from lxml import etree
from sqlalchemy import Date, bindparam, func, select, text
from sqlalchemy.orm import Session

import generate
import usage_messages as messages
from facturo.customers.models import Customer
from facturo.invoicing.models import Invoice
from facturo.kit.db import Database
from facturo.usage import service as usage
from facturo.usage.models import Configuration, ConfigurationVersion, Consumption, Resource, ResourcePrice
from facturo.usage.queries import not_billed

IMPORT_TARGET = 35_000.0  # consumptions/s: issue 12, 3x the 11-13k/s before it
RATIO_TARGET = 3.0  # billing run / SQL floor
PASSWORD_SAMPLE = 20  # customers per portal-login sample
FLOOR_REPEATS = 3

T = TypeVar("T")

# The floor. Amounts are scaled integers (kit.db_types.ScaledDecimal): hours 10^-4, price 10^-4,
# quantity 10^-2, so a rate is in 10^-6 and hours × rate in 10^-10; a cent is 10^8 of those,
# rounded half-up per instance (one invoice line), then summed per customer. Valid while every
# configuration has one composition and every resource one price (checked before it runs), which
# is what a single configuration import leaves.
_FLOOR = """
WITH rates AS (
    SELECT v.configuration_id, SUM(i.quantity * p.price_per_hour) AS rate
    FROM usage_configuration_versions v
    JOIN usage_configuration_items i ON i.version_id = v.id
    JOIN usage_resource_prices p ON p.resource_id = i.resource_id
    GROUP BY v.configuration_id
), hours AS (
    SELECT c.instance_id, SUM(c.hours) AS hours
    FROM usage_consumptions c
    WHERE c.consumed_on >= :date_from AND c.consumed_on <= :date_to
    GROUP BY c.instance_id
)
SELECT ins.customer_id, SUM({cents}) AS total_cents
FROM hours h
JOIN usage_instances ins ON ins.id = h.instance_id
JOIN rates r ON r.configuration_id = ins.configuration_id
GROUP BY ins.customer_id
"""
_CENTS = {
    "sqlite": "(h.hours * r.rate + 50000000) / 100000000",  # integer division
    "postgresql": "div(h.hours * r.rate + 50000000, 100000000)",  # SUM(bigint) is numeric: exact
}


@dataclass
class FileFigure:
    name: str
    items: int
    created: int
    duplicates: int
    rejected: int
    seconds: float
    cpu_seconds: float
    parse_seconds: float = 0.0  # lxml alone on the same bytes: the baseline

    @property
    def rate(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0


@dataclass
class CaseResult:
    database: str
    customers: int = 0
    instances: int = 0
    config_records: int = 0
    config_seconds: float = 0.0
    plain_sample_seconds: float = 0.0
    password_sample_seconds: float = 0.0
    files: list[FileFigure] = field(default_factory=list)
    reimport: FileFigure | None = None
    floor_seconds: list[float] = field(default_factory=list)
    dry_seconds: float = 0.0
    run_seconds: float = 0.0
    run_cpu_seconds: float = 0.0
    invoices: int = 0
    billed: int = 0
    load_average: float = 0.0
    checks: dict[str, bool] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def consumptions(self) -> int:
        return sum(f.items for f in self.files)

    @property
    def import_seconds(self) -> float:
        return sum(f.seconds for f in self.files)

    @property
    def import_rate(self) -> float:
        return self.consumptions / self.import_seconds if self.import_seconds else 0.0

    @property
    def parse_rate(self) -> float:
        seconds = sum(f.parse_seconds for f in self.files)
        return self.consumptions / seconds if seconds else 0.0

    @property
    def floor(self) -> float:
        return min(self.floor_seconds) if self.floor_seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.run_seconds / self.floor if self.floor and self.run_seconds else 0.0

    @property
    def password_ms(self) -> float:
        """Extra cost of a portal login per customer: the samples differ only by usuario/clave."""
        return (self.password_sample_seconds - self.plain_sample_seconds) / PASSWORD_SAMPLE * 1000

    @property
    def ok(self) -> bool:
        return not self.errors and all(self.checks.values())


def check(result: CaseResult, name: str, ok: bool, detail: str = "") -> None:
    result.checks[name] = ok
    print(f"   check {name}: {'OK' if ok else 'MISMATCH'}{f' ({detail})' if detail else ''}", flush=True)


@contextmanager
def profiled(directory: Path | None, name: str) -> Iterator[None]:
    if directory is None:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.prof"
        profiler.dump_stats(path)
        print(f"\n--- cProfile of {name}, top 25 by cumulative time (full profile: {path}) ---")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def timed(work: Callable[[], T]) -> tuple[T, float, float]:
    """``work()``, its wall-clock seconds and this process's CPU seconds."""
    cpu, started = time.process_time(), time.perf_counter()
    value = work()
    return value, time.perf_counter() - started, time.process_time() - cpu


def import_file(db: Database, data: bytes, filename: str) -> usage.ImportReport:
    """As the API and the CLI import: checked in a read unit, written in a short write unit."""
    return usage.import_message(db, generate.ACTOR, data, filename=filename)


def lxml_parse(data: bytes) -> int:
    """The baseline of an import: lxml's incremental parser alone over the same bytes, each ``consumo``
    read (its children's text) and dropped as the importer does, nothing checked or stored."""
    count = 0
    for _, el in etree.iterparse(io.BytesIO(data), events=("end",), tag="{*}consumo", resolve_entities=False):
        for child in el:
            child.text  # noqa: B018 - read, as the importer reads it
        count += 1
        el.clear(keep_tail=False)
        while el.getprevious() is not None:
            del el.getparent()[0]
    return count


def floor_totals(session: Session, date_from: date, date_to: date) -> dict[int, int]:
    """Per customer id, the cents the run must invoice, by one SQL statement."""
    dialect = session.get_bind().dialect.name
    stmt = text(_FLOOR.format(cents=_CENTS[dialect])).bindparams(
        bindparam("date_from", type_=Date), bindparam("date_to", type_=Date)
    )
    rows = session.execute(stmt, {"date_from": date_from, "date_to": date_to})
    return {int(customer_id): int(cents) for customer_id, cents in rows}


def floor_applies(session: Session) -> bool:
    """One composition per configuration and one price per resource, as _FLOOR assumes."""
    counts = [session.scalar(select(func.count()).select_from(m)) for m in (Configuration, ConfigurationVersion)]
    prices = [session.scalar(select(func.count()).select_from(m)) for m in (Resource, ResourcePrice)]
    return counts[0] == counts[1] and prices[0] == prices[1]


def planner_state(db: Database) -> str:
    """Whether the planner knows how big usage_consumptions is: on PostgreSQL with autovacuum off
    (as on this machine) or before autovacuum gets to it, a freshly imported table has no statistics."""
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            autovacuum = conn.exec_driver_sql("SHOW autovacuum").scalar_one()
            analyzed = conn.exec_driver_sql(
                "SELECT COALESCE(GREATEST(last_analyze, last_autoanalyze)::text, 'never') "
                "FROM pg_stat_user_tables WHERE relname = 'usage_consumptions'"
            ).scalar_one()
            return f"autovacuum {autovacuum}, usage_consumptions last analyzed: {analyzed}"
        has_stats = conn.exec_driver_sql(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
        ).scalar_one()
        return "sqlite_stat1 present" if has_stats else "none (no ANALYZE has run)"


def cents_of(amount: Decimal) -> int:
    return int(amount.scaleb(2).to_integral_value())


def first_difference(a: dict[int, int], b: dict[int, int]) -> str:
    keys = sorted(set(a) | set(b))
    diff = [k for k in keys if a.get(k) != b.get(k)]
    if not diff:
        return f"{len(keys):,} customers, {sum(a.values()) / 100:,.2f} in all"
    k = diff[0]
    return f"{len(diff):,} of {len(keys):,} customers differ; first: customer {k}: {a.get(k)} vs {b.get(k)} cents"


def run_case(url: str, label: str, args: argparse.Namespace, profile: Path | None) -> CaseResult:
    result = CaseResult(label)
    print(f"\n== {label}: {args.customers:,} customers, {args.consumptions:,} consumptions", flush=True)
    db = generate.open_database(url)
    try:
        generate.create_organisation(db)
        catalog = messages.build_catalog(args.customers, seed=args.seed)
        result.customers, result.instances = len(catalog.customers), catalog.instance_count
        result.config_records = catalog.record_count
        config = messages.configuration_xml(catalog)

        # 1. Configuration message, then the portal-login samples.
        print(f"   configuration: {len(config) / 1e6:.1f} MB, {catalog.record_count:,} records", flush=True)
        with profiled(profile, f"{label}-configuration"):
            report, result.config_seconds, cpu = timed(partial(import_file, db, config, "configuracion.xml"))
        counts = report.counts
        print(
            f"   configuration import: {result.config_seconds:.1f} s, "
            f"{result.config_records / result.config_seconds:,.0f} records/s, "
            f"{result.customers / result.config_seconds:,.0f} customers/s (CPU {cpu:.1f} s)",
            flush=True,
        )
        check(
            result,
            "configuration created",
            counts["customer"]["created"] == result.customers
            and counts["instance"]["created"] == result.instances
            and not report.rejections,
            f"{counts['customer']['created']:,} customers, {counts['instance']['created']:,} instances, "
            f"{len(report.rejections)} rejections",
        )
        rng = random.Random(args.seed + 7)
        for passwords, base, prefix in ((False, 5_000_000, "SP-"), (True, 6_000_000, "SW-")):
            sample = messages.make_customers(
                PASSWORD_SAMPLE,
                catalog.configurations,
                rng,
                nit_base=messages.CUSTOMER_NIT_BASE + base,
                code_prefix=prefix,
                passwords=passwords,
            )
            data = messages.configuration_xml(messages.Catalog((), (), (), sample))
            report, seconds, _ = timed(partial(import_file, db, data, f"muestra-{prefix}.xml"))
            if passwords:
                result.password_sample_seconds = seconds
                logins = report.counts["portal_login"]["created"]
                check(result, "portal logins created", logins == PASSWORD_SAMPLE, f"{logins}")
            else:
                result.plain_sample_seconds = seconds
        print(
            f"   {PASSWORD_SAMPLE} customers without / with portal login: {result.plain_sample_seconds * 1000:.0f} / "
            f"{result.password_sample_seconds * 1000:.0f} ms, {result.password_ms:.0f} ms per login (argon2id)",
            flush=True,
        )

        # 2. Consumption messages, one unit of work each, then the first one again.
        tally = messages.Tally()
        first: messages.ConsumptionFile | None = None
        files = messages.consumption_files(
            catalog,
            args.consumptions,
            args.per_file,
            seed=args.seed,
            tally=tally,
            bad_unknown=args.bad_fraction / 3,
            bad_future=args.bad_fraction / 3,
            bad_duplicates=args.bad_fraction / 3,
        )
        result.load_average = os.getloadavg()[0]
        for f in files:
            first = first or f
            name = f"{label}-consumptions-{f.index:03d}"
            with profiled(profile if f.index == 2 else None, name):
                report, seconds, cpu = timed(partial(import_file, db, f.data, f.name))
            c = report.counts["consumption"]
            dup = report.totals["duplicate"]
            _, parse_seconds, _ = timed(partial(lxml_parse, f.data))
            figure = FileFigure(f.name, f.items, c["created"], dup, c["rejected"], seconds, cpu, parse_seconds)
            result.files.append(figure)
            print(
                f"   {f.name}: {f.items:,} items ({len(f.data) / 1e6:.1f} MB) in {seconds:.2f} s = "
                f"{figure.rate:,.0f}/s (CPU {cpu:.2f} s; lxml alone {f.items / parse_seconds:,.0f}/s, "
                f"{seconds / parse_seconds:.1f}x); created {figure.created:,}, duplicates "
                f"{figure.duplicates:,}, rejected {figure.rejected:,}",
                flush=True,
            )
            want = (f.good, f.duplicates, f.unknown_instance + f.future)
            got = (figure.created, figure.duplicates, figure.rejected)
            if got != want:
                result.errors.append(f"{f.name}: created, duplicates, rejected {got} != {want}")
        assert first is not None
        report, seconds, cpu = timed(partial(import_file, db, first.data, f"{first.name} (again)"))
        c = report.counts["consumption"]
        result.reimport = FileFigure(
            first.name, first.items, c["created"], report.totals["duplicate"], c["rejected"], seconds, cpu
        )
        print(
            f"   re-import of {first.name}: {first.items:,} items in {seconds:.2f} s = {result.reimport.rate:,.0f}/s; "
            f"created {c['created']}, duplicates {report.totals['duplicate']:,}",
            flush=True,
        )
        check(
            result,
            "consumptions imported",
            not any(e.startswith("consumos") for e in result.errors),
            f"{sum(f.created for f in result.files):,} created",
        )
        check(
            result,
            "re-import all duplicates",
            c["created"] == 0 and report.totals["duplicate"] == first.good + first.duplicates,
            f"{report.totals['duplicate']:,} duplicates",
        )

        # 3. The floor, before the run.
        print(f"   planner statistics: {planner_state(db)}", flush=True)
        date_from, date_to = catalog.period_start, catalog.period_end
        with db.unit_of_work(write=False) as session:
            check(result, "floor preconditions (one version per configuration and price)", floor_applies(session))
        floor: dict[int, int] = {}
        for _ in range(FLOOR_REPEATS):
            with db.unit_of_work(write=False) as session:
                floor, seconds, _ = timed(partial(floor_totals, session, date_from, date_to))
            result.floor_seconds.append(seconds)
        print(
            f"   floor (SQL aggregate, {len(floor):,} customers): "
            + ", ".join(f"{s:.3f}" for s in result.floor_seconds)
            + " s",
            flush=True,
        )

        # 4. Dry run, then the run.
        with db.unit_of_work(write=False) as session, profiled(profile, f"{label}-dry-run"):
            dry, result.dry_seconds, _ = timed(
                partial(usage.run_billing, session, generate.ACTOR, date_from, date_to, dry_run=True)
            )
        print(f"   dry run: {result.dry_seconds:.2f} s, {len(dry.invoices):,} invoices planned", flush=True)
        check(
            result,
            "dry run totals = floor",
            {inv.customer_id: cents_of(inv.total) for inv in dry.invoices} == floor,
            first_difference({inv.customer_id: cents_of(inv.total) for inv in dry.invoices}, floor),
        )

        def billing_run() -> usage.BillingResult:
            with db.unit_of_work() as session:
                return usage.run_billing(session, generate.ACTOR, date_from, date_to, dry_run=False)

        try:
            with profiled(profile, f"{label}-billing-run"):
                run, result.run_seconds, result.run_cpu_seconds = timed(billing_run)
        except Exception as exc:
            result.errors.append(f"run_billing: {type(exc).__name__}: {exc}")
            print(f"   billing run FAILED: {type(exc).__name__}: {exc}", flush=True)
            return result
        result.invoices = len(run.invoices)
        print(
            f"   billing run: {result.run_seconds:.2f} s (CPU {result.run_cpu_seconds:.2f} s), "
            f"{result.invoices:,} invoices, {run.consumption_count:,} consumptions, total {run.total:,.2f}; "
            f"ratio to floor {result.ratio:.2f}",
            flush=True,
        )

        with db.unit_of_work(write=False) as session:
            invoiced = {
                int(customer_id): cents_of(total)
                for customer_id, total in session.execute(select(Invoice.customer_id, Invoice.total))
            }
            ids = {nit: int(id_) for id_, nit in session.execute(select(Customer.id, Customer.nit))}
            total = int(session.scalar(select(func.count()).select_from(Consumption)) or 0)
            still_open = int(session.scalar(select(func.count()).select_from(Consumption).where(not_billed())) or 0)
            result.billed = total - still_open
        expected = {ids[nit]: cents for nit, cents in messages.expected_cents(catalog, tally).items()}
        check(result, "run totals = floor", invoiced == floor, first_difference(invoiced, floor))
        check(result, "run totals = generator", invoiced == expected, first_difference(invoiced, expected))
        good = sum(f.created for f in result.files)
        check(
            result,
            "every consumption billed once",
            result.billed == good == run.consumption_count,
            f"{result.billed:,} in billed periods of {good:,}",
        )
        return result
    finally:
        db.dispose()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_table(results: Sequence[CaseResult], args: argparse.Namespace) -> None:
    rows: list[tuple[str, list[str], str]] = []

    def row(label: str, cell: Callable[[CaseResult], str], target: str = "") -> None:
        rows.append((label, [cell(r) for r in results], target))

    row(
        f"configuration import ({args.customers:,} customers)",
        lambda r: (
            f"{r.config_seconds:.1f} s, {r.config_records / r.config_seconds:,.0f} rec/s" if r.config_seconds else "-"
        ),
    )
    row("portal login per customer (argon2id)", lambda r: f"{r.password_ms:.0f} ms")
    row(
        f"consumption import ({args.consumptions:,})",
        lambda r: f"{r.import_rate:,.0f}/s {verdict(r.import_rate >= IMPORT_TARGET)}" if r.files else "-",
        f">= {IMPORT_TARGET:,.0f}/s",
    )
    row("  lxml parse alone, same files (baseline)", lambda r: f"{r.parse_rate:,.0f}/s" if r.files else "-")
    row(
        "  import time / lxml time",
        lambda r: f"{r.parse_rate / r.import_rate:.1f}x" if r.files and r.import_rate else "-",
    )
    row(
        "  per CPU second of this process",
        lambda r: f"{r.consumptions / sum(f.cpu_seconds for f in r.files):,.0f}/s" if r.files else "-",
    )
    row(
        "  slowest / fastest file",
        lambda r: f"{min(f.rate for f in r.files):,.0f} / {max(f.rate for f in r.files):,.0f}/s" if r.files else "-",
    )
    row("re-import, all duplicates", lambda r: f"{r.reimport.rate:,.0f}/s" if r.reimport else "-")
    row("floor: SQL aggregate (best of 3)", lambda r: f"{r.floor:.3f} s" if r.floor_seconds else "-")
    row(
        "dry run",
        lambda r: f"{r.dry_seconds:.2f} s = {r.dry_seconds / r.floor:.1f}x" if r.floor and r.dry_seconds else "-",
    )
    row(
        f"billing run ({args.customers:,} customers)",
        lambda r: f"{r.run_seconds:.2f} s = {r.ratio:.1f}x {verdict(r.ratio <= RATIO_TARGET)}" if r.ratio else "FAILED",
        f"<= {RATIO_TARGET:.0f}x floor",
    )
    row("  CPU of this process", lambda r: f"{r.run_cpu_seconds:.1f} s" if r.run_seconds else "-")
    row("invoices / consumptions billed", lambda r: f"{r.invoices:,} / {r.billed:,}")
    row("totals: run = floor = generator", lambda r: "OK" if r.ok else "MISMATCH")
    row("load average when importing", lambda r: f"{r.load_average:.2f}")

    widths = [max(len(label) for label, _, _ in rows), *(24 for _ in results), 16]
    header = ["figure", *(r.database for r in results), "target"]
    print("\n" + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-" * (sum(widths) + 2 * len(widths)))
    for label, cells, target in rows:
        print("  ".join(c.ljust(w) for c, w in zip([label, *cells, target], widths, strict=True)))
    print(
        f"{os.cpu_count()} CPUs; wall-clock figures move with machine load. CPU of this process is the whole "
        "cost on SQLite and the client side only on PostgreSQL."
    )
    for r in results:
        for message in r.errors[:5]:
            print(f"  error ({r.database}): {message}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--consumptions", type=int, default=1_000_000, help="good consumptions in all")
    parser.add_argument("--per-file", type=int, default=100_000, help="consumptions per message (unit of work)")
    parser.add_argument("--bad-fraction", type=float, default=0.0, help="extra bad items per file, e.g. 0.03")
    parser.add_argument("--seed", type=int, default=messages.DEFAULT_SEED)
    parser.add_argument("--pg-admin-url", default=generate.DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--skip-pg", action="store_true", help="measure SQLite only")
    parser.add_argument("--skip-sqlite", action="store_true", help="measure PostgreSQL only")
    parser.add_argument("--profile", type=Path, help="directory for cProfiles of the SQLite phases (slows them)")
    args = parser.parse_args(argv)
    if args.customers < 1 or args.consumptions < 1 or args.per_file < 1 or args.bad_fraction < 0:
        parser.error("--customers, --consumptions and --per-file must be >= 1; --bad-fraction >= 0")

    results: list[CaseResult] = []
    with tempfile.TemporaryDirectory(prefix="facturo-bench-") as tmp:
        if not args.skip_sqlite:
            url = f"sqlite:///{Path(tmp) / 'usage.sqlite3'}"
            results.append(run_case(url, "sqlite", args, args.profile))
        if not args.skip_pg:
            reason = generate.pg_unreachable_reason(args.pg_admin_url)
            if reason:
                print(f"\n== postgresql skipped: {args.pg_admin_url} is unreachable ({reason})")
            else:
                with generate.throwaway_pg_database(args.pg_admin_url) as url:
                    results.append(run_case(url, "postgresql", args, None))
    print_table(results, args)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
