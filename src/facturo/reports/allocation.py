"""Splitting a rounded total into parts that add up to it exactly (docs/rounding.md §6).

Both reports use the same two splits of a usage invoice line, so the invoice detail and the sales
analysis always agree on what each resource earned:

* per consumption, weighted by its exact cost (hours × the line's hourly rate);
* per resource, weighted by its hourly rate (quantity × price per hour).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from facturo.kit.money import ZERO, allocate, quantize
from facturo.usage.rates import RatedResource


def shares(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """``total`` split over ``weights`` by largest remainder; the parts add up to ``total``.

    Weights adding up to zero (a line priced at zero) give zero parts when the total is zero, and
    equal parts otherwise, so a report never fails on a degenerate line.
    """
    if not weights:
        return []
    if sum(weights, ZERO) == 0:
        if total == 0:
            return [quantize(ZERO, currency)] * len(weights)
        weights = [Decimal(1)] * len(weights)
    return allocate(total, weights, currency)


def percentages(amounts: Sequence[Decimal]) -> list[Decimal]:
    """Each amount's share of their sum, in percent with 2 decimals, adding up to 100.00."""
    if not amounts:
        return []
    if sum(amounts, ZERO) == 0:
        return [Decimal("0.00")] * len(amounts)
    return shares(Decimal("100.00"), amounts, "USD")  # any currency with 2 minor digits


def resource_shares(
    line_total: Decimal, resources: Sequence[RatedResource], currency: str
) -> list[tuple[RatedResource, Decimal]]:
    """Each resource of a line with its part of the line total (weighted by its hourly rate)."""
    parts = shares(line_total, [r.hour_rate for r in resources], currency)
    return list(zip(resources, parts, strict=True))


def plain(value: Decimal) -> Decimal:
    """An exact figure without trailing zeros (10.0000 → 10), for hours, rates and quantities."""
    normal = value.normalize()
    # normalize() turns 100 into 1E+2; quantizing to the unit keeps it positional.
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal
