"""Lenient parsers for the values found in IPC2 "Tecnologías Chapinas" XML messages.

The files in circulation were written by hand and by many student programs, so the values are padded with
spaces, dates sit inside sentences ("esta es una descripcion de la fecha 26/02/2003"), NITs lack the hyphen and
states or resource types use words the statement never defined. These parsers accept what has one sensible
reading, report it as a warning ``Note`` when the reading is a guess, and raise ``ValueRejected`` (carrying a
``Note``) when the value cannot be used, so the caller rejects only the item that carries it.

No database and no float: every function is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Literal

from stdnum.gt import nit as gt_nit

__all__ = ["Note", "ValueRejected", "clean", "find_date", "parse_date", "parse_datetime"]
__all__ += ["parse_decimal", "parse_kind", "parse_nit", "parse_state"]


@dataclass(frozen=True, slots=True)
class Note:
    """A warning or a rejection reason: a stable rule id and the message in both languages."""

    rule: str
    es: str
    en: str


class ValueRejected(Exception):
    """The value cannot be used; the item that carries it is rejected with this reason."""

    note: Note

    def __init__(self, note: Note) -> None:
        # The note is the only argument so the exception pickles back intact (worker processes, logs).
        super().__init__(note)
        self.note = note

    def __str__(self) -> str:
        return f"{self.note.rule}: {self.note.en}"


def clean(text: str | None) -> str:
    """The text without surrounding whitespace; a missing element or attribute reads as ""."""
    return "" if text is None else text.strip()


def _quoted(text: str, limit: int = 60) -> str:
    # Messages quote what the user wrote, but a paragraph pasted into a date (or its line breaks) would drown
    # the reason in a table of rejected items.
    value = " ".join(text.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _reject(rule: str, es: str, en: str) -> ValueRejected:
    return ValueRejected(Note(rule, es, en))


# ---------------------------------------------------------------------------------------------- dates and times

# The forms sit in a zero-width lookahead so that overlapping candidates ("10-06-2022-05-03") are all seen, in
# order of position. Digits are ASCII only and a candidate must not be glued to more digits: "123/04/2022" does
# not hold 23/04/2022. The forms start differently (1-2 digits then a separator, or 4 digits), so at most one
# matches at any position. A 4-digit year is what keeps dd-mm-yyyy and yyyy-mm-dd unambiguous.
_DATE_CANDIDATE = re.compile(
    r"(?<![0-9])(?=(?P<whole>"
    r"(?P<d1>[0-9]{1,2})/(?P<m1>[0-9]{1,2})/(?P<y1>[0-9]{4})"
    r"|(?P<d2>[0-9]{1,2})-(?P<m2>[0-9]{1,2})-(?P<y2>[0-9]{4})"
    r"|(?P<y3>[0-9]{4})-(?P<m3>[0-9]{1,2})-(?P<d3>[0-9]{1,2})"
    r")(?![0-9]))"
)
_TIME_AFTER_DATE = re.compile(r"\s+(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::(?P<s>[0-9]{2}))?(?!:?[0-9])")
_FIRST_YEAR, _LAST_YEAR = 1900, 2999


def _first_date(text: str) -> tuple[date, int] | None:
    """The first valid date in the text and the index just after it; invalid candidates are skipped."""
    for match in _DATE_CANDIDATE.finditer(text):
        form = next(f for f in "123" if match.group("y" + f) is not None)
        year, month, day = (int(match.group(part + form)) for part in "ymd")
        if not _FIRST_YEAR <= year <= _LAST_YEAR:
            continue
        try:
            return date(year, month, day), match.end("whole")
        except ValueError:
            continue
    return None


def _no_date(text: str | None, field_es: str, field_en: str) -> ValueRejected:
    shown = _quoted(text or "")
    if not shown:
        es, en = "está vacío; se esperaba una fecha dd/mm/aaaa", "is empty; a dd/mm/yyyy date was expected"
        return _reject("date.missing", f"{field_es}: {es}.", f"{field_en}: {en}.")
    return _reject(
        "date.missing",
        f"{field_es}: no contiene una fecha válida dd/mm/aaaa («{shown}»).",
        f"{field_en}: contains no valid dd/mm/yyyy date (“{shown}”).",
    )


def find_date(text: str | None) -> date | None:
    """The first valid date in the text (dd/mm/yyyy, dd-mm-yyyy or yyyy-mm-dd), or None."""
    found = _first_date(text or "")
    return None if found is None else found[0]


def parse_date(text: str | None, *, field_es: str, field_en: str) -> date:
    """The first valid date in the text; the field labels name it in the rejection message."""
    found = _first_date(text or "")
    if found is None:
        raise _no_date(text, field_es, field_en)
    return found[0]


def parse_datetime(text: str | None, *, field_es: str, field_en: str) -> tuple[datetime, list[Note]]:
    """The first valid date and the ``hh:mm[:ss]`` right after it, as a naive local date-time.

    The messages carry no time zone; they mean the organisation's local time, which the caller applies.
    Without a time the reading is at midnight. An impossible time (``24:34``, ``25:00``, ``12:61``) is
    read as midnight too, with a ``datetime.bad_time`` warning, because the day is what billing depends on;
    its digits become the microseconds of that midnight (``24:34`` -> 00:00:00.243400), which no display
    shows, so two readings of one day with different impossible times stay two readings and the same text
    sent again is still the same reading.
    """
    source = text or ""
    found = _first_date(source)
    if found is None:
        raise _no_date(text, field_es, field_en)
    day, end = found
    clock = _TIME_AFTER_DATE.match(source, end)
    if clock is None:
        return datetime.combine(day, time()), []
    hour, minute, second = int(clock["h"]), int(clock["mi"]), int(clock["s"] or 0)
    if hour < 24 and minute < 60 and second < 60:
        return datetime.combine(day, time(hour, minute, second)), []
    written = clock.group(0).strip()
    note = Note(
        "datetime.bad_time",
        f"{field_es}: la hora «{written}» no existe; se registró el {day:%d/%m/%Y} a las 00:00.",
        f"{field_en}: the time “{written}” does not exist; it was recorded on {day.isoformat()} at 00:00.",
    )
    # Two digits at most per part (the pattern), so the code fits in the microseconds and is never 0
    # (an impossible time has an hour of 24 or more, or minutes or seconds of 60 or more).
    code = hour * 10_000 + minute * 100 + second
    return datetime.combine(day, time(microsecond=code)), [note]


# ------------------------------------------------------------------------------------------------------ NIT

_NIT_SHAPE = re.compile(r"(?P<body>[0-9]+)-?(?P<check>[0-9K])")
_NIT_MAX_BODY = 12


def parse_nit(text: str | None) -> tuple[str, list[Note]]:
    """The NIT as ``digits-check`` in upper case, with warnings for a missing hyphen or a wrong check digit.

    Leading zeros are dropped, as SAT and the rest of facturo write NITs. A wrong check digit only warns: the
    sender chose the client's id and the consumption file refers to it by the same text, so refusing it would
    lose the client and all its consumptions.
    """
    value = clean(text).upper()
    shape = _NIT_SHAPE.fullmatch(value)
    body = shape["body"].lstrip("0") if shape else ""
    if shape is None or len(shape["body"]) > _NIT_MAX_BODY or not body:
        shown = _quoted(value)
        es = f"NIT «{shown}»: no tiene un formato válido" if shown else "NIT: está vacío"
        en = f"NIT “{shown}”: is not well-formed" if shown else "NIT: is empty"
        raise _reject(
            "nit.format",
            f"{es}; se esperan dígitos, guion y dígito verificador 0-9 o K, por ejemplo 2019160-K.",
            f"{en}; expected digits, a hyphen and a check digit 0-9 or K, for example 2019160-K.",
        )
    check = shape["check"]
    nit = f"{body}-{check}"
    notes: list[Note] = []
    if "-" not in value:
        notes.append(
            Note(
                "nit.no_hyphen",
                f"NIT «{clean(text)}»: no tiene guion; se tomó el último carácter como dígito verificador ({nit}).",
                f"NIT “{clean(text)}”: has no hyphen; the last character was taken as the check digit ({nit}).",
            )
        )
    expected = str(gt_nit.calc_check_digit(body))
    if check != expected:
        notes.append(
            Note(
                "nit.check_digit",
                f"NIT {nit}: el dígito verificador no corresponde (para {body} debería ser {expected}).",
                f"NIT {nit}: the check digit does not match (for {body} it should be {expected}).",
            )
        )
    return nit, notes


# ------------------------------------------------------------------------------------------- state and kind

_STATES: dict[str, Literal["vigente", "cancelada"]] = {"vigente": "vigente", "cancelada": "cancelada"}
_ACTIVE_WORDS = frozenset({"activa", "activo"})
_KINDS: dict[str, Literal["hardware", "software"]] = {"hardware": "hardware", "software": "software"}


def parse_state(text: str | None) -> tuple[Literal["vigente", "cancelada"], list[Note]]:
    """An instance's estado: Vigente or Cancelada in any case; Activa/Activo read as Vigente with a warning."""
    value = clean(text)
    key = value.casefold()
    if key in _STATES:
        return _STATES[key], []
    if key in _ACTIVE_WORDS:
        es, en = f"estado «{value}»: se registró como Vigente.", f"state “{value}”: recorded as Vigente (active)."
        return "vigente", [Note("state.activa_as_vigente", es, en)]
    shown = _quoted(value)
    raise _reject(
        "state.unknown",
        f"estado «{shown}»: no es un estado conocido; se acepta Vigente o Cancelada.",
        f"state “{shown}”: is not a known state; Vigente or Cancelada is accepted.",
    )


def parse_kind(text: str | None) -> tuple[Literal["hardware", "software"], list[Note]]:
    """A resource's tipo: Hardware or Software in any case; any other word is recorded as Hardware, with a warning.

    Files in circulation use words such as "Procesamiento" and "Almacenamiento", which describe physical
    capacity, so Hardware is the reading that keeps the resource and its price.
    """
    value = clean(text)
    key = value.casefold()
    if key in _KINDS:
        return _KINDS[key], []
    if not value:
        es, en = "tipo: está vacío; se acepta Hardware o Software.", "type: is empty; Hardware or Software is accepted."
        raise _reject("kind.missing", es, en)
    shown = _quoted(value)
    es = f"tipo «{shown}»: no es Hardware ni Software; se registra como Hardware."
    en = f"type “{shown}”: is neither Hardware nor Software; it is recorded as Hardware."
    return "hardware", [Note("kind.assumed_hardware", es, en)]


# -------------------------------------------------------------------------------------------------- numbers

# Plain notation only: Decimal() alone would also take "1e3", "+5", "NaN", "Infinity" and "1_000".
_PLAIN_NUMBER = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def parse_decimal(
    text: str | None,
    *,
    field_es: str,
    field_en: str,
    max_places: int,
    positive: bool = True,
    maximum: Decimal | None = None,
) -> Decimal:
    """An exact decimal written with a dot, keeping the digits as given ("10.250" stays 10.250).

    Negatives are never accepted and zero only when ``positive`` is false. ``max_places`` counts the decimals
    that matter, so "2.50" passes with one place.
    """
    value = clean(text)
    shown = _quoted(value)
    if not _PLAIN_NUMBER.fullmatch(value):
        es = f"«{shown}» no es un número válido" if value else "está vacío"
        en = f"“{shown}” is not a valid number" if value else "is empty"
        raise _reject(
            "number.format",
            f"{field_es}: {es}; use dígitos y punto decimal, por ejemplo 10.25.",
            f"{field_en}: {en}; use digits and a dot for decimals, for example 10.25.",
        )
    number = Decimal(value)
    if number.is_zero():
        # "-0" is zero, not a negative; its sign would only leak into totals and output.
        number = number.copy_abs()
    if number < 0 or (positive and number.is_zero()):
        es, en = ("mayor que cero", "greater than zero") if positive else ("cero o más", "zero or more")
        raise _reject(
            "number.not_positive",
            f"{field_es}: «{shown}» no es válido; debe ser {es}.",
            f"{field_en}: “{shown}” is not valid; it must be {en}.",
        )
    # Counted on the text, not with Decimal.normalize(), which rounds to the context's 28 digits.
    places = len(value.partition(".")[2].rstrip("0"))
    if places > max_places:
        if max_places == 0:
            es, en = "solo admite números enteros", "only allows whole numbers"
        else:
            unit_es, unit_en = ("decimal", "decimal place") if max_places == 1 else ("decimales", "decimal places")
            es = f"admite como máximo {max_places} {unit_es}"
            en = f"allows at most {max_places} {unit_en}"
        raise _reject(
            "number.too_precise",
            f"{field_es}: «{shown}» tiene demasiados decimales; el campo {es}.",
            f"{field_en}: “{shown}” has too many decimal places; the field {en}.",
        )
    if maximum is not None and number > maximum:
        raise _reject(
            "number.too_large",
            f"{field_es}: «{shown}» es demasiado grande; el máximo es {maximum:f}.",
            f"{field_en}: “{shown}” is too large; the maximum is {maximum:f}.",
        )
    return number
