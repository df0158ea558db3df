"""Guessing passwords is limited per account and per client address, and passwords are argon2id."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from facturo.auth.permissions import Role
from facturo.kit import clock
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


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(make_account: MakeAccount, new_client) -> None:
    account = make_account(Role.ACCOUNTANT)
    caller = new_client(client=("203.0.113.10", 40000))
    start = datetime.now(UTC)
    with clock.frozen(start):
        for n in range(5):
            assert_wrong_credentials(attempt(caller, account.email, f"adivinanza-{n}-incorrecta"))
        assert_locked(attempt(caller, account.email, PASSWORD), 15)
        # The account is locked from anywhere, not only from the guessing address.
        assert_locked(attempt(new_client(client=("198.51.100.7", 40000)), account.email, PASSWORD), 15)
        english = caller.post(
            "/api/v1/auth/login",
            json={"email": account.email, "password": PASSWORD},
            headers={"Accept-Language": "en"},
        )
        assert english.status_code == 429
        assert "Wait 15 minutes" in english.json()["error"]["message"]

    with clock.frozen(start + timedelta(minutes=10)):
        assert_locked(attempt(caller, account.email, PASSWORD), 5)
    with clock.frozen(start + timedelta(minutes=14, seconds=30)):
        assert_locked(attempt(caller, account.email, PASSWORD), 1)

    with clock.frozen(start + timedelta(minutes=16)):
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


def test_failures_over_many_accounts_lock_the_client_address(make_account: MakeAccount, new_client) -> None:
    accounts = [make_account(Role.ACCOUNTANT) for _ in range(6)]
    guesser = new_client(client=("203.0.113.66", 40000))
    start = datetime.now(UTC)
    with clock.frozen(start):
        for account in accounts[:5]:
            assert_wrong_credentials(attempt(guesser, account.email, "contraseña-adivinada"))
        # A sixth account, never guessed, with its right password: refused from that address...
        assert_locked(attempt(guesser, accounts[5].email, PASSWORD), 15)
        # ...and even an email that does not exist gets the same 429, revealing nothing.
        assert_locked(attempt(guesser, "nadie@acceso.test", "lo-que-sea-123"), 15)
        # From another address, the same account signs in: the block is the address's.
        elsewhere = attempt(new_client(client=("198.51.100.8", 40000)), accounts[5].email, PASSWORD)
        assert elsewhere.status_code == 200, elsewhere.text
    with clock.frozen(start + timedelta(minutes=16)):
        assert attempt(guesser, accounts[5].email, PASSWORD).status_code == 200


def test_a_successful_login_does_not_reset_the_address_count(make_account: MakeAccount, new_client) -> None:
    mine, victim = make_account(Role.AUDITOR), make_account(Role.ACCOUNTANT)
    guesser = new_client(client=("203.0.113.67", 40000))
    for _ in range(4):
        assert_wrong_credentials(attempt(guesser, victim.email, "contraseña-adivinada"))
    assert attempt(guesser, mine.email, PASSWORD).status_code == 200
    assert_wrong_credentials(attempt(guesser, victim.email, "contraseña-adivinada"))
    assert attempt(guesser, mine.email, PASSWORD).status_code == 429


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
