"""The simple types of GT_Documento 0.2.1, checked natively (lexical form, value and facets).

Each :class:`SimpleType` says whether a text is a valid value, the way a conformant XSD
validator would, except for the schema's known traps, which are handled by intent:

- the NIT patterns are written with ``^``/``$`` as if they were anchors; XSD regular expressions
  have no anchors, so a literal reading would refuse every real NIT and ``CF``. Here they are
  anchors (every pattern is matched against the whole value anyway);
- the ISO 3166 country list is checked by shape (two capital letters), not by enumeration.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from facturo.reception.formats.fel.common import parse_decimal

_WS = re.compile(r"[ \t\r\n]+")
# Python refuses to convert integers past 4300 digits; no bound in the schema comes near 40.
_LONGEST_INTEGER = 40
_INTEGER = re.compile(r"[+-]?\d+")
_DATE_TIME = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})T(?P<h>\d{2}):(?P<mi>\d{2}):(?P<s>\d{2})(?:\.\d+)?"
    r"(?P<tz>Z|[+-](?P<tzh>\d{2}):(?P<tzm>\d{2}))?"
)
_DATE = re.compile(r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?P<tz>Z|[+-](?P<tzh>\d{2}):(?P<tzm>\d{2}))?")


def collapse(text: str) -> str:
    return _WS.sub(" ", text).strip(" ")


@dataclass(frozen=True)
class SimpleType:
    """``valid`` sees the value after the type's whitespace handling; ``label`` names the
    expected form in a message (Spanish, English)."""

    label_es: str
    label_en: str
    valid: Callable[[str], bool]
    collapse: bool = True

    def accepts(self, raw: str) -> bool:
        return self.valid(collapse(raw) if self.collapse else raw)


def string(
    min_length: int = 0,
    max_length: int | None = None,
    *,
    pattern: str | None = None,
    enum: Collection[str] | None = None,
    collapse_ws: bool = True,
) -> SimpleType:
    compiled = re.compile(pattern) if pattern else None

    def valid(value: str) -> bool:
        if len(value) < min_length or (max_length is not None and len(value) > max_length):
            return False
        if compiled is not None and not compiled.fullmatch(value):
            return False
        return enum is None or value in enum

    if enum is not None:
        shown = ", ".join(sorted(enum)) if len(enum) <= 30 else f"{len(enum)} códigos"
        shown_en = ", ".join(sorted(enum)) if len(enum) <= 30 else f"{len(enum)} codes"
        return SimpleType(f"uno de: {shown}", f"one of: {shown_en}", valid, collapse_ws)
    span = f"{min_length}..{max_length if max_length is not None else '∞'}"
    return SimpleType(f"texto de {span} caracteres", f"text of {span} characters", valid, collapse_ws)


def _digits(literal: str) -> tuple[int, int]:
    """(total digits, fraction digits) of an xs:decimal literal in the value space: leading zeros
    and trailing fraction zeros do not count. Read from the text, so no Decimal context (and no
    overflow) is involved, whatever the length."""
    whole, _, fraction = literal.lstrip("+-").partition(".")
    whole, fraction = whole.lstrip("0"), fraction.rstrip("0")
    return max(len(whole) + len(fraction), 1), len(fraction)


def decimal(
    *,
    minimum: Decimal | None = None,
    fraction_digits: int | None = None,
    total_digits: int | None = None,
) -> SimpleType:
    def valid(value: str) -> bool:
        number = parse_decimal(value)
        if number is None:
            return False
        if minimum is not None and number < minimum:
            return False
        total, fraction = _digits(value)
        if fraction_digits is not None and fraction > fraction_digits:
            return False
        return total_digits is None or total <= total_digits

    places = f", hasta {fraction_digits} decimales" if fraction_digits is not None else ""
    places_en = f", up to {fraction_digits} decimals" if fraction_digits is not None else ""
    return SimpleType(f"número decimal{places}", f"decimal number{places_en}", valid)


def integer(
    minimum: int | None = None,
    maximum: int | None = None,
    *,
    total_digits: int | None = None,
    enum: Collection[int] | None = None,
) -> SimpleType:
    def valid(value: str) -> bool:
        if not _INTEGER.fullmatch(value):
            return False
        digits = value.lstrip("+-").lstrip("0") or "0"
        if len(digits) > _LONGEST_INTEGER:
            # Too long to convert (and above any bound the schema sets): only an unbounded
            # xs:integer accepts it, by its sign.
            bounded = maximum is not None or total_digits is not None or enum is not None
            return not bounded and (minimum is None or not value.startswith("-"))
        number = int(value)
        if minimum is not None and number < minimum:
            return False
        if maximum is not None and number > maximum:
            return False
        if total_digits is not None and len(digits) > total_digits:
            return False
        return enum is None or number in enum

    low = "" if minimum is None else f" desde {minimum}"
    high = "" if maximum is None else f" hasta {maximum}"
    low_en = "" if minimum is None else f" from {minimum}"
    high_en = "" if maximum is None else f" to {maximum}"
    return SimpleType(f"número entero{low}{high}", f"integer{low_en}{high_en}", valid)


def _valid_offset(match: re.Match[str]) -> bool:
    if match.group("tz") in (None, "Z"):
        return True
    hours, minutes = int(match.group("tzh")), int(match.group("tzm"))
    return minutes <= 59 and (hours < 14 or (hours == 14 and minutes == 0))


def date_time(*, pattern: str | None = None) -> SimpleType:
    compiled = re.compile(pattern) if pattern else None

    def valid(value: str) -> bool:
        match = _DATE_TIME.fullmatch(value)
        if match is None or not _valid_offset(match):
            return False
        if compiled is not None and not compiled.fullmatch(value):
            return False
        y, mo, d = int(match.group("y")), int(match.group("mo")), int(match.group("d"))
        h, mi, s = int(match.group("h")), int(match.group("mi")), int(match.group("s"))
        if y == 0:
            return False
        if h == 24 and mi == 0 and s == 0 and "." not in value[19:20]:
            h = 0  # XSD 1.0 allows 24:00:00 as midnight at the end of the day
        try:
            datetime(y, mo, d, h, mi, s, tzinfo=UTC)
        except ValueError:
            return False
        return True

    return SimpleType("fecha y hora aaaa-mm-ddThh:mm:ss", "date and time yyyy-mm-ddThh:mm:ss", valid)


def xs_date(*, pattern: str | None = None) -> SimpleType:
    compiled = re.compile(pattern) if pattern else None

    def valid(value: str) -> bool:
        match = _DATE.fullmatch(value)
        if match is None or not _valid_offset(match):
            return False
        if compiled is not None and not compiled.fullmatch(value):
            return False
        try:
            date(int(match.group("y")), int(match.group("mo")), int(match.group("d")))
        except ValueError:
            return False
        return int(match.group("y")) != 0

    return SimpleType("fecha aaaa-mm-dd", "date yyyy-mm-dd", valid)


def _is_xsd_word(char: str) -> bool:
    # XSD's \w is every character except punctuation (P), separators (Z) and others (C); it is
    # not Python's \w (which has "_" and lacks symbols such as "+").
    return unicodedata.category(char)[0] not in "PZC"


_EMAIL = re.compile(r"((a[-+._a]+@a[-.a]+\.a[-.a]+)(;?))*")


def _email(value: str) -> bool:
    # Every XSD word character becomes "a", so the schema's pattern can be matched by Python's
    # re exactly, with "a" standing for XSD's \w.
    folded = "".join("a" if _is_xsd_word(c) else c for c in value)
    return _EMAIL.fullmatch(folded) is not None


EMAIL = SimpleType("correos electrónicos separados por ;", "e-mail addresses separated by ;", _email)

# The two NIT patterns of the schema, with their "^"/"$" read as anchors (the trap).
NIT_EMISOR = string(1, 13, pattern=r"([1-9])+([0-9])*([0-9]|K)")
NIT_RECEPTOR = string(1, 18, pattern=r"(([1-9])+([0-9])*([0-9]|K))|(([1-9]+[0-9]){12,13})|(CF)|([A-Z0-9&%-/#=]{3,18})")
NIT_CERTIFICADOR = string(1, 13, pattern=r"([1-9])+([0-9])*([0-9]|K)")
UUID = string(pattern=r"[0-9A-F]{8}-([0-9A-F]{4}-){3}[0-9A-F]{12}")
NUMBER_N_DECIMALS = decimal(minimum=Decimal(0), fraction_digits=10, total_digits=22)
COUNTRY = string(pattern=r"[A-Z]{2}")

DOCUMENT_TYPES = frozenset(
    [
        "FACT",
        "FCAM",
        "FPEQ",
        "FCAP",
        "FESP",
        "NABN",
        "RDON",
        "RECI",
        "NDEB",
        "NCRE",
        "CIVA",
        "CAIS",
        "NEV",
        "RANT",
        "FACP",
        "FEPE",
        "FARP",
        "FCRP",
        "FPEC",
        "FCPC",
        "BIDP",
    ]
)
CURRENCIES = frozenset(
    [
        "GTQ",
        "USD",
        "VES",
        "CRC",
        "SVC",
        "NIO",
        "DKK",
        "NOK",
        "SEK",
        "CAD",
        "HKD",
        "TWD",
        "PTE",
        "EUR",
        "CHF",
        "HNL",
        "GBP",
        "ARS",
        "DOP",
        "COP",
        "MXN",
        "BRL",
        "MYR",
        "INR",
        "PKR",
        "KPW",
        "JPY",
    ]
)
IVA_AFFILIATIONS = frozenset(["GEN", "EXE", "PEQ", "ECA", "EXI", "PRI", "PEC", "OMI", "IDP"])
TAX_NAMES = frozenset(
    {
        "IVA",
        "PETROLEO",
        "TURISMO HOSPEDAJE",
        "TURISMO PASAJES",
        "TIMBRE DE PRENSA",
        "BOMBEROS",
        "TASA MUNICIPAL",
        "BEBIDAS ALCOHOLICAS",
        "TABACO",
        "CEMENTO",
        "BEBIDAS NO ALCOHOLICAS",
        "TARIFA PORTUARIA",
    }
)
SALE_DESTINATIONS = frozenset(
    {
        "Supermercado",
        "Mercado cantonal",
        "Mercado municipal",
        "Centro de acopio",
        "Exportación",
        "Exportación en pie",
        "Intermediación de productos bovinos",
        "Restaurante",
        "Organización de Padres de Familia",
    }
)
