"""Auditor queries at size: the per-issuer summary and the document search over millions of
received documents, on SQLite and PostgreSQL (issue 13: "answered from indexes in well under a
second at millions of documents").

The index rows are written directly (``kit.bulk.bulk_insert``, the stored form), as the workers
would leave them: 2,000 issuers, one of them large (5 % of the documents), 18 months of issue
dates, 85 % accepted, 10 % of the documents credit notes. Then, best of five each:

- the summary of the large issuer over a year, and of a small one;
- the first search page of the large issuer, a page deep into it (after a cursor), and a page of
  rejected documents over a month.

    python bench/reception_queries.py                   # 2,000,000 documents
    python bench/reception_queries.py --documents 200000 --skip-pg
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import generate  # noqa: E402
from facturo.kit.bulk import bulk_insert  # noqa: E402
from facturo.kit.db import Database, make_engine, table_of  # noqa: E402
from facturo.kit.migrate import upgrade  # noqa: E402
from facturo.kit.pagination import KeysetParams  # noqa: E402
from facturo.reception import queries  # noqa: E402
from facturo.reception.models import ReceivedDocument, Submission  # noqa: E402

TARGET_SECONDS = 1.0
START = date(2025, 1, 1)
BIG = "90000001"
COLUMNS = (
    "id", "submission_id", "position", "file_name", "sha256", "size", "channel", "submitted_by", "received_at",
    "status", "attempts", "format", "document_type", "issuer_nit", "receiver_id", "series", "number",
    "issue_date", "currency", "taxable_total", "tax_total", "total", "finding_count",
)  # fmt: skip


def load(database: Database, count: int) -> None:
    rnd = random.Random(7)
    table = table_of(ReceivedDocument)
    moment = datetime(2026, 6, 1, tzinfo=UTC)
    with database.unit_of_work() as session:
        session.add(Submission(channel="api", submitted_by="bench", allowed_issuer_nits=None, refused=[]))
        session.flush()
        chunk: list[tuple[object, ...]] = []
        for i in range(1, count + 1):
            issuer = BIG if i % 20 == 0 else str(10_000_000 + rnd.randrange(2000))
            credit = i % 10 == 0
            status = "accepted" if rnd.random() < 0.85 else "rejected"
            total = rnd.randint(100, 5_000_000)  # cents
            chunk.append(
                (
                    i, 1, i, f"{i}.xml", f"{i:064x}", 2000, "api", "bench", moment, status, 1, "fel",
                    "NCRE" if credit else "FACT", issuer, "CF", "A", str(i),
                    START + timedelta(days=rnd.randrange(540)), "GTQ",
                    Decimal(total * 100 // 112).scaleb(-2), Decimal(total - total * 100 // 112).scaleb(-2),
                    Decimal(total).scaleb(-2), 0,
                )
            )  # fmt: skip
            if len(chunk) == 50_000:
                bulk_insert(session, table, COLUMNS, chunk)
                chunk = []
        bulk_insert(session, table, COLUMNS, chunk)
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()


def best(work: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def measure(name: str, url: str, count: int) -> None:
    database = Database(make_engine(url))
    upgrade(database.engine)
    start = time.perf_counter()
    load(database, count)
    print(f"{name}: {count:,} documents loaded in {time.perf_counter() - start:.1f} s")
    year = (date(2025, 1, 1), date(2025, 12, 31))
    with database.unit_of_work(write=False) as session:
        first = queries.search(session, queries.DocumentFilters(issuer_nit=BIG), KeysetParams(limit=50))
        deep = first
        for _ in range(20):
            deep = queries.search(
                session, queries.DocumentFilters(issuer_nit=BIG), KeysetParams(limit=50, cursor=deep.next_cursor)
            )
        cursor = deep.next_cursor
        cases: dict[str, Callable[[], object]] = {
            "summary, large issuer, one year": lambda: queries.issuer_summary(session, BIG, *year),
            "summary, small issuer, one year": lambda: queries.issuer_summary(session, "10000042", *year),
            "search, large issuer, page 1 (with total)": lambda: queries.search(
                session, queries.DocumentFilters(issuer_nit=BIG), KeysetParams(limit=50)
            ),
            "search, large issuer, page 22 (cursor)": lambda: queries.search(
                session, queries.DocumentFilters(issuer_nit=BIG), KeysetParams(limit=50, cursor=cursor)
            ),
            "search, rejected in a month, page 1 (no total)": lambda: queries.search(
                session,
                queries.DocumentFilters(status="rejected", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31)),
                KeysetParams(limit=50, with_total=False),
            ),
        }
        for label, work in cases.items():
            seconds = best(work)
            verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
            print(f"  {label}: {1000 * seconds:,.1f} ms ({verdict}: < {TARGET_SECONDS:.0f} s)")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=2_000_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--pg-admin-url", default=generate.DEFAULT_PG_ADMIN_URL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="facturo-rq-") as folder:
        measure("SQLite", f"sqlite:///{folder}/bench.sqlite3", args.documents)
    if not args.skip_pg:
        reason = generate.pg_unreachable_reason(args.pg_admin_url)
        if reason:
            print(f"PostgreSQL skipped: {reason}")
            return
        with generate.throwaway_pg_database(args.pg_admin_url) as url:
            measure("PostgreSQL", url, args.documents)


if __name__ == "__main__":
    main()
