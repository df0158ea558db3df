"""Splitting a usage line's rounded total over its resources (docs/rounding.md, docs/reports.md).

A line total is rounded once, so its per-resource parts would not add up if each were rounded on
its own: the split is **largest remainder** (``kit.money.allocate``), weighted by each resource's
hourly rate (quantity × price per hour). Billing stores these parts with the line
(``usage_line_resource_parts``) because the line's snapshot is frozen and so is its split; the
reports read them back (the sales analysis sums them in SQL) and use the same ``shares`` for their
other splits, so every figure agrees to the cent.

Pure functions over Decimals and the frozen resource list (the JSON items of a line snapshot),
importing nothing but ``kit.money``: migration 0010 imports them to backfill the parts of the lines
billed before the table existed with exactly the rule billing applies, without loading any model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from facturo.kit.money import ZERO, allocate, quantize

__all__ = ["line_parts", "shares", "snapshot_weights"]


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


def snapshot_weights(resources: Sequence[Mapping[str, str]]) -> list[Decimal]:
    """Each frozen resource's hourly rate (quantity × price per hour), read as
    ``usage.rates.RatedResource.from_snapshot`` reads it (a missing figure counts as 0)."""
    return [
        Decimal(str(item.get("quantity", "0"))) * Decimal(str(item.get("price_per_hour", "0"))) for item in resources
    ]


def line_parts(total: Decimal, resources: Sequence[Mapping[str, str]], currency: str) -> list[Decimal]:
    """The part of a line's ``total`` each resource of its frozen list earned, in the list's order
    (a resource listed twice keeps both places, each with its own part)."""
    return shares(total, snapshot_weights(resources), currency)
