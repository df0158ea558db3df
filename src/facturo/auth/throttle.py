"""Login limits: exponential backoff per account and address, a ceiling per account that slows
rather than locks, and a ceiling per client address.

Counters live in ``login_throttles``, one row per key. ``lock_counters`` takes the rows of one
attempt under a row lock (an upsert that always touches the row: ``INSERT … ON CONFLICT DO UPDATE …
RETURNING``), in a fixed order (account, pair, address) so two attempts never wait on each other in
a cycle. The locks are held until the login's unit of work ends, so concurrent attempts on the same
key are decided one after the other from the exact count: on PostgreSQL and SQLite alike, 100
parallel guesses at one account from one address check the password ``login_max_failures`` times.

The policy (docs/security.md, "Login limits"):

* ``pair`` (one account from one address): ``login_max_failures`` free failures, then each further
  try waits ``login_backoff_seconds`` × 2^(failures − free), at most ``login_max_delay_minutes``.
* ``account`` (all addresses): past ``login_account_ceiling`` failures, every address gets a single
  free failure before its own backoff starts. It never refuses an address that has not failed, so
  strangers guessing from elsewhere cannot keep the owner out of their own address.
* ``address`` (all accounts, against password spraying): ``login_address_max_failures`` free
  failures, then the same backoff for that address.

Failures are forgotten ``login_window_minutes`` after the last one. A refused (throttled) attempt
checks no password and counts nothing, so it never extends a wait. A successful login clears its
pair's counter, not the account's or the address's. Rows whose failures are all forgotten are
deleted (``prune``, at most once a minute per process, when a failure is recorded), so a spray of
guesses at many accounts leaves at most one window's worth of rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from facturo.auth.models import LoginThrottle
from facturo.kit.auth_settings import AuthSettings
from facturo.kit.db import table_of

PAIR, ACCOUNT, ADDRESS = "pair", "account", "address"


@dataclass(frozen=True, slots=True)
class Counter:
    scope: str
    email: str
    client_address: str
    failures: int  # within the memory window (older failures already forgotten)
    last_failure_at: datetime | None


@dataclass(frozen=True, slots=True)
class Counters:
    account: Counter
    pair: Counter
    address: Counter

    def all(self) -> tuple[Counter, Counter, Counter]:
        return (self.account, self.pair, self.address)


def lock_counters(session: Session, email: str, client_address: str, now: datetime, settings: AuthSettings) -> Counters:
    """The attempt's three counters, locked until the unit of work ends."""
    forget_before = now - timedelta(minutes=settings.login_window_minutes)
    account = _lock(session, ACCOUNT, email, "", forget_before)
    pair = _lock(session, PAIR, email, client_address, forget_before)
    address = _lock(session, ADDRESS, "", client_address, forget_before)
    return Counters(account=account, pair=pair, address=address)


def wait_needed(counters: Counters, now: datetime, settings: AuthSettings) -> timedelta | None:
    """How long this attempt must wait before its password is checked (None: check it now)."""
    pair_free = settings.login_max_failures
    if counters.account.failures >= settings.login_account_ceiling:
        pair_free = 1  # the account is under attack from many addresses: slow every address down
    waits = [
        w
        for w in (
            _wait(counters.pair, pair_free, now, settings),
            _wait(counters.address, settings.login_address_max_failures, now, settings),
        )
        if w is not None
    ]
    return max(waits) if waits else None


def backoff(failures: int, free: int, settings: AuthSettings) -> timedelta | None:
    """The wait after ``failures`` failures when ``free`` of them cost nothing."""
    if failures < free:
        return None
    cap = timedelta(minutes=settings.login_max_delay_minutes)
    exponent = min(failures - free, 32)  # 2**32 seconds is far past any cap
    return min(timedelta(seconds=settings.login_backoff_seconds * 2**exponent), cap)


def record_failure(session: Session, counters: Counters, now: datetime, settings: AuthSettings) -> None:
    table = table_of(LoginThrottle)
    for counter in counters.all():
        session.execute(update(table).where(*_key(counter)).values(failures=counter.failures + 1, last_failure_at=now))
    global _last_pruned
    if _last_pruned is None or now - _last_pruned >= PRUNE_EVERY or now < _last_pruned:
        _last_pruned = now
        prune(session, now, settings)


PRUNE_EVERY = timedelta(minutes=1)
_last_pruned: datetime | None = None


def prune(session: Session, now: datetime, settings: AuthSettings) -> int:
    """Delete the counters whose last failure is past the memory window; returns how many."""
    table = table_of(LoginThrottle)
    forget_before = now - timedelta(minutes=settings.login_window_minutes)
    result = session.execute(delete(table).where(table.c.last_failure_at <= forget_before))
    return int(getattr(result, "rowcount", 0) or 0)


def record_success(session: Session, counters: Counters) -> None:
    """The owner got in from this address: their earlier typos there no longer count. The account's
    and the address's counters stay (a success must not wash away a stranger's guesses), unless they
    hold no failure worth remembering: then their rows go too, so ordinary sign-ins leave nothing."""
    table = table_of(LoginThrottle)
    for counter in counters.all():
        if counter is counters.pair or counter.failures == 0:
            session.execute(delete(table).where(*_key(counter)))


def _key(counter: Counter) -> tuple[ColumnElement[bool], ...]:
    c = table_of(LoginThrottle).c
    return (c.scope == counter.scope, c.email == counter.email, c.client_address == counter.client_address)


def _wait(counter: Counter, free: int, now: datetime, settings: AuthSettings) -> timedelta | None:
    delay = backoff(counter.failures, free, settings)
    if delay is None or counter.last_failure_at is None:
        return None
    remaining = counter.last_failure_at + delay - now
    return remaining if remaining > timedelta(0) else None


def _lock(session: Session, scope: str, email: str, client_address: str, forget_before: datetime) -> Counter:
    table = table_of(LoginThrottle)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    new_row = insert(table).values(
        scope=scope, email=email, client_address=client_address, failures=0, last_failure_at=None
    )
    # A no-op update still takes the row lock (PostgreSQL) and returns the row either way.
    stmt = new_row.on_conflict_do_update(
        index_elements=[table.c.scope, table.c.email, table.c.client_address],
        set_={"failures": table.c.failures},
    ).returning(table.c.failures, table.c.last_failure_at)
    failures, last = session.execute(stmt).one()
    if last is None or last <= forget_before:
        failures = 0
    return Counter(scope, email, client_address, int(failures), last)
