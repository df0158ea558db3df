"""Exact figures as text: the one place a Decimal becomes a string for people, forms, files and
hashes. Never a float, never an exponent (``normalize()`` alone prints 100 as ``1E+2``), and
nothing is rounded here: rounding is the money module's job (``kit.money.quantize``).

Money amounts with their currency sign are ``kit.money.format_money``; the helpers below are for
quantities, rates, prices with more decimals than the cents, and percentages.
"""

from __future__ import annotations

from decimal import Decimal


def positional(value: Decimal) -> str:
    """Every digit the value holds, as stored (``1.50`` stays ``1.50``), without an exponent.

    ``str()`` gives the same text unless it would use an exponent, and is several times faster
    than ``format(value, "f")``, which matters for bulk exports."""
    text = str(value)
    return format(value, "f") if "E" in text or "e" in text else text


def fixed(value: Decimal, places: int) -> str:
    """At a fixed scale (``0``, ``0.0`` and ``0.00`` all give ``0.00`` for 2 places)."""
    return f"{value:.{places}f}"


def _grouped(text: str) -> str:
    sign = "-" if text.startswith("-") else ""
    whole, dot, fraction = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def plain(value: Decimal | int | None, places: int = 0, *, grouped: bool = False) -> str:
    """Trailing zeros dropped but at least ``places`` decimals (``125.50`` with 2, ``0.000125``,
    ``12``); thousands grouped with commas when ``grouped``; ``""`` for ``None``."""
    if value is None:
        return ""
    text = str(value) if isinstance(value, int) else positional(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if places:
        whole, _, fraction = text.partition(".")
        text = f"{whole}.{fraction.ljust(places, '0')}"
    return _grouped(text) if grouped else text


def exact(value: Decimal) -> str:
    """Grouped, with every digit as stored (``1,234.50``): report columns keep their scale."""
    return _grouped(positional(value))


def percent(rate: Decimal, *, space: bool = True) -> str:
    """A rate given as a fraction, as a percentage: ``0.12`` → ``12 %`` (``12%`` without ``space``)."""
    return f"{plain(rate * 100)}{' ' if space else ''}%"
