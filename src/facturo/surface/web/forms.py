"""Form and listing helpers every area's pages share: errors of a refused form in the page's
language, page numbers from the query string, history records as a timeline."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Protocol

from fastapi import Path
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from facturo.kit.errors import Conflict, FacturoError
from facturo.kit.schemas import MAX_ID
from facturo.surface.web import i18n
from facturo.surface.web.i18n import gettext as _


class HistoryRecord(Protocol):
    """What a timeline needs of an audit record (``facturo.audit`` keeps them)."""

    at: datetime
    action: str
    actor_name: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


PAGE_SIZE = 50
MAX_PAGE = 1_000_000
MAX_QUERY = 100  # characters of a search box that are used
RecordId = Annotated[int, Path(ge=1, le=MAX_ID)]


def problems(exc: ValidationError | FacturoError, field: str = "") -> dict[str, str]:
    """The errors of a refused form as {field: message in the page's language}. A domain error that
    names no field goes under ``field`` ("" is the form as a whole)."""
    if isinstance(exc, ValidationError):
        found: dict[str, str] = {}
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else field
            found.setdefault(name, _pydantic_message(error))
        return found
    language = i18n.current_language()
    found = {p.field: p.message.in_language(language) for p in exc.problems}
    return found or {field: exc.message.in_language(language)}


def problem_status(exc: ValidationError | FacturoError) -> int:
    """422 for input the form can fix, 409 when it clashes with what exists (a NIT already taken)."""
    return 409 if isinstance(exc, Conflict) else 422


def _pydantic_message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("This field is required.")
    if kind == "string_too_short":
        return _("Enter at least %(count)s characters.") % {"count": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("Enter at most %(count)s characters.") % {"count": ctx.get("max_length")}
    if kind in {"greater_than_equal", "greater_than"}:
        return _("The value must be at least %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return _("The value must be at most %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt"))}
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return _("Enter a whole number.")
    if kind == "decimal_max_places":
        return _("Use at most %(count)s decimals.") % {"count": ctx.get("decimal_places")}
    if kind in {"decimal_max_digits", "decimal_whole_digits"}:
        return _("The number is too large.")
    if kind in {"decimal_parsing", "decimal_type", "decimal_text", "finite_number"}:
        return _("Enter a number, for example 12.50.")
    if kind in {"literal_error", "enum"}:
        return _("Choose one of the options.")
    return _("The value is not valid.")


_DECIMAL_TEXT = re.compile(r"^-?\d+\.\d+$")


@dataclass(frozen=True, slots=True)
class Change:
    label: str
    before: str | None  # None: the field had no earlier value in this record (a creation)
    after: str


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    action: str
    actor: str
    changes: list[Change]


def history_entries(
    records: Iterable[HistoryRecord], labels: dict[str, str], names: dict[str, dict[str, str]] | None = None
) -> list[HistoryEntry]:
    """Audit records as a timeline, newest first, showing only the fields in ``labels`` (name → label);
    ``names`` gives words for coded values ({"kind": {"good": "Bien"}})."""
    names = names or {}
    entries = []
    for record in reversed(list(records)):
        before, after = record.before or {}, record.after or {}
        changes = [
            Change(
                label,
                _shown(before[key], names.get(key)) if key in before else None,
                _shown(after[key], names.get(key)),
            )
            for key, label in labels.items()
            if key in after and (record.action != "created" or after[key] not in (None, ""))
        ]
        entries.append(HistoryEntry(record.at, record.action, record.actor_name, changes))
    return entries


def _shown(value: Any, names: dict[str, str] | None) -> str:
    if value is None or value == "":
        return "—"
    if names and str(value) in names:
        return names[str(value)]
    if value is True or value is False:
        return _("Yes") if value else _("No")
    text = str(value)
    return text.rstrip("0").rstrip(".") if _DECIMAL_TEXT.match(text) else text


def page_number(raw: str | None) -> int:
    """A page number from the query string; anything odd is the first page."""
    text = (raw or "").strip()
    return min(int(text), MAX_PAGE) if text.isdigit() and int(text) >= 1 else 1


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_day(raw: str) -> date:
    """A date typed or picked in a form: YYYY-MM-DD (what date inputs send) or DD/MM/YYYY."""
    text = raw.strip()
    if not text:
        raise ValueError(_("This field is required."))
    try:
        if match := _DMY.match(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(_("Enter a valid date."))


def date_range(date_from: str, date_to: str) -> tuple[date | None, date | None, dict[str, str]]:
    """The "from" and "to" fields of a range form, with an inline error for each bad one."""
    errors: dict[str, str] = {}
    parsed: dict[str, date] = {}
    for name, raw in (("from", date_from), ("to", date_to)):
        try:
            parsed[name] = parse_day(raw)
        except ValueError as exc:
            errors[name] = str(exc)
    return parsed.get("from"), parsed.get("to"), errors
