"""Keyset lists hold at depth: page 1 against page 1000 of GET /api/v1/invoices (and the other
lists) on 100,000 invoices, for every filter, SQLite and PostgreSQL.

For each filter the bench walks the cursors from page 1 to page ``--depth`` (untimed, through the
API like a client), then times, over ``--reps`` rounds, the request of page 1 and the request of
page ``--depth`` (the same ``?cursor=``), and the old offset request ``?page=<depth>`` as the
"before" reference. Figures per request: server time (an ASGI wrapper around the real app, from the
request reaching the app to the last byte) and the CPU time of the process (server and client
share it; much steadier than wall time on a shared machine). Printed: medians, the ratio
page<depth>/page1 (target <= 1.5, taken in the same round, so the machine's load cancels out) and
offset/keyset at the same depth, with the load average beside them.

    .venv/bin/python bench/list_speed.py                       # SQLite file in /tmp, 100k invoices
    .venv/bin/python bench/list_speed.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/list_speed.py --db sqlite:////tmp/lists.sqlite3 --keep   # reuse the data

The data comes from ``generate.generate_fast`` (invoices issued through ``invoicing.issue_batch``,
one batch per day over two years, three in five paid, one in ten half paid). On PostgreSQL a
throwaway database is created and dropped (``generate.throwaway_pg_database``).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("FACTURO_JWT_SECRET", secrets.token_urlsafe(48))

from fastapi.testclient import TestClient
from sqlalchemy import func, select

import generate
from facturo.api.app import create_app
from facturo.auth import users
from facturo.invoicing.models import Invoice
from facturo.kit.access import Role
from facturo.kit.config import Settings
from facturo.kit.db import Database, make_engine
from facturo.kit.pagination import MAX_PAGE_SIZE

EMAIL = "list-speed@bench.invalid"
PASSWORD = "list-speed-bench-only"  # a throwaway bench database's admin
TARGET_RATIO = 1.5


class ServerTimer:
    """ASGI wrapper: how long the app takes per HTTP request, up to the end of the response body."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.last = 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.last = (time.perf_counter() - started) * 1000

        await self.app(scope, receive, timed_send)


@dataclass
class Timing:
    server_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)

    @property
    def server(self) -> float:
        return statistics.median(self.server_ms)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_ms)


@dataclass
class Row:
    label: str
    url: str
    first: Timing = field(default_factory=Timing)  # page 1 without the count (with_total=false)
    counted: Timing = field(default_factory=Timing)  # page 1 as clients get it by default, counted
    deep: Timing = field(default_factory=Timing)
    offset: Timing = field(default_factory=Timing)
    ratios: list[float] = field(default_factory=list)  # deep/first server time, per round
    cpu_ratios: list[float] = field(default_factory=list)  # deep/first CPU time, per round
    note: str = ""


def timed(client: TestClient, timer: ServerTimer, url: str, params: dict[str, Any], into: Timing) -> Any:
    cpu = time.process_time()
    answer = client.get(url, params=params)
    into.cpu_ms.append((time.process_time() - cpu) * 1000)
    into.server_ms.append(timer.last)
    if answer.status_code != 200:
        raise SystemExit(f"{url} {params}: {answer.status_code} {answer.text[:300]}")
    return answer.json()


def walk(client: TestClient, url: str, params: dict[str, Any], depth: int) -> tuple[str | None, int]:
    """The cursor of page ``depth`` (following next_cursor from page 1) and the page reached.

    A cursor is the sort key of the last row before it, so ``k`` pages of ``limit`` rows end where
    one page of ``k * limit`` rows ends: the walk takes pages as long as the API allows (500) that
    add up exactly to the ``depth - 1`` pages before the timed one."""
    limit = int(params["limit"])
    step = max(k for k in range(1, MAX_PAGE_SIZE // limit + 1) if (depth - 1) % k == 0)
    cursor = None
    for walked in range(0, depth - 1, step):
        body = client.get(url, params=params | {"limit": limit * step} | ({"cursor": cursor} if cursor else {})).json()
        if body["next_cursor"] is None:
            return cursor, 1 + walked
        cursor = body["next_cursor"]
    return cursor, depth


def measure(client: TestClient, timer: ServerTimer, row: Row, params: dict[str, Any], depth: int, reps: int) -> None:
    cursor, reached = walk(client, row.url, params, depth)
    if reached < depth:
        row.note = f"only {reached} pages"
    deep = params | ({"cursor": cursor} if cursor else {})
    old = params | {"page": reached}
    for request in (params, deep, old):  # warm-up: statements compiled, pages cached
        client.get(row.url, params=request)
    for _ in range(reps):
        timed(client, timer, row.url, params, row.counted)
        timed(client, timer, row.url, params | {"with_total": "false"}, row.first)
        first, first_cpu = timer.last, row.first.cpu_ms[-1]
        timed(client, timer, row.url, deep, row.deep)
        row.ratios.append(timer.last / first if first else 0.0)
        row.cpu_ratios.append(row.deep.cpu_ms[-1] / first_cpu if first_cpu else 0.0)
        timed(client, timer, row.url, old, row.offset)


def filters(database: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with database.unit_of_work(write=False) as session:
        big = session.execute(
            select(Invoice.customer_id, func.count()).group_by(Invoice.customer_id).order_by(func.count().desc())
        ).first()
        customer_id = big[0] if big else 1
        newest = session.scalar(select(func.max(Invoice.issue_date)))
    year_ago = newest.replace(year=newest.year - 1).isoformat() if newest else "2025-01-01"
    inv = "/api/v1/invoices"
    return [
        ("invoices, no filter", inv, {}),
        ("invoices status=issued", inv, {"status": "issued"}),
        ("invoices status=paid", inv, {"status": "paid"}),
        (f"invoices customer_id={customer_id}", inv, {"customer_id": customer_id}),
        ("invoices from/to (1 year)", inv, {"from": year_ago, "to": newest.isoformat() if newest else None}),
        ("invoices document_type=invoice", inv, {"document_type": "invoice"}),
        ("invoices overdue=true", inv, {"overdue": "true"}),
        ("payments, no filter", "/api/v1/payments", {}),
        (f"payments customer_id={customer_id}", "/api/v1/payments", {"customer_id": customer_id}),
        ("payments method=cheque", "/api/v1/payments", {"method": "cheque"}),
        ("customers, no filter", "/api/v1/customers", {}),
    ]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def report(rows: list[Row], depth: int, dialect: str) -> bool:
    print(f"\n{dialect}: median server ms (CPU ms) per request; ratio = page {depth} / page 1 in the same round")
    print(
        f"{'list':<36} {'page 1 +total':>14} {'page 1':>14} {f'page {depth}':>14} {'ratio':>6} {'cpu':>5}"
        f"  {f'?page={depth} (before)':>22} {'offset/keyset':>13}"
    )
    ok = True
    for row in rows:
        ratio = statistics.median(row.ratios)
        cpu_ratio = statistics.median(row.cpu_ratios)
        # Judged on CPU time: on a shared 2-core machine wall time moves with other processes.
        ok &= cpu_ratio <= TARGET_RATIO or bool(row.note)
        verdict = "ok" if cpu_ratio <= TARGET_RATIO else "FAIL"
        print(
            f"{row.label:<36} {row.counted.server:7.1f} ({row.counted.cpu:4.1f})"
            f" {row.first.server:7.1f} ({row.first.cpu:4.1f})"
            f" {row.deep.server:7.1f} ({row.deep.cpu:4.1f}) {ratio:6.2f} {cpu_ratio:5.2f}"
            f"  {row.offset.server:13.1f} ({row.offset.cpu:5.1f}) {row.offset.server / row.deep.server:12.1f}x"
            f"  {verdict} {row.note}"
        )
    print(f"target: ratio <= {TARGET_RATIO} (judged on the CPU ratio); load average {load_average()}")
    return ok


@contextmanager
def database_for(args: argparse.Namespace) -> Iterator[str]:
    if args.pg:
        reason = generate.pg_unreachable_reason(args.pg)
        if reason:
            raise SystemExit(f"PostgreSQL unavailable: {reason}")
        with generate.throwaway_pg_database(args.pg) as url:
            yield url
        return
    if args.db:
        yield args.db
        return
    with tempfile.TemporaryDirectory(prefix="facturo-list-speed-") as folder:
        yield f"sqlite:///{folder}/lists.sqlite3"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="SQLite URL to build (or reuse with --keep)")
    parser.add_argument("--pg", help="PostgreSQL admin URL: a throwaway database is created there")
    parser.add_argument("--keep", action="store_true", help="reuse the data already in --db")
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--depth", type=int, default=1000, help="the deep page (default 1000)")
    parser.add_argument("--limit", type=int, default=50, help="items per page")
    parser.add_argument("--reps", type=int, default=5, help="timed rounds per list")
    args = parser.parse_args(argv)
    if min(args.invoices, args.depth, args.limit, args.reps) < 1:
        parser.error("counts must be at least 1")

    with database_for(args) as url:
        reuse = bool(args.keep and args.db)
        database = Database(make_engine(url)) if reuse else generate.open_database(url, replace=not args.pg)
        try:
            if not reuse:
                started = time.perf_counter()
                generate.generate_fast(database, customers=args.customers, issued=args.invoices, drafts=200)
                print(f"generated {args.invoices:,} invoices in {time.perf_counter() - started:.0f} s")
            with database.unit_of_work() as session:
                if users.find_by_email(session, EMAIL) is None:
                    users.create_user(session, generate.ACTOR, EMAIL, "List speed bench", PASSWORD, Role.ADMIN)
            print(f"database: {database.dialect}, {generate.table_counts(database)['invoices']:,} invoices")
            rows: list[Row] = []
            with tempfile.TemporaryDirectory(prefix="facturo-list-speed-app-") as data_dir:
                app = create_app(Settings(data_dir=Path(data_dir), auto_migrate=False), database=database)
                timer = ServerTimer(app)
                with TestClient(timer, raise_server_exceptions=True) as client:
                    token = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
                    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
                    for label, path, params in filters(database):
                        row = Row(label, path)
                        measure(client, timer, row, params | {"limit": args.limit}, args.depth, args.reps)
                        rows.append(row)
                        print(f"  measured {label} (load {load_average()})", flush=True)
            return 0 if report(rows, args.depth, database.dialect) else 1
        finally:
            database.dispose()


if __name__ == "__main__":
    sys.exit(main())
