"""The error tree. Every failure a user can cause is one of these, and each maps exactly once
to an HTTP status and a CLI exit code (see ``http_status`` / ``exit_code``).

    FacturoError
    ├── NotFound              404 / exit 3  - the object does not exist (or is not yours to see)
    ├── Conflict              409 / exit 4  - the request contradicts the current state
    │   ├── InvalidTransition 409 / exit 4  - a lifecycle move that is not allowed
    │   ├── NotConfigured     409 / exit 4  - a setup step comes first (the organisation profile)
    │   └── ImmutableDocument 409 / exit 4  - an issued document cannot be changed
    ├── PermissionDenied      403 / exit 5
    └── ValidationFailed      422 / exit 2  - bad input; carries field, rule id and reason

Messages are written for people, in Spanish and English (``Msg``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Msg:
    es: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language.lower().startswith("en") else self.es


@dataclass(frozen=True)
class FieldProblem:
    field: str
    rule: str
    message: Msg


@dataclass
class FacturoError(Exception):
    message: Msg
    problems: list[FieldProblem] = field(default_factory=list)

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 400
    exit_code: ClassVar[int] = 1
    # A refusal that changed state it depends on (a counted failed login): commit, then answer.
    keep_changes: ClassVar[bool] = False

    def __str__(self) -> str:
        return self.message.en


class NotFound(FacturoError):
    code = "not_found"
    http_status = 404
    exit_code = 3


class Conflict(FacturoError):
    code = "conflict"
    http_status = 409
    exit_code = 4


class InvalidTransition(Conflict):
    code = "invalid_transition"


class NotConfigured(Conflict):
    code = "not_configured"


class ImmutableDocument(Conflict):
    code = "immutable_document"


class PermissionDenied(FacturoError):
    code = "permission_denied"
    http_status = 403
    exit_code = 5


class ValidationFailed(FacturoError):
    code = "validation_error"
    http_status = 422
    exit_code = 2

    @classmethod
    def on(cls, field_name: str, rule: str, es: str, en: str) -> ValidationFailed:
        """A validation error about one field, with the rule id that failed."""
        msg = Msg(es, en)
        return cls(msg, [FieldProblem(field_name, rule, msg)])


def not_found(what_es: str, what_en: str, key: object) -> NotFound:
    return NotFound(Msg(f"No existe {what_es} {key}.", f"{what_en} {key} does not exist."))


# Access control's refusals, part of the same tree so every surface maps them once.
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
