"""Dates and exact prices as the Spanish documents (PDFs, CLI tables) print them: dd/mm/yyyy,
dd/mm/yyyy hh:mm, an em dash for a date that is not there. Amounts rounded to the cent are
``kit.money.format_money``; other figures are ``kit.numbers``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_currency

from facturo.kit.numbers import positional

DASH = "—"


def day(value: date | None, missing: str = DASH) -> str:
    return value.strftime("%d/%m/%Y") if value else missing


def moment(value: datetime) -> str:
    """As given: the caller picks the time zone people read it in."""
    return value.strftime("%d/%m/%Y %H:%M")


def exact_money(value: Decimal, currency: str) -> str:
    """A price or hourly rate with every decimal it has (Q33.3333/h is not Q33.33/h)."""
    return str(format_currency(value, currency, locale="es_GT", decimal_quantization=False))


def percentage(value: Decimal) -> str:
    """A figure already in percent, at the scale it is stored (``12.50 %``); a fraction such as
    0.12 is ``kit.numbers.percent``."""
    return f"{positional(value)} %"
