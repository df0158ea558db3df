"""Guessing passwords is slowed per account and client address (never locking the owner out), and
passwords are argon2id. More in test_login_limits.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from facturo.kit import clock
from facturo.kit.access import Role
from tests.access.conftest import PASSWORD, MakeAccount

WRONG = "Correo o contraseña incorrectos."


def attempt(caller, email: str, password: str):
    return caller.post("/api/v1/auth/login", json={"email": email, "password": password})


def assert_wrong_credentials(response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == {"code": "unauthenticated", "message": WRONG, "details": []}


def assert_locked(response, minutes: int) -> None:
    assert response.status_code == 429, response.text
    error = response.json()["error"]
    assert error["code"] == "too_many_attempts"
    assert re.search(rf"Espere {minutes} minutos? e inténtelo de nuevo", error["message"]), error["message"]


def test_five_wrong_passwords_slow_that_address_but_never_lock_the_owner_out(
    make_account: MakeAccount, new_client
) -> None:
    account = make_account(Role.ACCOUNTANT)
    caller = new_client(client=("203.0.113.10", 40000))
    start = datetime.now(UTC)
    with clock.frozen(start):
        for n in range(5):
            assert_wrong_credentials(attempt(caller, account.email, f"adivinanza-{n}-incorrecta"))
        # From the guessing address even the right password waits (it is not even checked)...
        assert_locked(attempt(caller, account.email, PASSWORD), 1)
        english = caller.post(
            "/api/v1/auth/login",
            json={"email": account.email, "password": PASSWORD},
            headers={"Accept-Language": "en"},
        )
        assert english.status_code == 429
        assert "Wait 1 minute and try again" in english.json()["error"]["message"]
        # ...but the owner, from their own address, signs in at once.
        owner = attempt(new_client(client=("198.51.100.7", 40000)), account.email, PASSWORD)
        assert owner.status_code == 200, owner.text

    with clock.frozen(start + timedelta(seconds=61)):
        signed = attempt(caller, account.email, PASSWORD)
        assert signed.status_code == 200, signed.text
        token = signed.json()["access_token"]
        me = caller.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["actor"]["id"] == str(account.id)


def test_four_wrong_passwords_do_not_lock(make_account: MakeAccount, new_client) -> None:
    account = make_account(Role.AUDITOR)
    caller = new_client(client=("203.0.113.11", 40000))
    for n in range(4):
        assert_wrong_credentials(attempt(caller, account.email, f"adivinanza-{n}-incorrecta"))
    assert attempt(caller, account.email, PASSWORD).status_code == 200


def test_a_wrong_email_gets_the_same_answer_as_a_wrong_password(make_account: MakeAccount, new_client) -> None:
    account = make_account(Role.AUDITOR)
    caller = new_client(client=("203.0.113.12", 40000))
    unknown = attempt(caller, "nadie@acceso.test", PASSWORD)
    wrong = attempt(caller, account.email, "otra-contraseña-larga")
    assert_wrong_credentials(unknown)
    assert_wrong_credentials(wrong)
    assert unknown.json() == wrong.json()


def test_failures_over_many_accounts_slow_the_client_address(make_account: MakeAccount, new_client) -> None:
    account = make_account(Role.ACCOUNTANT)
    guesser = new_client(client=("203.0.113.66", 40000))
    start = datetime.now(UTC)
    with clock.frozen(start):
        for n in range(20):  # password spraying: one guess at each of 20 accounts
            assert_wrong_credentials(attempt(guesser, f"persona{n}@acceso.test", "contraseña-adivinada"))
        # An account never guessed, with its right password: refused from that address...
        assert_locked(attempt(guesser, account.email, PASSWORD), 1)
        # ...and an email that does not exist gets the same 429, revealing nothing.
        assert_locked(attempt(guesser, "nadie@acceso.test", "lo-que-sea-123"), 1)
        # From another address, the same account signs in: the wait is the address's.
        elsewhere = attempt(new_client(client=("198.51.100.8", 40000)), account.email, PASSWORD)
        assert elsewhere.status_code == 200, elsewhere.text
    with clock.frozen(start + timedelta(minutes=2)):
        assert attempt(guesser, account.email, PASSWORD).status_code == 200


def test_a_successful_login_does_not_reset_the_address_count(make_account: MakeAccount, new_client) -> None:
    mine = make_account(Role.AUDITOR)
    guesser = new_client(client=("203.0.113.67", 40000))
    start = datetime.now(UTC)
    with clock.frozen(start):
        for n in range(19):
            assert_wrong_credentials(attempt(guesser, f"victima{n}@acceso.test", "contraseña-adivinada"))
        assert attempt(guesser, mine.email, PASSWORD).status_code == 200
        assert_wrong_credentials(attempt(guesser, "victima-final@acceso.test", "contraseña-adivinada"))
        assert_locked(attempt(guesser, mine.email, PASSWORD), 1)


def test_passwords_are_stored_as_argon2id(db, make_account: MakeAccount, client) -> None:
    for role in (Role.ACCOUNTANT, Role.AUDITOR):  # both with the same password
        make_account(role)
    created_via_api = client.post(
        "/api/v1/users",
        json={
            "email": "api@acceso.test",
            "name": "Por la API",
            "password": "otra-contraseña-segura",
            "role": "auditor",
        },
    )
    assert created_via_api.status_code == 201, created_via_api.text
    assert "password" not in created_via_api.text

    total, argon2id = db.connection.execute(
        text("SELECT COUNT(*), SUM(CASE WHEN password_hash LIKE '$argon2id$%' THEN 1 ELSE 0 END) FROM users")
    ).one()
    assert total == 4  # the conftest admin, two accounts, one created over the API
    assert argon2id == total
    hashes = [row[0] for row in db.connection.execute(text("SELECT password_hash FROM users"))]
    assert all(PASSWORD not in h and "otra-contraseña-segura" not in h for h in hashes)
    assert len(set(hashes)) == len(hashes)  # salted: the same password never hashes alike
