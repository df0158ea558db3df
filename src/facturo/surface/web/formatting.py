"""How figures and dates look on the pages: the same money format as the PDF and the CLI
(Q1,234.50), dates as dd/mm/yyyy in Spanish and yyyy-mm-dd in English, times in the organisation's
time zone."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from facturo.kit.money import format_money
from facturo.surface.web.i18n import current_language


def money(value: Decimal | None, currency: str = "GTQ") -> str:
    return "" if value is None else format_money(value, currency)


def day(value: date | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if current_language() == "es" else value.isoformat()


def moment(value: datetime | None, timezone: str = "America/Guatemala") -> str:
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(timezone))
    return local.strftime("%d/%m/%Y %H:%M") if current_language() == "es" else local.strftime("%Y-%m-%d %H:%M")


def number(value: Decimal | int | None) -> str:
    """Exact figures (hours, rates) without a float detour; trailing zeros after the point dropped."""
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}" if whole.lstrip("-").isdigit() else whole
    if whole.startswith("-") and grouped[0] != "-":
        grouped = "-" + grouped
    return f"{grouped}.{fraction}" if fraction else grouped
