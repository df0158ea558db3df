"""Invoices per second issued by ``invoicing.issue_batch`` (a usage-billing run: one invoice per
customer, all in one transaction), on SQLite and optionally PostgreSQL.

Each database is brand new: N customers are created through the service layer, a small warm-up
batch compiles the statements, then one timed ``issue_batch`` call issues N invoices (``--lines``
free-text usage lines each) in one unit of work. The baseline runs in the same process against
the same database: a smaller sample of the same invoices issued one by one, create_draft +
issue_invoice in one unit of work each (what a run would cost without the batch path).

Checks afterwards: numbers are exactly 1..N with no gap, the hash chain verifies, every invoice
has its "issued" history record, and each sampled invoice's figures issued one by one equal the
batch's figures for the same lines.

    python bench/issue_batch.py                                  # SQLite, 10,000 invoices x 2 lines
    python bench/issue_batch.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/issue_batch.py --invoices 2000 --lines 5 --profile batch.prof
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import generate
from facturo.audit.models import HistoryRecord
from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.invoicing.schemas import DraftIn, LineIn
from facturo.kit import clock
from facturo.kit.db import Database
from facturo.organisation import service as organisation

SQLITE_TARGET = 5_000.0  # invoices/s for the issue_batch call, SQLite
WARMUP = 20  # invoices in the untimed warm-up batch (numbers 1..20)
# Usage a cloud provider bills by: (description, unit, quantity range, hourly-style price range in 10^-6 units).
RESOURCES = (
    ("Cómputo vCPU", "hora", (1, 744), (8_000, 95_000)),
    ("Memoria RAM", "GB-hora", (24, 5_952), (1_000, 6_000)),
    ("Almacenamiento SSD", "GB-mes", (10, 2_000), (600_000, 1_150_000)),
    ("Transferencia de datos", "GB", (1, 5_000), (50_000, 120_000)),
    ("Dirección IP pública", "hora", (1, 744), (3_500, 5_000)),
)


@dataclass
class CaseResult:
    database: str
    invoices: int
    lines: int
    seconds: float  # the issue_batch call alone
    commit_seconds: float
    cpu_seconds: float
    sample: int
    sample_seconds: float
    load_average: float
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.invoices / self.seconds

    @property
    def rate_with_commit(self) -> float:
        return self.invoices / (self.seconds + self.commit_seconds)

    @property
    def one_by_one_rate(self) -> float:
        return self.sample / self.sample_seconds if self.sample_seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / self.one_by_one_rate if self.one_by_one_rate else 0.0

    @property
    def target(self) -> str:
        if self.database != "sqlite":
            return "n/a"
        return f">={SQLITE_TARGET:,.0f}/s " + ("PASS" if self.rate >= SQLITE_TARGET else "FAIL")

    @property
    def ok(self) -> bool:
        return all(self.checks.values())


def usage_invoices(customer_ids: Sequence[int], lines: int, rng: random.Random) -> list[invoicing.BatchInvoice]:
    """One invoice per customer with ``lines`` usage lines: integer quantities or hundredths, prices
    with up to 6 decimals, every tenth line priced before IVA."""

    def line(index: int) -> invoicing.BatchLine:
        description, unit, (q_low, q_high), (p_low, p_high) = RESOURCES[index % len(RESOURCES)]
        return invoicing.BatchLine(
            description=description,
            quantity=Decimal(rng.randint(q_low * 100, q_high * 100)).scaleb(-2),
            unit_price=Decimal(rng.randint(p_low, p_high)).scaleb(-6),
            unit=unit,
            price_includes_tax=rng.random() > 0.1,
        )

    return [
        invoicing.BatchInvoice(customer_id, [line(i) for i in range(lines)], notes="Consumo del período")
        for customer_id in customer_ids
    ]


def issue_one_by_one(db: Database, invoice: invoicing.BatchInvoice, issue_date: date) -> Invoice:
    with db.unit_of_work() as session:
        data = DraftIn(
            customer_id=invoice.customer_id,
            notes=invoice.notes,
            lines=[
                LineIn(
                    description=ln.description,
                    unit=ln.unit,
                    quantity=ln.quantity,
                    unit_price=ln.unit_price,
                    tax_rate=ln.tax_rate,
                    price_includes_tax=ln.price_includes_tax,
                )
                for ln in invoice.lines
            ],
        )
        draft = invoicing.create_draft(session, generate.ACTOR, data)
        return invoicing.issue_invoice(session, generate.ACTOR, draft.id, issue_date)


def run_case(url: str, label: str, *, invoices: int, lines: int, sample: int, profile: Path | None) -> CaseResult:
    print(f"\n== {label}: creating {invoices:,} customers", flush=True)
    db = generate.open_database(url)
    try:
        data = generate.create_organisation(db)
        customer_ids = generate.create_customers(db, invoices, random.Random(7), quiet=True)
        batch = usage_invoices(customer_ids, lines, random.Random(11))
        with db.unit_of_work(write=False) as session:
            today = clock.today(organisation.timezone_of(session, data.issuer_id))
        with db.unit_of_work() as session:
            invoicing.issue_batch(session, generate.ACTOR, batch[:WARMUP], today, origin="warm-up")

        print(f"   issue_batch: {invoices:,} invoices x {lines} lines in one unit of work", flush=True)
        load_average = os.getloadavg()[0]
        profiler = cProfile.Profile() if profile else None
        with db.unit_of_work() as session:
            cpu_before, started = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            issued = invoicing.issue_batch(session, generate.ACTOR, batch, today, origin="bench")
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
            commit_started = time.perf_counter()
        commit_seconds = time.perf_counter() - commit_started

        print(f"   baseline: {sample:,} invoices one by one (create_draft + issue_invoice)", flush=True)
        for invoice in batch[:5]:  # warm-up of the one-by-one path, untimed
            issue_one_by_one(db, invoice, today)
        started = time.perf_counter()
        singles = [issue_one_by_one(db, invoice, today) for invoice in batch[5 : 5 + sample]]
        sample_seconds = time.perf_counter() - started

        result = CaseResult(
            label, invoices, lines, seconds, commit_seconds, cpu, len(singles), sample_seconds, load_average
        )
        with db.unit_of_work(write=False) as session:
            result.checks = check(session, data.series_id, issued, singles)
        if profiler and profile:
            profiler.dump_stats(profile)
            print(f"\n--- cProfile of issue_batch, top 25 by internal time (full profile: {profile}) ---")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return result
    finally:
        db.dispose()


def figures(doc: Invoice) -> tuple[object, ...]:
    lines = [
        (ln.description, ln.quantity, ln.unit_price, ln.base_amount, ln.tax_amount, ln.total_amount) for ln in doc.lines
    ]
    return doc.subtotal, doc.tax_total, doc.total, doc.customer_name, doc.due_date, lines


def check(
    session: Session, series_id: int, issued: Sequence[invoicing.IssuedSummary], singles: Sequence[Invoice]
) -> dict[str, bool]:
    expected = WARMUP + len(issued) + 5 + len(singles)
    numbers = list(
        session.scalars(select(Invoice.number).where(Invoice.series_id == series_id).order_by(Invoice.number))
    )
    records = session.scalar(select(func.count()).where(HistoryRecord.action == "issued")) or 0
    batch_of = {s.customer_id: s.invoice_id for s in issued}  # one invoice per customer in the timed batch
    return {
        "numbers 1..N": numbers == list(range(1, expected + 1))
        and [s.number for s in issued] == list(range(WARMUP + 1, WARMUP + len(issued) + 1)),
        "chain": invoicing.verify_series(session, invoicing.get_series(session, series_id)).ok,
        "history": records == expected,
        "same figures": all(
            figures(invoicing.get_document(session, batch_of[doc.customer_id])) == figures(doc) for doc in singles
        ),
    }


def print_table(results: Sequence[CaseResult]) -> None:
    header = (
        f"{'database':<10} {'invoices':>8} {'lines':>5} {'batch s':>8} {'invoices/s':>10} {'+commit/s':>9} "
        f"{'CPU ms/inv':>10} {'1-by-1 n':>8} {'1-by-1/s':>8} {'ratio':>6} {'load':>5}  {'target':<16} checks"
    )
    print("\n" + header)
    print("-" * len(header))
    for r in results:
        checks = "OK" if r.ok else "FAIL " + ", ".join(name for name, ok in r.checks.items() if not ok)
        print(
            f"{r.database:<10} {r.invoices:>8,} {r.lines:>5} {r.seconds:>8.2f} {r.rate:>10,.0f} "
            f"{r.rate_with_commit:>9,.0f} {r.cpu_seconds / r.invoices * 1000:>10.3f} {r.sample:>8,} "
            f"{r.one_by_one_rate:>8,.0f} {r.ratio:>6.1f} {r.load_average:>5.2f}  {r.target:<16} {checks}"
        )
    print(
        "invoices/s: the issue_batch call alone; +commit/s: including the commit. 1-by-1: create_draft +\n"
        "issue_invoice, one unit of work per invoice, same lines. ratio = batch rate / one-by-one rate.\n"
        f"CPU ms/inv: this process (all of it on SQLite, the client side on PostgreSQL). load: 1-minute load\n"
        f"average when timing started, on {os.cpu_count()} CPUs. checks: {', '.join(results[0].checks)}."
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--invoices", type=int, default=10_000, help="invoices (and customers) in the timed batch")
    parser.add_argument("--lines", type=int, default=2, help="usage lines per invoice (1-500)")
    parser.add_argument("--sample", type=int, default=300, help="invoices issued one by one for the baseline")
    parser.add_argument("--pg", metavar="URL", help="also run on PostgreSQL; a maintenance URL: a throwaway database")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the SQLite issue_batch call here")
    args = parser.parse_args(argv)
    if args.invoices < WARMUP + 5 + args.sample or not 1 <= args.lines <= 500 or args.sample < 1:
        parser.error(f"--invoices must be >= {WARMUP + 5} + --sample, --sample >= 1, --lines in 1..500")

    sizes = {"invoices": args.invoices, "lines": args.lines, "sample": args.sample}
    results: list[CaseResult] = []
    with tempfile.TemporaryDirectory(prefix="facturo-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'batch.sqlite3'}"
        results.append(run_case(url, "sqlite", profile=args.profile, **sizes))
    if args.pg:
        reason = generate.pg_unreachable_reason(args.pg)
        if reason:
            print(f"\n== postgresql skipped: {args.pg} is unreachable ({reason})")
        else:
            with generate.throwaway_pg_database(args.pg) as pg_url:
                results.append(run_case(pg_url, "postgresql", profile=None, **sizes))
    print_table(results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
