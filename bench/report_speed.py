"""Sales analysis of a year against the bare SQL GROUP BY of the same totals, on SQLite and PostgreSQL.

Each database is brand new (a temporary SQLite file; a throwaway ``facturo_bench_<random>``
PostgreSQL database when the server answers). The generator writes, in bulk, the rows a monthly
billing run writes for a year of usage (deterministic, seeded): per month one issued invoice per
customer, one invoice line and one line snapshot per instance (instance, configuration, category,
hours, hourly rate, line total rounded once, the resources frozen as JSON) with its per-resource
parts (``usage.billing.write_resource_parts``, as a run writes them), and the run itself.
Rates change on April 1st and October 1st, so each configuration has three resource lists.
Defaults: 5,000 customers with 1-6 instances (about 16,000), 12 months: about 195,000 lines.

Then, in one run on each database:

1. the baseline: the bare SQL GROUP BY of the same totals (Σ line totals, Σ hours, lines, distinct
   invoices per category and configuration of the issued invoices of the year), best of three;
2. the sales analysis as the service computes it (``reports.service.sales_report``), then JSON, CSV
   and PDF through ``sales_output``, and JSON and CSV through the API (TestClient, a signed-in
   admin), best of three each: wall time, process CPU, ratio to the baseline;
3. the line-by-line walk the report did before issue 12 (every snapshot loaded as an ORM object,
   split per line), once, as the "before" figure; its figures must equal the service's;
4. the dashboard's figures (``reports.dashboard.dashboard``): cold (no memo) and warm (memo filled).

The machine is shared: read the ratios, not the absolute times; the load average is printed.

    python bench/report_speed.py                              # SQLite and PostgreSQL, ~195k lines
    python bench/report_speed.py --customers 300 --skip-pg     # smoke, a few seconds
    python bench/report_speed.py --skip-before                 # without the slow "before" walk
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("FACTURO_JWT_SECRET", secrets.token_urlsafe(48))

from fastapi.testclient import TestClient
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

import generate
from facturo.api.app import create_app
from facturo.auth import users
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.kit.access import Role
from facturo.kit.actor import Actor
from facturo.kit.config import Settings
from facturo.kit.db import Database
from facturo.kit.money import ZERO
from facturo.reports import dashboard as dashboard_figures
from facturo.reports import service
from facturo.reports.allocation import percentages, resource_shares
from facturo.reports.invoice_detail import Described, resource_totals
from facturo.reports.queries import _sold_in
from facturo.reports.schemas import ReportFormat, SalesReport
from facturo.usage.billing import write_resource_parts
from facturo.usage.models import BillingRun, LineSnapshot
from facturo.usage.rates import RatedResource

ACTOR = Actor("system", "bench", "facturo bench")
EMAIL = "report-speed@bench.invalid"
PASSWORD = "report-speed-bench-only"  # a throwaway bench database's admin, nothing to protect
YEAR = 2025
GT = ZoneInfo("America/Guatemala")
PRICE_STEP = Decimal("0.0001")  # a message's prices carry 4 decimals (usage.models.PRICE_SCALE)
TARGET = 3.0  # the sales analysis within 3x the bare GROUP BY

# (code, name, abbreviation, metric, kind, price per hour)
RESOURCES = [
    ("R01", "Procesador virtual", "vCPU", "núcleo", "hardware", "0.0425"),
    ("R02", "Memoria RAM", "RAM", "GB", "hardware", "0.0061"),
    ("R03", "Disco SSD", "SSD", "GB", "hardware", "0.0002"),
    ("R04", "Disco HDD", "HDD", "GB", "hardware", "0.0001"),
    ("R05", "GPU", "GPU", "tarjeta", "hardware", "1.2333"),
    ("R06", "IP pública", "IP", "dirección", "red", "0.005"),
    ("R07", "Tráfico de salida", "NET", "GB", "red", "0.0111"),
    ("R08", "Licencia de sistema", "SO", "licencia", "software", "0.0208"),
    ("R09", "Licencia de base de datos", "BD", "licencia", "software", "0.3333"),
    ("R10", "Respaldo", "BAK", "GB", "servicio", "0.0001"),
    ("R11", "Balanceador", "LB", "unidad", "red", "0.025"),
    ("R12", "Soporte", "SOP", "hora", "servicio", "0.0167"),
]
CATEGORIES = [
    ("WEB", "Servidores web"),
    ("DATOS", "Bases de datos"),
    ("IA", "Cómputo gráfico"),
    ("ALM", "Almacenamiento"),
    ("RED", "Redes"),
    ("DEV", "Desarrollo"),
    ("ERP", "Sistemas empresariales"),
    ("EDU", "Laboratorios académicos"),
]
CONFIGURATIONS_PER_CATEGORY = 4
RATE_CHANGES = (date(YEAR, 4, 1), date(YEAR, 10, 1))


@dataclass(frozen=True)
class Configuration:
    category_code: str
    category_name: str
    code: str
    name: str
    versions: list[list[RatedResource]]  # one resource list per rate period

    def resources_on(self, day: date) -> list[RatedResource]:
        return self.versions[sum(day >= change for change in RATE_CHANGES)]


def configurations(rng: random.Random) -> list[Configuration]:
    out = []
    for category_code, category_name in CATEGORIES:
        for n in range(1, CONFIGURATIONS_PER_CATEGORY + 1):
            picked = rng.sample(RESOURCES, rng.randint(3, 6))
            quantities = [Decimal(rng.choice((1, 2, 4, 8, 16, 32, 100, 250))) for _ in picked]
            versions = []
            for version in range(len(RATE_CHANGES) + 1):
                factor = Decimal(1) + Decimal(version) * Decimal("0.05")
                versions.append(
                    [
                        RatedResource(
                            code,
                            name,
                            abbreviation,
                            metric,
                            kind,
                            quantity,
                            (Decimal(price) * factor).quantize(PRICE_STEP),
                        )
                        for (code, name, abbreviation, metric, kind, price), quantity in zip(
                            picked, quantities, strict=True
                        )
                    ]
                )
            out.append(
                Configuration(category_code, category_name, f"{category_code}-{n}", f"{category_name} {n}", versions)
            )
    return out


def _month_end(month: int) -> date:
    return (date(YEAR, month, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def generate_year(db: Database, customer_count: int, seed: int, chunk: int = 5_000) -> tuple[int, int]:
    """A year of monthly usage invoices, bulk-inserted as a billing run writes them. Returns
    (invoices, lines)."""
    rng = random.Random(seed)
    dataset = generate.create_organisation(db)
    customer_ids = generate.create_customers(db, customer_count, rng, quiet=True)
    configs = configurations(rng)
    # Each customer's instances: (instance id, configuration, usual monthly hours)
    instances: list[list[tuple[int, Configuration, int]]] = []
    next_instance = 1
    for _ in customer_ids:
        mine = []
        for _ in range(rng.randint(1, 6)):
            mine.append((next_instance, rng.choice(configs), rng.randint(20, 744)))
            next_instance += 1
        instances.append(mine)
    with db.unit_of_work(write=False) as session:
        customers = {
            row.id: row
            for row in session.execute(text("SELECT id, nit, name, address FROM customers")).mappings().all()
        }
    invoice_id = line_id = number = 0
    invoice_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    snapshot_rows: list[dict[str, Any]] = []

    def flush(session: Session) -> None:
        if invoice_rows:
            session.execute(insert(Invoice), invoice_rows)
        if line_rows:
            session.execute(insert(InvoiceLine), line_rows)
        if snapshot_rows:
            session.execute(insert(LineSnapshot), snapshot_rows)
            # Each line's per-resource parts, as a billing run writes them with its lines.
            write_resource_parts(session, snapshot_rows, "GTQ")
        invoice_rows.clear()
        line_rows.clear()
        snapshot_rows.clear()

    started = time.perf_counter()
    for month in range(1, 13):
        first, last = date(YEAR, month, 1), _month_end(month)
        issued_at = datetime.combine(last, datetime.min.time(), GT).replace(hour=18)
        with db.unit_of_work() as session:
            run = BillingRun(
                date_from=first,
                date_to=last,
                issue_date=last,
                started_at=issued_at,
                finished_at=issued_at,
                actor_kind=ACTOR.kind,
                actor_id=ACTOR.id,
                actor_name=ACTOR.name,
            )
            session.add(run)
            session.flush()
            run_total = ZERO
            for customer_id, mine in zip(customer_ids, instances, strict=True):
                invoice_id += 1
                number += 1
                customer = customers[customer_id]
                total = ZERO
                for n, (instance_id, config, usual) in enumerate(mine, 1):
                    line_id += 1
                    hours = Decimal(max(1, usual + rng.randint(-20, 20)) * 100 + rng.randint(0, 99)).scaleb(-2)
                    resources = config.resources_on(first)
                    rate = sum((r.hour_rate for r in resources), ZERO)
                    line_total = _cents(hours * rate)
                    base = _cents(line_total / Decimal("1.12"))
                    total += line_total
                    start = datetime.combine(first, datetime.min.time(), GT)
                    line_rows.append(
                        {
                            "id": line_id,
                            "invoice_id": invoice_id,
                            "line_number": n,
                            "description": f"Uso de {config.name}, instancia {instance_id}",
                            "unit": "hora",
                            "quantity": hours,
                            "unit_price": rate,
                            "discount": ZERO,
                            "tax_rate": Decimal("0.12"),
                            "price_includes_tax": True,
                            "base_amount": base,
                            "tax_amount": line_total - base,
                            "total_amount": line_total,
                        }
                    )
                    snapshot_rows.append(
                        {
                            "invoice_line_id": line_id,
                            "invoice_id": invoice_id,
                            "billing_run_id": run.id,
                            "instance_id": instance_id,
                            "instance_code": f"INS-{instance_id:06d}",
                            "instance_name": f"Instancia {instance_id}",
                            "configuration_code": config.code,
                            "configuration_name": config.name,
                            "category_code": config.category_code,
                            "category_name": config.category_name,
                            "period_start": start,
                            "period_end": datetime.combine(last, datetime.min.time(), GT).replace(hour=23),
                            "rate_from": None,
                            "rate_until": None,
                            "hours": hours,
                            "hour_rate": rate,
                            "consumption_count": rng.randint(1, 31),
                            "total": line_total,
                            "resources": [r.as_json() for r in resources],
                        }
                    )
                base_total = sum((row["base_amount"] for row in line_rows[-len(mine) :]), ZERO)
                invoice_rows.append(
                    {
                        "id": invoice_id,
                        "issuer_id": dataset.issuer_id,
                        "document_type": "invoice",
                        "status": "issued",
                        "series_id": dataset.series_id,
                        "number": number,
                        "customer_id": customer_id,
                        "customer_nit": customer["nit"],
                        "customer_name": customer["name"],
                        "customer_address": customer["address"] or "",
                        "currency": "GTQ",
                        "issue_date": last,
                        "due_date": last + timedelta(days=30),
                        "subtotal": base_total,
                        "tax_total": total - base_total,
                        "total": total,
                        "issued_at": issued_at,
                    }
                )
                run_total += total
                if len(line_rows) >= chunk:
                    flush(session)
            flush(session)
            run.invoice_count = len(customer_ids)
            run.total = run_total
        print(f"  month {month:2d}: {invoice_id:,} invoices, {line_id:,} lines, {time.perf_counter() - started:6.1f} s")
    with db.unit_of_work() as session:
        if session.get_bind().dialect.name == "postgresql":
            for table in ("invoices", "invoice_lines"):
                session.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
            session.execute(text("ANALYZE"))
        else:
            session.execute(text("ANALYZE"))
    return invoice_id, line_id


# --- what is timed ---------------------------------------------------------------------------


def baseline(session: Session, date_from: date, date_to: date) -> list[Any]:
    """The bare SQL GROUP BY of the category and configuration totals."""
    stmt = (
        select(
            LineSnapshot.category_code,
            LineSnapshot.configuration_code,
            func.sum(LineSnapshot.total),
            func.sum(LineSnapshot.hours),
            func.count(),
            func.count(LineSnapshot.invoice_id.distinct()),
        )
        .join(Invoice, Invoice.id == LineSnapshot.invoice_id)
        .where(_sold_in("invoice", date_from, date_to))
        .group_by(LineSnapshot.category_code, LineSnapshot.configuration_code)
    )
    return list(session.execute(stmt))


def line_by_line(session: Session, date_from: date, date_to: date) -> dict[str, Any]:
    """The sales analysis as it was computed before issue 12: every line an ORM object."""
    stmt = (
        select(LineSnapshot)
        .join(Invoice, Invoice.id == LineSnapshot.invoice_id)
        .where(_sold_in("invoice", date_from, date_to))
        .order_by(LineSnapshot.invoice_id, LineSnapshot.invoice_line_id)
    )
    revenue: dict[tuple[str, str], Decimal] = {}
    parts: list[tuple[Described, Decimal]] = []
    for snap in session.scalars(stmt):
        key = (snap.category_code, snap.configuration_code)
        revenue[key] = revenue.get(key, ZERO) + snap.total
        rated = [RatedResource.from_snapshot(item) for item in snap.resources]
        parts.extend(resource_shares(snap.total, rated, "GTQ"))
    totals = resource_totals(parts)
    return {
        "configurations": sorted(revenue.items()),
        "resources": [(r.code, r.amount, r.share_percent) for r in totals],
        "percent_check": percentages([r.amount for r in totals]) == [r.share_percent for r in totals],
    }


def same_as_walk(report: SalesReport, walk: dict[str, Any]) -> bool:
    mine = sorted(((cat.code, c.code), c.revenue) for cat in report.categories for c in cat.configurations)
    resources = [(r.code, r.amount, r.share_percent) for r in report.resources]
    return mine == walk["configurations"] and resources == walk["resources"]


@dataclass
class Timing:
    label: str
    wall: float
    cpu: float
    note: str = ""


def best_of(label: str, call: Callable[[], object], runs: int = 3) -> tuple[Timing, object]:
    best: Timing | None = None
    result: object = None
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        timing = Timing(label, time.perf_counter() - wall, time.process_time() - cpu)
        if best is None or timing.wall < best.wall:
            best = timing
    assert best is not None
    return best, result


@contextmanager
def api_client(db: Database) -> Iterator[TestClient]:
    with db.unit_of_work() as session:
        users.create_user(session, ACTOR, EMAIL, "Report speed bench", PASSWORD, Role.ADMIN)
    with tempfile.TemporaryDirectory(prefix="facturo-report-speed-") as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir), auto_migrate=False), database=db)
        with TestClient(app, raise_server_exceptions=True) as client:
            answer = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
            if answer.status_code != 200:
                raise SystemExit(f"could not sign in: {answer.status_code} {answer.text[:300]}")
            client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
            yield client


def run(url: str, label: str, args: argparse.Namespace) -> bool:
    print(f"\n== {label}: {url.split('@')[-1]}")
    db = generate.open_database(url, replace=True)
    try:
        started = time.perf_counter()
        invoices, lines = generate_year(db, args.customers, args.seed)
        print(f"generated {invoices:,} invoices, {lines:,} lines in {time.perf_counter() - started:.1f} s")
        year = (date(YEAR, 1, 1), date(YEAR, 12, 31))
        rows: list[Timing] = []
        with db.unit_of_work(write=False) as session:
            base, _ = best_of("bare SQL GROUP BY (baseline)", lambda: baseline(session, *year))
            report_timing, report = best_of(
                "sales_report (service, model)", lambda: service.sales_report(session, *year)
            )
            rows.append(report_timing)
            for fmt in (ReportFormat.JSON, ReportFormat.CSV, ReportFormat.PDF):
                timing, _ = best_of(
                    f"sales_output {fmt.value}", lambda fmt=fmt: service.sales_output(session, year, formats=[fmt])
                )
                rows.append(timing)
        with api_client(db) as client:
            for fmt in ("json", "csv"):

                def call(fmt: str = fmt) -> object:
                    answer = client.get(
                        "/api/v1/reports/sales",
                        params={"from": year[0].isoformat(), "to": year[1].isoformat(), "format": fmt},
                    )
                    assert answer.status_code == 200, answer.text[:300]
                    return answer.content

                timing, body = best_of(f"GET /api/v1/reports/sales {fmt}", call)
                timing.note = f"{len(body):,} bytes"  # type: ignore[arg-type]
                rows.append(timing)
        assert isinstance(report, SalesReport)
        agreed = True
        if not args.skip_before:
            with db.unit_of_work(write=False) as session:
                before, walk = best_of("line by line, before issue 12", lambda: line_by_line(session, *year), runs=1)
            agreed = same_as_walk(report, walk)  # type: ignore[arg-type]
            before.note = "same figures" if agreed else "FIGURES DIFFER"
            rows.append(before)
        with db.unit_of_work(write=False) as session:
            today = year[1]
            memo = dashboard_figures.YearMemo()
            cold, _ = best_of("dashboard, cold (no memo)", lambda: dashboard_figures.dashboard(session, today))
            dashboard_figures.dashboard(session, today, memo)
            warm, _ = best_of("dashboard, warm memo", lambda: dashboard_figures.dashboard(session, today, memo))
        load = os.getloadavg()
        t = report.totals
        print(
            f"year {YEAR}: {t.invoice_count:,} invoices, {t.line_count:,} lines, revenue Q{t.revenue:,}, "
            f"{len(report.categories)} categories, {len(report.resources)} resources"
        )
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (2 cores, shared)")
        print(f"{'':<36} {'wall s':>8} {'CPU s':>8} {'ratio':>7} {'CPU ratio':>9}  note")
        print(f"{base.label:<36} {base.wall:8.3f} {base.cpu:8.3f} {1:7.2f} {1:9.2f}  best of 3")
        ok = agreed
        for row in rows:
            ratio = row.wall / base.wall
            verdict = ""
            if row.label.startswith(
                ("sales_report", "sales_output json", "sales_output csv", "GET")
            ) and not row.label.endswith("pdf"):
                passed = ratio <= TARGET
                ok = ok and passed
                verdict = f"<= {TARGET:.0f}x {'PASS' if passed else 'FAIL'}"
            note = " ".join(x for x in (verdict, row.note) if x)
            cpu_ratio = row.cpu / base.cpu if base.cpu else 0.0
            print(f"{row.label:<36} {row.wall:8.3f} {row.cpu:8.3f} {ratio:7.2f} {cpu_ratio:9.2f}  {note}")
        print(f"{cold.label:<36} {cold.wall:8.3f} {cold.cpu:8.3f} {'':>7} {'':>9}  best of 3")
        print(f"{warm.label:<36} {warm.wall:8.3f} {warm.cpu:8.3f} {'':>7} {'':>9}  best of 3")
        print(
            f"CPU per line: service {report_timing.cpu / max(lines, 1) * 1e6:.2f} µs, "
            f"baseline {base.cpu / max(lines, 1) * 1e6:.2f} µs"
        )
        return ok
    finally:
        db.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=5_000, help="customers (1-6 instances each)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-before", action="store_true", help="do not time the line-by-line walk")
    parser.add_argument("--pg-admin-url", default=generate.DEFAULT_PG_ADMIN_URL)
    args = parser.parse_args(argv)
    ok = True
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory(prefix="facturo-report-speed-") as tmp:
            ok = run(f"sqlite:///{tmp}/reports.sqlite3", "SQLite", args) and ok
    if not args.skip_pg:
        reason = generate.pg_unreachable_reason(args.pg_admin_url)
        if reason:
            print(f"\nPostgreSQL skipped: {reason}")
        else:
            with generate.throwaway_pg_database(args.pg_admin_url) as url:
                ok = run(url, "PostgreSQL", args) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
