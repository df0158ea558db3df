from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type

from facturo.auth.passwords import check_policy, hash_password, needs_rehash, verify_password
from facturo.kit.errors import ValidationFailed


def test_hashes_are_argon2id_and_salted() -> None:
    first = hash_password("una contraseña larga")
    second = hash_password("una contraseña larga")
    assert first.startswith("$argon2id$")
    assert first != second
    assert "una contraseña larga" not in first


def test_verify_accepts_the_right_password_only() -> None:
    stored = hash_password("una contraseña larga")
    assert verify_password(stored, "una contraseña larga") is True
    assert verify_password(stored, "una contraseña larga ") is False
    assert verify_password(stored, "") is False
    assert verify_password("not a hash", "una contraseña larga") is False


def test_rehash_needed_when_parameters_or_type_change() -> None:
    assert needs_rehash(hash_password("una contraseña larga")) is False
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID).hash("x" * 12)
    argon2i = PasswordHasher(type=Type.I).hash("x" * 12)
    assert needs_rehash(weaker) is True
    assert needs_rehash(argon2i) is True
    # An old hash still verifies, so the user can log in and be upgraded on the way.
    assert verify_password(weaker, "x" * 12) is True


@pytest.mark.parametrize(
    ("password", "rule", "es"),
    [
        ("corta", "password.too_short", "al menos 10 caracteres"),
        ("ana@example.gt", "password.equals_email", "no puede ser igual al correo"),
        ("ANA@Example.GT", "password.equals_email", "no puede ser igual al correo"),
        ("x" * 1025, "password.too_long", "como máximo 1024"),
    ],
)
def test_policy_refuses_weak_passwords_with_a_reason(password: str, rule: str, es: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_policy(password, "ana@example.gt")
    problem = caught.value.problems[0]
    assert (problem.field, problem.rule) == ("password", rule)
    assert es in caught.value.message.es
    assert caught.value.message.en


def test_policy_accepts_ten_characters() -> None:
    check_policy("0123456789", "ana@example.gt")
