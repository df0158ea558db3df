"""Server time of the heaviest web pages: GET /dashboard and GET /invoices, target < 300 ms.

Runs the real app in process (FastAPI TestClient, no network) against a database built by
``bench/generate.py``, signed in through the login form as a browser is. For each page it reports,
over ``--requests`` requests after ``--warmup`` untimed ones:

* the server time (an ASGI wrapper around the app: from the request reaching the app to the last
  byte of the answer), median and p95; the verdict is on the p95;
* the CPU time of this process per request (server and client share the process; the client's
  part is small): much steadier than wall time on a shared machine.

The dashboard is timed three ways (docs/web.md, "Dashboard figures"):

* **warm**: its year memo filled by the warm-up, nothing changed since (the common case);
* **after a change** (``--changes``): one new invoice issued today before each request, so each
  request re-reads the changed slot. This writes invoices into the database: use a throwaway copy;
* **cold**: the memo dropped before each request, as for the first view after the server starts.

Then the dashboard's queries alone (``reports.dashboard``), cold and warm, and each part.

    .venv/bin/python bench/generate.py --db sqlite:////tmp/dash.sqlite3 --customers 10000 \\
        --products 500 --drafts 100000 --issued 100000 --replace
    .venv/bin/python bench/page_speed.py --db sqlite:////tmp/dash.sqlite3 [--changes]

The first run adds one admin user (``page-speed@bench.invalid``) to sign in with. A page that does
not exist yet (404) is reported as such. Exit code 1 if a page answers an error or misses the target
at p95, the cold dashboard excepted (it is reported, not judged).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

# A signing key for this process only, so the app never writes one into ./var.
os.environ.setdefault("FACTURO_JWT_SECRET", secrets.token_urlsafe(48))

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.api.app import create_app
from facturo.auth import users
from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.invoicing.schemas import DraftIn, LineIn
from facturo.kit import clock
from facturo.kit.access import Role
from facturo.kit.actor import Actor
from facturo.kit.config import Settings
from facturo.kit.db import Database, make_engine
from facturo.organisation import service as organisation
from facturo.reports import dashboard as figures

TARGET_MS = 300.0
EMAIL = "page-speed@bench.invalid"
PASSWORD = "page-speed-bench-only"  # a throwaway bench database's admin, nothing to protect
ACTOR = Actor("system", "bench", "facturo bench")
MEMO = "dashboard_year_memo"  # where web/dashboard.py keeps the app's memo


class ServerTimer:
    """ASGI wrapper: how long the app takes per HTTP request, up to the end of the response body."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                self.times.append((time.perf_counter() - started) * 1000)

        await self.app(scope, receive, timed_send)


@dataclass
class Figures:
    label: str
    samples: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    note: str = ""
    judged: bool = True

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ensure_user(database: Database) -> None:
    """An admin to sign in with, created on the first run."""
    with database.unit_of_work() as session:
        if users.find_by_email(session, EMAIL) is None:
            users.create_user(session, ACTOR, EMAIL, "Page speed bench", PASSWORD, Role.ADMIN)


def sign_in(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/login", data={"csrf_token": token, "login": EMAIL, "password": PASSWORD})
    if answer.status_code != 303:
        raise SystemExit(f"could not sign in: {answer.status_code} {answer.text[:300]}")


def issue_one(database: Database) -> None:
    """A change the dashboard must show: one more invoice, issued today."""
    with database.unit_of_work() as session:
        customer_id = session.scalar(select(func.min(Invoice.customer_id)))
        assert customer_id is not None
        line = LineIn(description="Servicio (page speed)", quantity=Decimal(1), unit_price=Decimal("112.00"))
        draft = invoicing.create_draft(session, ACTOR, DraftIn(customer_id=customer_id, lines=[line]))
        invoicing.issue_invoice(session, ACTOR, draft.id)


def time_page(
    client: TestClient,
    timer: ServerTimer,
    path: str,
    label: str,
    requests: int,
    warmup: int,
    before: Callable[[], None] | None = None,
) -> Figures:
    """The page's server and CPU times; ``before`` runs (untimed) before each timed request."""
    for _ in range(warmup):
        answer = client.get(path)
        if answer.status_code != 200:
            missing = answer.status_code == 404
            note = "not built yet (404): skipped" if missing else f"answered {answer.status_code}: FAIL"
            return Figures(f"GET {path}", note=note, judged=not missing)
    result = Figures(f"GET {path} ({label})")
    for _ in range(requests):
        if before is not None:
            before()
        timer.times.clear()
        cpu = time.process_time()
        answer = client.get(path)
        result.cpu.append((time.process_time() - cpu) * 1000)
        if answer.status_code != 200:
            result.note = f"answered {answer.status_code}: FAIL"
            return result
        result.samples.extend(timer.times)
    return result


def time_calls(database: Database, label: str, call: Callable[[Session], object], runs: int, warmup: int) -> Figures:
    result = Figures(label, judged=not label.startswith(" "))
    with database.unit_of_work(write=False) as session:
        for index in range(warmup + runs):
            started, cpu = time.perf_counter(), time.process_time()
            call(session)
            if index >= warmup:
                result.samples.append((time.perf_counter() - started) * 1000)
                result.cpu.append((time.process_time() - cpu) * 1000)
    return result


def query_figures(database: Database, runs: int, warmup: int) -> list[Figures]:
    with database.unit_of_work(write=False) as session:
        today = clock.today(organisation.own_issuer(session).timezone)
        months = (figures.month_start(today, figures.MONTHS - 1), today.replace(month=12, day=31))
        year_start = today.replace(month=1, day=1)
        days = figures.billed_by_day(session, *months)
        versions = {day: f.version for day, f in days.items() if day >= year_start}
    warm = figures.YearMemo()
    return [
        time_calls(database, "dashboard queries, warm memo", lambda s: figures.dashboard(s, memo=warm), runs, warmup),
        time_calls(database, "  billed by day (12 months)", lambda s: figures.billed_by_day(s, *months), runs, warmup),
        time_calls(database, "  outstanding/overdue/due", lambda s: figures.owed(s, today), runs, warmup),
        time_calls(
            database,
            "  due-soon list (alerts)",
            lambda s: invoicing.alerts(s, today, figures.DUE_SOON_DAYS, limit=figures.DUE_SOON_LISTED),
            runs,
            warmup,
        ),
        time_calls(database, "  year breakdowns, warm", lambda s: warm.totals(s, versions), runs, warmup),
        time_calls(database, "  year breakdowns, cold", lambda s: figures.YearMemo().totals(s, versions), runs, 1),
    ]


def describe(database: Database) -> str:
    with database.unit_of_work(write=False) as session:
        invoices = session.scalar(select(func.count()).select_from(Invoice).where(Invoice.status != "draft"))
        drafts = session.scalar(select(func.count()).select_from(Invoice).where(Invoice.status == "draft"))
        customers = session.scalar(select(func.count(func.distinct(Invoice.customer_id))))
    return f"{invoices:,} issued documents, {drafts:,} drafts, {customers:,} customers with documents"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite:////tmp/dash.sqlite3", help="a database built by bench/generate.py")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--target-ms", type=float, default=TARGET_MS)
    parser.add_argument("--changes", action="store_true", help="also time the dashboard after each new invoice")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 1:
        parser.error("--requests and --warmup must be at least 1")

    database = Database(make_engine(args.db))
    try:
        with database.unit_of_work(write=False) as session:
            organisation.own_issuer(session)  # a clear error on a database without data
    except Exception as exc:
        raise SystemExit(f"{args.db}: not a generated facturo database ({exc})") from None
    print(f"database: {args.db} ({database.dialect}): {describe(database)}")
    ensure_user(database)

    rows: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="facturo-page-speed-") as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir), auto_migrate=False), database=database)
        timer = ServerTimer(app)
        with TestClient(timer, raise_server_exceptions=True, follow_redirects=False) as client:
            sign_in(client)
            rows.append(time_page(client, timer, "/dashboard", "warm", args.requests, args.warmup))
            if args.changes:
                rows.append(
                    time_page(
                        client, timer, "/dashboard", "after a change", args.requests, 1, lambda: issue_one(database)
                    )
                )

            def drop_memo() -> None:
                setattr(app.state, MEMO, None)

            cold = time_page(client, timer, "/dashboard", "cold memo", args.requests, 1, drop_memo)
            cold.judged = False
            rows.append(cold)
            rows.append(time_page(client, timer, "/invoices", "page 1", args.requests, args.warmup))
    rows.extend(query_figures(database, args.requests, args.warmup))
    database.dispose()

    print(f"{args.requests} timed runs each after warm-up; target: p95 of the server time < {args.target_ms:.0f} ms")
    print(f"{'':<38} {'median ms':>10} {'p95 ms':>10} {'CPU ms':>8}  verdict")
    failed = False
    for item in rows:
        if not item.samples:
            print(f"{item.label:<38} {'-':>10} {'-':>10} {'-':>8}  {item.note}")
            failed = failed or item.judged
            continue
        verdict = item.note
        if not verdict:
            passed = item.p95 < args.target_ms
            verdict = f"< {args.target_ms:.0f} ms {'PASS' if passed else 'FAIL'}"
            if not item.judged:
                verdict = "" if item.label.startswith(" ") else f"({verdict}, not judged)"
            failed = failed or (item.judged and not passed)
        else:
            failed = True
        cpu = f"{statistics.median(item.cpu):8.1f}" if item.cpu else f"{'-':>8}"
        print(f"{item.label:<38} {item.median:>10.1f} {item.p95:>10.1f} {cpu}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
