"""Login limits that hold under concurrency, believe proxy headers only from trusted proxies, and
never let a stranger lock the owner out (docs/security.md, "Login limits")."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from facturo.auth import service as auth
from facturo.auth.models import LoginAttempt, LoginThrottle
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from facturo.kit.auth_settings import get_auth_settings
from facturo.kit.db import Database
from facturo.kit.errors import FacturoError
from facturo.surface.rest.addresses import resolve_client_address
from tests.access.conftest import PASSWORD, MakeAccount
from tests.access.test_brute_force import assert_locked, assert_wrong_credentials, attempt

VICTIM = "victima@acceso.test"


# --- concurrency: every attempt decided from the exact count ----------------------------------------


def _attempt_committed(database: Database, email: str, password: str, address: str, start: threading.Barrier) -> str:
    """One login as the API runs it: its own unit of work, committed when the refusal must be kept."""
    start.wait()
    session = database.session()
    try:
        auth.login(session, email, password, address)
        session.commit()
        return "signed_in"
    except FacturoError as exc:
        if exc.keep_changes:
            session.commit()
        else:
            session.rollback()
        return exc.code
    finally:
        session.close()


def _parallel(database: Database, guesses: list[tuple[str, str, str]]) -> Counter[str]:
    start = threading.Barrier(len(guesses))
    with ThreadPoolExecutor(max_workers=len(guesses)) as pool:
        futures = [pool.submit(_attempt_committed, database, *guess, start) for guess in guesses]
        return Counter(f.result(timeout=120) for f in futures)


@pytest.fixture
def victim_database(fresh_database: Database) -> Database:
    with fresh_database.unit_of_work() as session:
        auth.create_user(session, SYSTEM, VICTIM, "Víctima", PASSWORD, Role.ACCOUNTANT)
    return fresh_database


def _failures(database: Database, scope: str, email: str = "", address: str = "") -> int:
    with database.unit_of_work(write=False) as session:
        row = session.get(LoginThrottle, (scope, email, address))
        return row.failures if row is not None else 0


def _checked(database: Database) -> int:
    with database.unit_of_work(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.email == VICTIM)))


def test_parallel_guesses_from_one_address_check_the_password_exactly_five_times(victim_database: Database) -> None:
    # Real threads and real commits, on SQLite and on PostgreSQL (FACTURO_TEST_DATABASE_URL; CI runs both).
    address = "203.0.113.99"
    outcomes = _parallel(victim_database, [(VICTIM, f"adivinanza-{n}-mala", address) for n in range(100)])
    assert outcomes == Counter({"unauthenticated": 5, "too_many_attempts": 95})
    assert _checked(victim_database) == 5
    assert _failures(victim_database, "pair", VICTIM, address) == 5
    assert _failures(victim_database, "account", VICTIM) == 5
    assert _failures(victim_database, "address", address=address) == 5


def test_parallel_guesses_from_many_addresses_are_each_counted_once(victim_database: Database) -> None:
    guesses = [(VICTIM, "adivinanza-mala", f"198.51.100.{n}") for n in range(40)]
    outcomes = _parallel(victim_database, guesses)
    # Each address's first failure is free, so every guess was checked, and counted exactly once.
    assert outcomes == Counter({"unauthenticated": 40})
    assert _failures(victim_database, "account", VICTIM) == 40
    assert _checked(victim_database) == 40
    # Far past the account's ceiling, the owner still signs in at once from their own address.
    with victim_database.unit_of_work() as session:
        assert auth.login(session, VICTIM, PASSWORD, "192.0.2.10").access_token


# --- whose address: proxy headers only from trusted proxies ------------------------------------------


@pytest.fixture
def trusted_proxies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("FACTURO_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.254")
    get_auth_settings.cache_clear()
    yield
    monkeypatch.delenv("FACTURO_TRUSTED_PROXIES")
    get_auth_settings.cache_clear()


def forwarded(caller, email: str, password: str, chain: str):
    return caller.post(
        "/api/v1/auth/login", json={"email": email, "password": password}, headers={"X-Forwarded-For": chain}
    )


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(make_account: MakeAccount, new_client) -> None:
    account = make_account(Role.ACCOUNTANT)
    direct = new_client(client=("203.0.113.20", 40000))
    for n in range(5):  # a fresh made-up address in every request
        assert_wrong_credentials(forwarded(direct, account.email, "adivinanza-mala", f"198.51.100.{n}"))
    # Still one client to the limits: the header bought no extra tries.
    assert_locked(forwarded(direct, account.email, PASSWORD, "198.51.100.200"), 1)


@pytest.mark.usefixtures("trusted_proxies")
def test_forwarded_for_from_a_trusted_proxy_names_the_client(make_account: MakeAccount, new_client) -> None:
    account = make_account(Role.ACCOUNTANT)
    proxy = new_client(client=("10.1.2.3", 40000))
    for _ in range(5):
        assert_wrong_credentials(forwarded(proxy, account.email, "adivinanza-mala", "198.51.100.7"))
    assert_locked(forwarded(proxy, account.email, PASSWORD, "198.51.100.7"), 1)
    # What the client itself put in front of the chain is not believed: the proxy appended its peer.
    assert_locked(forwarded(proxy, account.email, PASSWORD, "203.0.113.1, 198.51.100.7"), 1)
    # Another client behind the same proxy is another address: the owner signs in.
    owner = forwarded(proxy, account.email, PASSWORD, "198.51.100.8")
    assert owner.status_code == 200, owner.text


@pytest.mark.parametrize(
    ("peer", "chain", "client"),
    [
        ("203.0.113.5", ["198.51.100.1"], "203.0.113.5"),  # untrusted peer: header ignored
        ("10.0.0.9", ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.9", ["6.6.6.6, 198.51.100.1, 10.0.0.8"], "198.51.100.1"),  # right-most untrusted hop
        ("10.0.0.9", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),  # repeated headers read as one chain
        ("10.0.0.9", [], "10.0.0.9"),
        ("10.0.0.9", ["10.0.0.7, 10.0.0.8"], "10.0.0.7"),  # all trusted: the first one
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_client_address_resolution(peer: str | None, chain: list[str], client: str) -> None:
    assert resolve_client_address(peer, chain, ["10.0.0.0/8"]) == client


def test_no_trusted_proxies_means_the_peer_is_the_client() -> None:
    assert resolve_client_address("127.0.0.1", ["198.51.100.1"], []) == "127.0.0.1"


# --- strangers never lock the owner out ---------------------------------------------------------------


def test_the_owner_signs_in_from_their_address_after_a_strangers_failures(
    make_account: MakeAccount, new_client
) -> None:
    account = make_account(Role.ACCOUNTANT)
    for n in range(21):  # past the account ceiling, from many addresses
        stranger = new_client(client=(f"198.51.100.{n}", 40000))
        for _ in range(1 if n else 5):
            assert_wrong_credentials(attempt(stranger, account.email, "adivinanza-mala"))
    owner = attempt(new_client(client=("192.0.2.10", 40000)), account.email, PASSWORD)
    assert owner.status_code == 200, owner.text
    # Under attack, an address that failed once waits (doubling from there: 5 failures, 15 minutes)...
    assert_locked(attempt(new_client(client=("198.51.100.3", 40000)), account.email, PASSWORD), 1)
    assert_locked(attempt(new_client(client=("198.51.100.0", 40000)), account.email, PASSWORD), 15)
    # ...and a new address gets a single free try.
    newcomer = new_client(client=("192.0.2.99", 40000))
    assert_wrong_credentials(attempt(newcomer, account.email, "adivinanza-mala"))
    assert_locked(attempt(newcomer, account.email, PASSWORD), 1)


# --- counters are forgotten: the table holds one window of failures -----------------------------------


def test_counters_past_the_window_are_deleted(session, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime, timedelta

    from facturo.auth import throttle

    settings = get_auth_settings()
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(throttle, "_last_pruned", None)

    def fail(email: str, address: str, at: datetime) -> None:
        with pytest.raises(FacturoError):
            auth.login(session, email, "no-es-la-clave", address, now=at)

    fail("nadie@acceso.test", "198.51.100.7", start)
    fail("otro@acceso.test", "198.51.100.8", start + timedelta(seconds=10))  # within a minute: no pruning
    assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 6
    later = start + timedelta(minutes=settings.login_window_minutes, seconds=5)
    fail("tercero@acceso.test", "198.51.100.9", later)
    remaining = session.execute(select(LoginThrottle.email, LoginThrottle.client_address)).all()
    # The first attempt's rows are past the window and gone; the second's are 5 s short of it.
    assert sorted(remaining) == sorted(
        [
            ("otro@acceso.test", ""),
            ("otro@acceso.test", "198.51.100.8"),
            ("", "198.51.100.8"),
            ("tercero@acceso.test", ""),
            ("tercero@acceso.test", "198.51.100.9"),
            ("", "198.51.100.9"),
        ]
    )
