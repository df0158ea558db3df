"""Synthetic facturo data for benchmarks, built through the service layer.

Everything goes through the same services the API uses (NIT normalisation, uniqueness checks,
catalog snapshots, audit records), so the data is exactly what production would hold. Only the
transaction granularity differs: many objects share one unit of work, which is what makes
10,000 customers or 100,000 drafts a matter of minutes instead of hours.

CLI::

    python bench/generate.py --db sqlite:////tmp/bench.sqlite3 --customers 1000 --products 200 \
        --drafts 10000 --issued 10000

Fast mode (``--fast-issued N``, ``generate_fast``): N invoices issued through
``invoicing.issue_batch`` (the batch service a usage billing run uses: numbering, hash chain, line
snapshots, history), one batch per business day over two years, oldest first; then three in five
are paid in full and one in ten half paid with bulk ``INSERT … SELECT`` of the payment and split
rows a cash payment writes, and the invoices' ``paid_total``/status set to match (no payment
history records: lists do not read them). 100,000 invoices take about a minute instead of 35.

Importable: ``issue_rate.py`` and ``read_load.py`` call ``open_database``, ``generate`` and the
PostgreSQL helpers below.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from sqlalchemy import bindparam, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from stdnum.gt import nit as gt_nit

from facturo.catalog import service as catalog
from facturo.catalog.schemas import CategoryIn, ProductIn
from facturo.customers import service as customers
from facturo.customers.schemas import CustomerIn
from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import DraftIn, LineIn
from facturo.kit import clock
from facturo.kit.actor import Actor
from facturo.kit.db import Database, make_engine
from facturo.kit.db_types import UTCDateTime
from facturo.kit.migrate import upgrade
from facturo.organisation import service as organisation
from facturo.organisation.models import Issuer
from facturo.organisation.schemas import IssuerIn

ACTOR = Actor("system", "bench", "facturo bench")
DEFAULT_BATCH = 500
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

ISSUER_NIT_BODY = 1234567
# Customers get 8-digit bodies, so they can never collide with the issuer's 7-digit one.
CUSTOMER_NIT_BASE = 10_000_000
# Tracked products start with enough stock that no benchmark run can exhaust it: running out is
# a business error, and it would turn a throughput figure into an error count.
LARGE_STOCK = Decimal("1000000000")
CATEGORIES = (
    ("Servicios profesionales", "SRV"),
    ("Equipo de cómputo", "EQP"),
    ("Suministros de oficina", "SUM"),
    ("Licencias de software", "LIC"),
)
FREE_TEXT_LINES = (
    "Servicio de consultoría",
    "Soporte técnico mensual",
    "Capacitación en sitio",
    "Flete y entrega",
)

T = TypeVar("T")
R = TypeVar("R")


def nit_for(body: int) -> str:
    """A valid Guatemalan NIT for ``body``: the check digit is computed, never guessed."""
    digits = str(body)
    return f"{digits}-{gt_nit.calc_check_digit(digits)}"


def cents(value: int) -> Decimal:
    """An exact two-place Decimal from an integer number of cents."""
    return Decimal(value).scaleb(-2)


class Progress:
    """Prints done/total and the rate at most once a second, and always at the end."""

    def __init__(self, label: str, total: int, *, quiet: bool = False) -> None:
        self.label, self.total, self.quiet = label, total, quiet
        self.started = self._last = time.perf_counter()
        self.done = 0

    def update(self, done: int) -> None:
        self.done = done
        now = time.perf_counter()
        if not self.quiet and (now - self._last >= 1.0 or done >= self.total):
            self._last = now
            elapsed = now - self.started
            rate = done / elapsed if elapsed > 0 else 0.0
            print(f"  {self.label:<10} {done:>8,}/{self.total:,}  {elapsed:7.1f} s  {rate:9,.0f}/s", flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def in_batches(
    db: Database,
    items: Sequence[T],
    work: Callable[[Session, T], R],
    *,
    label: str,
    batch: int = DEFAULT_BATCH,
    quiet: bool = False,
) -> list[R]:
    """Apply ``work`` to every item, ``batch`` items per write unit of work."""
    results: list[R] = []
    progress = Progress(label, len(items), quiet=quiet)
    for start in range(0, len(items), batch):
        with db.unit_of_work() as session:
            results.extend(work(session, item) for item in items[start : start + batch])
        progress.update(len(results))
    return results


@dataclass
class Dataset:
    issuer_id: int
    series_id: int
    category_ids: list[int] = field(default_factory=list)
    customer_ids: list[int] = field(default_factory=list)
    product_ids: list[int] = field(default_factory=list)
    draft_ids: list[int] = field(default_factory=list)
    issued_ids: list[int] = field(default_factory=list)


# --- databases -------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def open_database(url: str, *, replace: bool = False) -> Database:
    """Migrate ``url`` to head and refuse to write into a database that already holds an
    organisation: generated figures are only comparable on a fresh schema."""
    path = _sqlite_path(url)
    if path is not None and path.exists():
        if not replace:
            raise SystemExit(f"{path} already exists; pass --replace to start from scratch")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = Database(make_engine(url))
    upgrade(db.engine)
    with db.unit_of_work(write=False) as session:
        if session.scalar(select(func.count()).select_from(Issuer)):
            db.dispose()
            raise SystemExit(f"{make_url(url).render_as_string()} already has an organisation; use a fresh database")
    return db


def pg_unreachable_reason(admin_url: str) -> str | None:
    """None when the server answers, otherwise why not (for a clear 'skipped' message)."""
    engine = create_engine(admin_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        engine.dispose()
    return None


@contextmanager
def throwaway_pg_database(admin_url: str = DEFAULT_PG_ADMIN_URL) -> Iterator[str]:
    """A new, empty ``facturo_bench_<random>`` database, dropped (even if in use) on exit."""
    name = f"facturo_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- generators ------------------------------------------------------------------------------


def create_organisation(db: Database) -> Dataset:
    with db.unit_of_work() as session:
        issuer = organisation.save_profile(
            session,
            ACTOR,
            IssuerIn(
                name="Distribuidora La Ceiba, S.A.",
                trade_name="La Ceiba",
                nit=nit_for(ISSUER_NIT_BODY),
                address="6a. Avenida 12-34, Zona 10, Guatemala",
            ),
        )
        invoicing.ensure_default_series(session, ACTOR, issuer.id)
        series_id = invoicing.default_series(session, issuer.id, "invoice").id
        return Dataset(issuer_id=issuer.id, series_id=series_id)


def customer_in(index: int, rng: random.Random) -> CustomerIn:
    # One customer in fifty is "consumidor final", which is exempt from NIT uniqueness.
    nit = "CF" if index % 50 == 49 else nit_for(CUSTOMER_NIT_BASE + index)
    return CustomerIn(
        nit=nit,
        name=f"Comercial {index:06d}, S.A.",
        address=f"{rng.randint(1, 30)}a. Calle {rng.randint(1, 40)}-{rng.randint(1, 99)}, Zona {rng.randint(1, 21)}",
        email=f"compras{index}@cliente{index % 997}.com.gt",
        payment_terms_days=rng.choice((0, 15, 30, 30, 60)),
    )


def create_customers(
    db: Database, count: int, rng: random.Random, *, batch: int = DEFAULT_BATCH, quiet: bool = False
) -> list[int]:
    def one(session: Session, index: int) -> int:
        return customers.create_customer(session, ACTOR, customer_in(index, rng)).id

    return in_batches(db, range(count), one, label="customers", batch=batch, quiet=quiet)


def create_categories(db: Database) -> list[int]:
    with db.unit_of_work() as session:
        return [catalog.create_category(session, ACTOR, CategoryIn(name=name)).id for name, _ in CATEGORIES]


def product_in(index: int, category_ids: Sequence[int], rng: random.Random) -> ProductIn:
    slot = index % len(CATEGORIES)
    name, prefix = CATEGORIES[slot]
    is_service = slot == 0
    return ProductIn(
        code=f"{prefix}-{index:05d}",
        name=f"{name} #{index}",
        kind="service" if is_service else "good",
        unit="hora" if is_service else "unidad",
        unit_price=cents(rng.randint(500, 250_000)),
        price_includes_tax=rng.random() > 0.1,
        category_id=category_ids[slot],
        # Half of the goods track stock, so issuing exercises the stock locks too.
        stock=LARGE_STOCK if not is_service and index % 2 == 1 else None,
    )


def create_products(
    db: Database,
    count: int,
    category_ids: Sequence[int],
    rng: random.Random,
    *,
    batch: int = DEFAULT_BATCH,
    quiet: bool = False,
) -> list[int]:
    def one(session: Session, index: int) -> int:
        return catalog.create_product(session, ACTOR, product_in(index, category_ids, rng)).id

    return in_batches(db, range(count), one, label="products", batch=batch, quiet=quiet)


def random_line(product_ids: Sequence[int], rng: random.Random) -> LineIn:
    if product_ids and rng.random() < 0.8:
        return LineIn(product_id=rng.choice(product_ids), quantity=Decimal(rng.randint(1, 10)))
    price = rng.randint(1_000, 500_000)
    return LineIn(
        description=rng.choice(FREE_TEXT_LINES),
        quantity=rng.choice((Decimal(1), Decimal(2), Decimal("0.5"), Decimal("1.25"))),
        unit_price=cents(price),
        discount=cents(rng.randint(0, price // 10)) if rng.random() < 0.2 else Decimal(0),
    )


def draft_in(customer_ids: Sequence[int], product_ids: Sequence[int], rng: random.Random) -> DraftIn:
    return DraftIn(
        customer_id=rng.choice(customer_ids),
        lines=[random_line(product_ids, rng) for _ in range(rng.randint(1, 5))],
    )


def create_drafts(
    db: Database,
    count: int,
    customer_ids: Sequence[int],
    product_ids: Sequence[int],
    rng: random.Random,
    *,
    batch: int = DEFAULT_BATCH,
    quiet: bool = False,
) -> list[int]:
    if not customer_ids:
        raise ValueError("drafts need at least one customer")

    def one(session: Session, _index: int) -> int:
        return invoicing.create_draft(session, ACTOR, draft_in(customer_ids, product_ids, rng)).id

    return in_batches(db, range(count), one, label="drafts", batch=batch, quiet=quiet)


def issue_drafts(
    db: Database, draft_ids: Sequence[int], *, batch: int = DEFAULT_BATCH, quiet: bool = False
) -> list[int]:
    """Issue in batches (fast setup). Measuring issuing is issue_rate.py's job, one per unit."""

    def one(session: Session, draft_id: int) -> int:
        return invoicing.issue_invoice(session, ACTOR, draft_id).id

    return in_batches(db, draft_ids, one, label="issued", batch=batch, quiet=quiet)


def generate(
    db: Database,
    *,
    customers: int,
    products: int,
    drafts: int,
    issued: int = 0,
    seed: int = 20261121,
    batch: int = DEFAULT_BATCH,
    quiet: bool = False,
) -> Dataset:
    if issued > drafts:
        raise ValueError(f"cannot issue {issued} invoices out of {drafts} drafts")
    rng = random.Random(seed)
    data = create_organisation(db)
    data.category_ids = create_categories(db)
    data.customer_ids = create_customers(db, customers, rng, batch=batch, quiet=quiet)
    data.product_ids = create_products(db, products, data.category_ids, rng, batch=batch, quiet=quiet)
    data.draft_ids = create_drafts(db, drafts, data.customer_ids, data.product_ids, rng, batch=batch, quiet=quiet)
    data.issued_ids = issue_drafts(db, data.draft_ids[:issued], batch=batch, quiet=quiet)
    return data


def _batch_invoices(customer_ids: Sequence[int], count: int, rng: random.Random) -> list[invoicing.BatchInvoice]:
    def line(k: int) -> invoicing.BatchLine:
        return invoicing.BatchLine(
            description=FREE_TEXT_LINES[k % len(FREE_TEXT_LINES)],
            quantity=Decimal(rng.randint(1, 20)),
            unit_price=cents(rng.randint(1_000, 150_000)),
            unit="unidad",
        )

    # One large account takes three in ten invoices, so a customer filter reaches deep pages too.
    return [
        invoicing.BatchInvoice(
            customer_ids[0] if rng.random() < 0.3 else rng.choice(customer_ids),
            [line(k) for k in range(rng.randint(1, 3))],
        )
        for _ in range(count)
    ]


def settle_in_bulk(db: Database) -> None:
    """Three in five invoices paid in full, one in ten half paid: the payment and split rows a cash
    payment received on the due date (or the issue date) writes, and the invoices' settlement."""
    with db.unit_of_work() as session:
        now = ":now"
        params = {"now": clock.now()}
        full = "invoices.id % 10 < 6"
        half = "invoices.id % 10 = 6"
        for share, amount in ((full, "invoices.total"), (half, "invoices.total / 2")):
            session.execute(
                text(
                    "INSERT INTO payments (invoice_id, customer_id, received_on, amount, currency, notes, status,"
                    " reversal_reason, created_at, updated_at)"
                    f" SELECT id, customer_id, issue_date, {amount}, currency, '', 'active', '', {now}, {now}"
                    f" FROM invoices WHERE status = 'issued' AND document_type = 'invoice' AND {share}"
                ).bindparams(bindparam("now", type_=UTCDateTime())),
                params,
            )
        session.execute(
            text(
                "INSERT INTO payment_splits (payment_id, method, amount, reference)"
                " SELECT id, CASE WHEN id % 3 = 0 THEN 'cash' WHEN id % 3 = 1 THEN 'bank_transfer' ELSE 'cheque' END,"
                " amount, '' FROM payments"
                " WHERE NOT EXISTS (SELECT 1 FROM payment_splits s WHERE s.payment_id = payments.id)"
            )
        )
        session.execute(
            text(f"UPDATE invoices SET paid_total = total, status = 'paid' WHERE status = 'issued' AND {full}")
        )
        session.execute(
            text(
                "UPDATE invoices SET paid_total = total / 2, status = 'partially_paid'"
                f" WHERE status = 'issued' AND {half}"
            )
        )


def generate_fast(
    db: Database,
    *,
    customers: int,
    issued: int,
    drafts: int = 200,
    days: int = 730,
    seed: int = 20261121,
    quiet: bool = False,
) -> Dataset:
    """``issued`` invoices through the batch service over ``days`` business days ending today,
    settled in bulk (``settle_in_bulk``), plus ``drafts`` drafts; then ANALYZE."""
    rng = random.Random(seed)
    data = create_organisation(db)
    data.category_ids = create_categories(db)
    data.customer_ids = create_customers(db, customers, rng, quiet=quiet)
    today = clock.today("America/Guatemala")  # the organisation's default time zone
    per_day, extra = divmod(issued, days)
    progress = Progress("issued", issued, quiet=quiet)
    for day_index in range(days):
        count = per_day + (1 if day_index < extra else 0)
        if not count:
            continue
        day = today - timedelta(days=days - day_index)
        with db.unit_of_work() as session:
            done = invoicing.issue_batch(session, ACTOR, _batch_invoices(data.customer_ids, count, rng), day)
        data.issued_ids += [summary.invoice_id for summary in done]
        progress.update(len(data.issued_ids))
    settle_in_bulk(db)
    data.draft_ids = create_drafts(db, drafts, data.customer_ids, [], rng, quiet=quiet)
    analyze(db)
    return data


def analyze(db: Database) -> None:
    """Fresh planner statistics after a bulk load (both databases)."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def table_counts(db: Database) -> dict[str, int]:
    names = inspect(db.engine).get_table_names()
    with db.unit_of_work(write=False) as session:
        return {
            name: int(session.scalar(text(f'SELECT COUNT(*) FROM "{name}"')) or 0)
            for name in sorted(names)
            if name != "alembic_version"
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of a fresh database (SQLite file or PostgreSQL)")
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--drafts", type=int, default=5000)
    parser.add_argument("--issued", type=int, default=0, help="issue the first N drafts (default 0)")
    parser.add_argument(
        "--fast-issued", type=int, default=0, help="fast mode: N invoices through issue_batch, settled in bulk"
    )
    parser.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="objects per unit of work")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--replace", action="store_true", help="delete an existing SQLite file first")
    args = parser.parse_args(argv)
    if args.customers < 1 or min(args.products, args.drafts, args.issued) < 0 or args.batch < 1:
        parser.error("--customers must be >= 1; counts must not be negative; --batch >= 1")
    if args.issued > args.drafts:
        parser.error("--issued cannot exceed --drafts")

    started = time.perf_counter()
    db = open_database(args.db, replace=args.replace)
    try:
        print(f"generating into {make_url(args.db).render_as_string()} ({db.dialect})", flush=True)
        if args.fast_issued:
            generate_fast(db, customers=args.customers, issued=args.fast_issued, drafts=args.drafts, seed=args.seed)
        else:
            generate(
                db,
                customers=args.customers,
                products=args.products,
                drafts=args.drafts,
                issued=args.issued,
                seed=args.seed,
                batch=args.batch,
            )
        counts = table_counts(db)
    finally:
        db.dispose()
    elapsed = time.perf_counter() - started
    records = sum(counts.values())
    print(f"done in {elapsed:.1f} s: {records:,} rows ({records / elapsed:,.0f} rows/s)")
    for name, count in counts.items():
        print(f"  {name:<22} {count:>10,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
