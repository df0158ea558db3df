"""Exact money. The single home of the rounding policy (see docs/rounding.md).

* Amounts are ``Decimal``; floats are refused outright, because a float has already lost the cent.
* ``quantize`` rounds half-up to the currency's minor unit (2 places for GTQ, per CLDR via Babel).
* ``format_money`` and ``amount_in_words`` produce what people read on screens and PDFs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import format_currency, get_currency_precision
from num2words import num2words

ROUNDING = ROUND_HALF_UP
ZERO = Decimal(0)
# The largest amount a single line or payment may carry (13 integer digits): far beyond any real
# invoice, and small enough that sums of many lines stay exact in a 64-bit integer of cents.
MAX_AMOUNT = Decimal("9999999999999.99")

# Guatemala's IVA, the rate a new product or free line gets unless told otherwise. The one place
# the default lives: catalog defaults, invoicing and the CLI all read it from here.
DEFAULT_TAX_RATE = Decimal("0.12")


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Exact conversion; floats are a bug on a money path, so they are rejected."""
    if isinstance(value, bool | float):
        raise TypeError(f"refusing {type(value).__name__} on a money path: {value!r}")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


@cache
def minor_units(currency: str) -> int:
    return int(get_currency_precision(currency))


# Every amount passes here: Babel's lookup costs about 12 µs, the cached quantum nothing.
@cache
def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def quantize(amount: Decimal, currency: str = "GTQ") -> Decimal:
    """Round to the currency's minor unit with the house rounding mode (half-up)."""
    return amount.quantize(quantum(currency), rounding=ROUNDING)


def is_quantized(amount: Decimal, currency: str = "GTQ") -> bool:
    return amount == quantize(amount, currency)


def as_written(amount: Decimal, places: int = 2) -> Decimal:
    """``amount`` without the zeros a wider storage scale added, but with at least ``places``
    decimals: 100.110000 -> 100.11, 89.285714 stays. The value is unchanged, only its exponent."""
    trimmed = amount.normalize()
    if trimmed.as_tuple().exponent > -places:  # type: ignore[operator]
        return amount.quantize(Decimal(1).scaleb(-places))
    return trimmed


def format_money(amount: Decimal, currency: str = "GTQ", locale: str = "es_GT") -> str:
    """``Q1,234.50`` in es_GT. Babel accepts Decimal and keeps it exact."""
    rounded = quantize(amount, currency)
    if rounded == 0:
        rounded = abs(rounded)  # never "-Q0.00"
    return str(format_currency(rounded, currency, locale=locale))


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str = "GTQ") -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so the parts add up to it exactly.

    Largest-remainder method: every part is rounded down to the minor unit, then the leftover
    minor units go to the parts with the largest remainders (ties to the earliest part).
    """
    if not weights:
        return []
    step = quantum(currency)
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:
        raise ValueError("cannot allocate over weights that add up to zero")
    exact = [total * w / weight_sum for w in weights]
    sign = -1 if total < 0 else 1
    floors = [(abs(e) // step) * step * sign for e in exact]
    leftover = int((total - sum(floors, ZERO)) / step)
    order = sorted(range(len(exact)), key=lambda i: (-(abs(exact[i]) - abs(floors[i])), i))
    for i in order[: abs(leftover)]:
        floors[i] += step * sign
    return floors


# --- amount in words -------------------------------------------------------------------------

_CURRENCY_NAMES: dict[str, tuple[str, str]] = {
    "GTQ": ("quetzal", "quetzales"),
    "USD": ("dólar", "dólares"),
    "EUR": ("euro", "euros"),
    "MXN": ("peso", "pesos"),
    "HNL": ("lempira", "lempiras"),
    "CRC": ("colón", "colones"),
}
_BIG = r"(?= (?:mil|millón|millones|billón|billones)\b)"


def _apocopate(words: str) -> str:
    """Spanish drops the final -o of "uno" before a noun or a large number word:
    "veintiún mil", "treinta y un millones", "un quetzal"."""
    words = re.sub(r"\bveintiuno" + _BIG, "veintiún", words)
    words = re.sub(r"\buno" + _BIG, "un", words)
    words = re.sub(r"\bveintiuno$", "veintiún", words)
    return re.sub(r"\buno$", "un", words)


def amount_in_words(amount: Decimal, currency: str = "GTQ") -> str:
    """Spanish legal wording, e.g. "un millón de quetzales exactos" or
    "mil doscientos treinta y cuatro quetzales con 50/100"."""
    value = quantize(to_decimal(amount), currency)
    negative = value < 0
    value = abs(value)
    whole = int(value)
    cents = int((value - whole) * (10 ** minor_units(currency)))
    singular, plural = _CURRENCY_NAMES.get(currency, (currency, currency))
    words = _apocopate(str(num2words(whole, lang="es")))
    noun = singular if whole == 1 else plural
    # "un millón de quetzales", "dos millones de quetzales": "de" when the number ends in millón(es).
    joiner = " de " if re.search(r"(millón|millones|billón|billones)$", words) else " "
    text = f"{words}{joiner}{noun}"
    if minor_units(currency):
        exact = " exacto" if whole == 1 else " exactos"
        text += f" con {cents:0{minor_units(currency)}d}/{10 ** minor_units(currency)}" if cents else exact
    return ("menos " if negative else "") + text
