"""Password hashing (argon2id) and the minimum password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from facturo.kit.errors import ValidationFailed

MIN_LENGTH = 10
# argon2 itself takes any length; the cap keeps one request from buying seconds of hashing.
MAX_LENGTH = 1024

# argon2-cffi's defaults are RFC 9106's low-memory profile (64 MiB, t=3, p=4); the type is pinned
# so a library default change can never silently move us off argon2id.
_hasher = PasswordHasher(type=Type.ID)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash was made with other parameters than today's (or another type)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, ValueError):
        return True


def check_policy(password: str, email: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationFailed.on(
            "password",
            "password.too_short",
            f"La contraseña debe tener al menos {MIN_LENGTH} caracteres.",
            f"The password must be at least {MIN_LENGTH} characters long.",
        )
    if len(password) > MAX_LENGTH:
        raise ValidationFailed.on(
            "password",
            "password.too_long",
            f"La contraseña admite como máximo {MAX_LENGTH} caracteres.",
            f"The password can be at most {MAX_LENGTH} characters long.",
        )
    if password.strip().lower() == email.strip().lower():
        raise ValidationFailed.on(
            "password",
            "password.equals_email",
            "La contraseña no puede ser igual al correo.",
            "The password cannot be the same as the email.",
        )


@cache
def dummy_hash() -> str:
    """A real hash to verify against when the account does not exist, so a wrong email costs the
    same time as a wrong password and response timing does not reveal which emails have accounts."""
    return hash_password("facturo-no-such-account")
