"""Sequence audit at size (issue 14): a full recompute of the gaps of many received numbers against
a DuckDB window query (LAG over the same numbers) in the same run, and an incremental day.

The numbers: ``--issuers`` issuers with one invoice series each, ``--numbers`` numbers in all, and
planted gaps: about one missing number in 500 (single numbers and short runs), and for every 50th
issuer a jump of 20,000 (a suspected restart, default threshold 10,000). They are written as
accepted received documents (rows of ``reception_documents``, the columns the audit reads) into a
brand-new SQLite database; writing them is outside the clock.

1. recompute: ``sequence_audit.service.recompute`` over all of them (as one run, what the audit's
   history holds after one big sync), seconds and numbers/s;
2. DuckDB: the same numbers loaded into DuckDB (outside the clock), then the gaps by
   ``LAG(number) OVER (PARTITION BY issuer, series ORDER BY number)``, best of 3; the ratio
   recompute / DuckDB (target <= 2x) and the two gap counts, which must agree;
3. one day: ``--day`` new documents (the next numbers of each sequence, some filling planted
   gaps), then ``sync`` (the workers' hook): seconds (target < 1 s).

    python bench/audit_speed.py                                  # 10,000,000 numbers, 1,000 issuers
    python bench/audit_speed.py --numbers 1000000 --issuers 200
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.reception.mixed import valid_nit  # noqa: E402

from facturo.kit.db import Database, make_engine  # noqa: E402
from facturo.kit.migrate import upgrade  # noqa: E402
from facturo.reception.models import ReceivedDocument, Submission  # noqa: E402
from facturo.sequence_audit import service as audit  # noqa: E402

RATIO_TARGET = 2.0
DAY_TARGET_S = 1.0
RESTART_JUMP = 20_000
CHUNK = 50_000


class Plan:
    """The sequences: per issuer the numbers received, with the planted gaps left out."""

    def __init__(self, numbers: int, issuers: int, seed: int) -> None:
        rng = random.Random(seed)
        self.nits = [valid_nit(10_000_000 + i) for i in range(issuers)]
        per_issuer = numbers // issuers
        self.received: list[list[int]] = []
        self.missing: list[list[int]] = []
        for i in range(issuers):
            present, absent, n = [], [], 1
            while len(present) < per_issuer:
                if i % 50 == 49 and len(present) == per_issuer // 2:
                    n += RESTART_JUMP  # a suspected restart
                if rng.random() < 1 / 500:
                    run = rng.choice((1, 1, 1, 2, 3))
                    absent.extend(range(n, n + run))
                    n += run
                present.append(n)
                n += 1
            self.received.append(present)
            self.missing.append(absent)

    def rows(self, submission_id: int, start_day: date) -> Iterator[dict[str, object]]:
        position = 0
        now = datetime.now(UTC)
        for nit, numbers in zip(self.nits, self.received, strict=True):
            for n in numbers:
                position += 1
                yield _row(submission_id, position, nit, n, start_day + timedelta(days=n % 700), now)


def _row(submission_id: int, position: int, nit: str, number: int, day: date, now: datetime) -> dict[str, object]:
    return {
        "submission_id": submission_id,
        "position": position,
        "file_name": f"{nit}-{number}.json",
        "sha256": hashlib.sha256(f"{nit}:{number}".encode()).hexdigest(),
        "size": 500,
        "channel": "api",
        "submitted_by": "bench",
        "received_at": now,
        "status": "accepted",
        "processed_at": now,
        "format": "json",
        "document_type": "Invoice",
        "issuer_nit": nit,
        "series": "A",
        "number": str(number),
        "correlative": number,
        "issue_date": day,
    }


def _insert(database: Database, rows: Iterator[dict[str, object]]) -> int:
    table = ReceivedDocument.__table__
    written = 0
    chunk: list[dict[str, object]] = []
    with database.engine.begin() as connection:
        for row in rows:
            chunk.append(row)
            if len(chunk) == CHUNK:
                connection.execute(insert(table), chunk)
                written += len(chunk)
                chunk = []
        if chunk:
            connection.execute(insert(table), chunk)
            written += len(chunk)
    return written


def _submission(database: Database) -> int:
    with database.engine.begin() as connection:
        result = connection.execute(insert(Submission.__table__).values(channel="api", submitted_by="bench"))
        return int(result.inserted_primary_key[0])


def duckdb_gaps(plan: Plan, folder: Path) -> tuple[float, int, int]:
    """Best of 3 seconds for the LAG query, the gaps it finds and the restarts among them."""
    import duckdb

    numbers = folder / "numbers.csv"
    with numbers.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["issuer", "series", "number"])
        for nit, received in zip(plan.nits, plan.received, strict=True):
            writer.writerows((nit, "A", n) for n in received)
    connection = duckdb.connect()
    columns = "{'issuer': 'VARCHAR', 'series': 'VARCHAR', 'number': 'BIGINT'}"
    source = f"read_csv('{numbers}', header = true, columns = {columns})"
    connection.execute(f"CREATE TABLE numbers AS SELECT * FROM {source}")
    query = f"""
        SELECT count(*) FILTER (WHERE number - previous - 1 <= {RESTART_JUMP // 2}),
               count(*) FILTER (WHERE number - previous - 1 > {RESTART_JUMP // 2})
        FROM (
            SELECT number, lag(number) OVER (PARTITION BY issuer, series ORDER BY number) AS previous
            FROM numbers
        ) WHERE number - previous > 1
    """
    best = float("inf")
    found: tuple[int, int] = (0, 0)
    for _ in range(3):
        start = time.perf_counter()
        found = connection.execute(query).fetchone()  # type: ignore[assignment]
        best = min(best, time.perf_counter() - start)
    return best, int(found[0]), int(found[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--numbers", type=int, default=10_000_000)
    parser.add_argument("--issuers", type=int, default=1_000)
    parser.add_argument("--day", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    plan = Plan(args.numbers, args.issuers, args.seed)
    planted = sum(len(m) for m in plan.missing)
    restarts = sum(1 for i in range(args.issuers) if i % 50 == 49)
    print(f"{args.numbers:,} numbers over {args.issuers:,} issuers; {planted:,} planted missing, {restarts} restarts")
    with tempfile.TemporaryDirectory(prefix="facturo-audit-") as name:
        folder = Path(name)
        url = f"sqlite:///{folder}/bench.sqlite3"
        database = Database(make_engine(url))
        upgrade(database.engine)
        submission = _submission(database)
        start = time.perf_counter()
        written = _insert(database, plan.rows(submission, date(2024, 1, 1)))
        print(f"written {written:,} documents in {time.perf_counter() - start:.1f} s (outside the clock)")

        start = time.perf_counter()
        with database.unit_of_work() as session:
            result = audit.recompute(session)
        recompute_s = time.perf_counter() - start
        with database.engine.connect() as connection:
            gaps = connection.execute(text("SELECT count(*) FROM sequence_audit_gaps WHERE status = 'open'")).scalar()
        rate = written / recompute_s
        print(f"recompute: {recompute_s:.2f} s ({rate:,.0f} numbers/s), {gaps:,} open gap rows; {result}")

        try:
            lag_s, lag_gaps, lag_restarts = duckdb_gaps(plan, folder)
        except ImportError:
            print("DuckDB is not installed (./dev setup installs it): comparison skipped")
        else:
            ratio = recompute_s / lag_s
            verdict = "met" if ratio <= RATIO_TARGET else "NOT met"
            if lag_gaps + lag_restarts != gaps:
                raise SystemExit(f"the recompute found {gaps:,} gaps, DuckDB {lag_gaps + lag_restarts:,}")
            print(
                f"DuckDB LAG: {lag_s:.3f} s, {lag_gaps:,} gaps and {lag_restarts} restarts; recompute / DuckDB = "
                f"{ratio:.1f}x (target <= {RATIO_TARGET:.0f}x: {verdict})"
            )

        rng = random.Random(args.seed + 1)
        now = datetime.now(UTC)
        day_rows = []
        for k in range(args.day):
            i = k % args.issuers
            if plan.missing[i] and rng.random() < 0.05:
                n = plan.missing[i].pop()  # a late document fills a gap
            else:
                n = plan.received[i][-1] + 1
                plan.received[i].append(n)
            day_rows.append(_row(submission, written + k + 1, plan.nits[i], n, date(2026, 12, 6), now))
        _insert(database, iter(day_rows))
        start = time.perf_counter()
        synced = audit.sync(database)
        day_s = time.perf_counter() - start
        verdict = "met" if day_s < DAY_TARGET_S else "NOT met"
        print(f"one day of {args.day:,} documents: sync {day_s:.2f} s ({synced}); target < 1 s: {verdict}")


if __name__ == "__main__":
    main()
