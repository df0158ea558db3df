"""Splitting a rounded total into parts that add up to it exactly (docs/rounding.md §6).

Both reports use the same two splits of a usage invoice line, so the invoice detail and the sales
analysis always agree on what each resource earned:

* per consumption, weighted by its exact cost (hours × the line's hourly rate);
* per resource, weighted by its hourly rate (quantity × price per hour).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from facturo.kit.money import ZERO
from facturo.usage.line_split import shares
from facturo.usage.rates import RatedResource

# ``shares`` lives with billing, which stores each line's per-resource parts with it; the reports
# split with the very same function.
__all__ = ["percentages", "plain", "resource_shares", "shares"]


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
