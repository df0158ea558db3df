"""Errors of access control. They join the kit error tree, so every surface maps them once."""

from __future__ import annotations

from typing import ClassVar

from facturo.kit.errors import FacturoError, Msg


class Unauthenticated(FacturoError):
    """No valid credential: missing, forged, expired, revoked, or the user is gone or inactive."""

    code = "unauthenticated"
    http_status = 401
    exit_code = 5
    # See RejectedAndRecorded: most refusals change nothing and roll back as usual.
    keep_changes: ClassVar[bool] = False


class TooManyAttempts(FacturoError):
    code = "too_many_attempts"
    http_status = 429
    exit_code = 5


def unauthenticated(es: str = "Credenciales no válidas.", en: str = "Invalid credentials.") -> Unauthenticated:
    return Unauthenticated(Msg(es, en))


class RejectedAndRecorded(Unauthenticated):
    """A refusal that changed state the refusal depends on: a failed login was counted, or a
    stolen refresh token's family was revoked. The adapter must commit its unit of work before
    answering (``keep_changes``); a rollback would erase the very record that protects the account.
    """

    keep_changes: ClassVar[bool] = True
