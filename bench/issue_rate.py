"""Invoices issued per second through the service layer, one unit of work per invoice (as the
API does), on SQLite and PostgreSQL.

Each case gets a brand-new database with pre-generated drafts. A baseline runs in the same
process against the same database: one write unit of work per transaction doing a single
``UPDATE`` of a counter row. The ratio issue-rate / baseline-rate separates what issuing costs
from what any transaction on this machine and database costs.

After timing, every case checks what concurrency could break: issued numbers are exactly
1..N (no gap, no duplicate), the hash chain verifies, and tracked stock went down by exactly
the quantities issued.

    python bench/issue_rate.py                      # SQLite + PostgreSQL, 1 worker
    python bench/issue_rate.py --workers 1 8        # also 8 threads issuing concurrently
    python bench/issue_rate.py --profile issue.prof # cProfile of the SQLite 1-worker run
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import queue
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

import generate
from facturo.catalog.models import Product
from facturo.invoicing import service as invoicing
from facturo.invoicing.lifecycle import Status
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.kit.db import Database

SQLITE_TARGET = 500.0  # invoices/s, one worker
WARMUP = 50  # issued before timing starts, so statement caches are warm; still checked after


@dataclass
class CaseResult:
    database: str
    workers: int
    invoices: int
    seconds: float
    baseline_tps: float
    errors: list[str] = field(default_factory=list)
    cpu_seconds: float = 0.0  # this process, all threads: the whole cost on SQLite, the client side on PG
    load_average: float = 0.0
    numbering_ok: bool = False
    chain_ok: bool = False
    stock_ok: bool = False

    @property
    def rate(self) -> float:
        return self.invoices / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_invoice(self) -> float:
        return self.cpu_seconds / self.invoices * 1000 if self.invoices else 0.0

    @property
    def ratio(self) -> float:
        return self.rate / self.baseline_tps if self.baseline_tps else 0.0

    @property
    def target(self) -> str:
        if self.database != "sqlite":
            return "n/a"
        return f">={SQLITE_TARGET:.0f}/s " + ("PASS" if self.rate >= SQLITE_TARGET else "FAIL")

    @property
    def integrity_ok(self) -> bool:
        return self.numbering_ok and self.chain_ok and self.stock_ok and not self.errors


def run_concurrently(items: Sequence[int], workers: int, work: Callable[[int], None]) -> tuple[float, list[str]]:
    """Run ``work`` on every item from ``workers`` threads; returns seconds and error messages."""
    pending: queue.SimpleQueue[int] = queue.SimpleQueue()
    for item in items:
        pending.put(item)
    errors: list[str] = []
    lock = threading.Lock()
    start_line = threading.Barrier(workers + 1)

    def drain() -> None:
        start_line.wait()
        while True:
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            try:
                work(item)
            except Exception as exc:
                with lock:
                    errors.append(f"{item}: {type(exc).__name__}: {exc}")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(drain) for _ in range(workers)]
        start_line.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
        return time.perf_counter() - started, errors


def run_sequentially(items: Sequence[int], work: Callable[[int], None]) -> tuple[float, list[str]]:
    errors: list[str] = []
    started = time.perf_counter()
    for item in items:
        try:
            work(item)
        except Exception as exc:
            errors.append(f"{item}: {type(exc).__name__}: {exc}")
    return time.perf_counter() - started, errors


def run(items: Sequence[int], workers: int, work: Callable[[int], None]) -> tuple[float, list[str]]:
    # One worker runs in the calling thread: no pool hand-off in the single-writer figure.
    return run_sequentially(items, work) if workers == 1 else run_concurrently(items, workers, work)


def measure_baseline(db: Database, transactions: int, workers: int) -> float:
    """Transactions/s of the cheapest useful write unit: BEGIN, UPDATE one row, COMMIT."""
    with db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        conn.execute(text("INSERT INTO bench_counter (id, n) VALUES (1, 0)"))

    def bump(_: int) -> None:
        with db.unit_of_work() as session:
            session.execute(text("UPDATE bench_counter SET n = n + 1 WHERE id = 1"))

    run(range(WARMUP), workers, bump)
    seconds, errors = run(range(transactions), workers, bump)
    if errors:
        raise RuntimeError(f"baseline failed: {errors[:3]}")
    with db.unit_of_work(write=False) as session:
        count = session.scalar(text("SELECT n FROM bench_counter WHERE id = 1"))
    if count != transactions + WARMUP:
        raise RuntimeError(f"baseline lost updates: counter is {count}, expected {transactions + WARMUP}")
    return transactions / seconds


def issue_one(db: Database) -> Callable[[int], None]:
    def work(draft_id: int) -> None:
        with db.unit_of_work() as session:
            invoicing.issue_invoice(session, generate.ACTOR, draft_id)

    return work


def check_numbering(session: Session, series_id: int, expected: int) -> bool:
    numbers = list(
        session.scalars(
            select(Invoice.number)
            .where(Invoice.series_id == series_id, Invoice.number.is_not(None))
            .order_by(Invoice.number)
        )
    )
    return numbers == list(range(1, expected + 1))


def check_chain(session: Session, series_id: int) -> bool:
    return invoicing.verify_series(session, invoicing.get_series(session, series_id)).ok


def check_stock(session: Session) -> bool:
    """Every tracked product lost exactly the quantities on issued lines: no lost update."""
    issued: dict[int, Decimal] = {}
    rows = session.execute(
        select(InvoiceLine.product_id, InvoiceLine.quantity)
        .join(Invoice, InvoiceLine.invoice_id == Invoice.id)
        .where(Invoice.status == Status.ISSUED, InvoiceLine.product_id.is_not(None))
    )
    for product_id, quantity in rows:
        if product_id is not None:  # filtered in SQL; this tells the type checker
            issued[product_id] = issued.get(product_id, Decimal(0)) + quantity
    tracked = session.scalars(select(Product).where(Product.stock.is_not(None)))
    return all(p.stock == generate.LARGE_STOCK - issued.get(p.id, Decimal(0)) for p in tracked)


@contextmanager
def profiled(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(path)
        print(f"\n--- cProfile, top 30 by cumulative time (full profile: {path}) ---")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def run_case(
    url: str, label: str, *, drafts: int, workers: int, customers: int, products: int, profile: Path | None
) -> CaseResult:
    print(f"\n== {label}, {workers} worker(s): generating {drafts + WARMUP:,} drafts", flush=True)
    db = generate.open_database(url)
    try:
        data = generate.generate(db, customers=customers, products=products, drafts=drafts + WARMUP, quiet=True)
        baseline = measure_baseline(db, drafts, workers)
        issue = issue_one(db)
        run(data.draft_ids[:WARMUP], workers, issue)
        print(f"   issuing {drafts:,} invoices, one unit of work each", flush=True)
        load_average = os.getloadavg()[0]
        cpu_before = time.process_time()
        with profiled(profile):
            seconds, errors = run(data.draft_ids[WARMUP:], workers, issue)
        cpu = time.process_time() - cpu_before
        result = CaseResult(label, workers, drafts - len(errors), seconds, baseline, errors, cpu, load_average)
        with db.unit_of_work(write=False) as session:
            result.numbering_ok = check_numbering(session, data.series_id, drafts + WARMUP - len(errors))
            result.chain_ok = check_chain(session, data.series_id)
            result.stock_ok = check_stock(session)
        return result
    finally:
        db.dispose()


def print_table(results: Sequence[CaseResult]) -> None:
    header = (
        f"{'database':<10} {'workers':>7} {'invoices':>8} {'seconds':>8} {'invoices/s':>10} "
        f"{'baseline tx/s':>13} {'ratio':>6} {'CPU ms/inv':>10} {'load':>5}  {'target':<14} "
        f"{'1..N, chain, stock':<18}"
    )
    print("\n" + header)
    print("-" * len(header))
    for r in results:
        integrity = (
            "OK"
            if r.integrity_ok
            else (f"FAIL (numbers={r.numbering_ok} chain={r.chain_ok} stock={r.stock_ok} errors={len(r.errors)})")
        )
        print(
            f"{r.database:<10} {r.workers:>7} {r.invoices:>8,} {r.seconds:>8.2f} {r.rate:>10,.0f} "
            f"{r.baseline_tps:>13,.0f} {r.ratio:>6.2f} {r.cpu_ms_per_invoice:>10.2f} {r.load_average:>5.2f}  "
            f"{r.target:<14} {integrity}"
        )
    print(
        "CPU ms/inv: this process's CPU per invoice (all of it on SQLite; client side only on PostgreSQL).\n"
        f"load: 1-minute load average when timing started, on {os.cpu_count()} CPUs (other work shares them)."
    )
    for r in results:
        for message in r.errors[:5]:
            print(f"  error ({r.database}, {r.workers} workers): {message}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drafts", type=int, default=2000, help="invoices issued in each timed run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1], help="thread counts to run, e.g. 1 8")
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--products", type=int, default=100)
    parser.add_argument("--pg-admin-url", default=generate.DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--databases", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    parser.add_argument("--profile", type=Path, help="write a cProfile of the SQLite 1-worker run here")
    args = parser.parse_args(argv)
    if args.drafts < 1 or min(args.workers) < 1:
        parser.error("--drafts and --workers must be >= 1")

    results: list[CaseResult] = []
    pg_reason = generate.pg_unreachable_reason(args.pg_admin_url) if "postgresql" in args.databases else None
    with tempfile.TemporaryDirectory(prefix="facturo-bench-") as tmp:
        for workers in args.workers:
            sizes = {"drafts": args.drafts, "customers": args.customers, "products": args.products}
            if "sqlite" in args.databases:
                url = f"sqlite:///{Path(tmp) / f'issue-{workers}.sqlite3'}"
                profile = args.profile if workers == 1 else None
                results.append(run_case(url, "sqlite", workers=workers, profile=profile, **sizes))
            if "postgresql" in args.databases:
                if pg_reason:
                    print(f"\n== postgresql skipped: {args.pg_admin_url} is unreachable ({pg_reason})")
                    continue
                with generate.throwaway_pg_database(args.pg_admin_url) as url:
                    results.append(run_case(url, "postgresql", workers=workers, profile=None, **sizes))
    print_table(results)
    failed = any(not r.integrity_ok for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
