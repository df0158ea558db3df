"""How figures and dates look on the pages: the same money format as the PDF and the CLI
(Q1,234.50), dates as dd/mm/yyyy in Spanish and yyyy-mm-dd in English, times in the organisation's
time zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from facturo.kit import display
from facturo.kit.money import format_money
from facturo.kit.numbers import plain
from facturo.surface.web.i18n import current_language


def money(value: Decimal | None, currency: str = "GTQ") -> str:
    return "" if value is None else format_money(value, currency)


def day(value: date | None) -> str:
    if value is None:
        return ""
    return display.day(value) if current_language() == "es" else value.isoformat()


def moment(value: datetime | None, timezone: str = "America/Guatemala") -> str:
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return display.moment(local) if current_language() == "es" else local.strftime("%Y-%m-%d %H:%M")


def number(value: Decimal | int | None) -> str:
    """Exact figures (hours, rates) without a float detour; trailing zeros after the point dropped."""
    return plain(value, grouped=True)
