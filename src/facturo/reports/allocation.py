"""Splitting a rounded total into parts that add up to it exactly (docs/rounding.md §6).

Both reports use the same two splits of a usage invoice line, so the invoice detail and the sales
analysis always agree on what each resource earned:

* per consumption, weighted by its exact cost (hours × the line's hourly rate);
* per resource, weighted by its hourly rate (quantity × price per hour).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, getcontext

from facturo.kit.money import ZERO, allocate, minor_units, quantize
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


# Below this bound on total × Σ weights (in the integer units of ``ResourceSplit``), Decimal's 28
# significant digits separate every two distinct remainders and every part from the next cent
# by orders of magnitude, so exact integer arithmetic reproduces ``shares`` exactly.
_EXACT_BOUND = 10**24


class ResourceSplit:
    """``shares`` of many line totals over one frozen resource list, in integer cents.

    Gives exactly what ``shares(total, [r.hour_rate ...], currency)`` gives, much faster: each part
    is ``floor(t × w / W)`` and the leftover cents go to the largest remainders ``t × w mod W``, ties
    to the earliest resource, as ``kit.money.allocate`` does. The one case where ``allocate``'s
    Decimal rounding (28 digits) may order two remainders differently from exact arithmetic is a
    tie between resources of different weights right at the cut; that total, a degenerate list
    (weights adding up to zero) or a huge figure go through ``shares`` itself.
    """

    __slots__ = ("_currency", "_exact", "_weight_sum", "_weights", "rated", "sums")

    def __init__(self, rated: Sequence[RatedResource], currency: str) -> None:
        self.rated = list(rated)
        self._currency = currency
        rates = [r.hour_rate for r in self.rated]
        exponent = max((-int(rate.as_tuple().exponent) for rate in rates), default=0)
        self._weights = [int(rate.scaleb(exponent)) for rate in rates]
        self._weight_sum = sum(self._weights)
        self._exact = (
            getcontext().prec >= 28 and minor_units(currency) == 2 and self._weight_sum > 0 and min(self._weights) >= 0
        )
        self.sums = [0] * len(self.rated)  # Σ parts per resource, in cents

    def add(self, cents: int) -> None:
        """Add the parts of a line total of ``cents`` hundredths."""
        self.add_all((cents,))

    def add_all(self, totals: Iterable[int]) -> None:
        """Add the parts of each line total (in hundredths)."""
        weights, weight_sum, sums = self._weights, self._weight_sum, self.sums
        count = len(weights)
        if not self._exact:
            for cents in totals:
                self._add_decimal(cents)
            return
        indexes = range(count)
        plain_totals = 0  # Σ cents of the lines split here: Σ floors = (w × Σ cents − Σ remainders) / W
        remainder_rows: list[list[int]] = []
        for cents in totals:
            if cents < 0 or cents * weight_sum >= _EXACT_BOUND:
                self._add_decimal(cents)
                continue
            remainders = [cents * w % weight_sum for w in weights]
            left = sum(remainders) // weight_sum  # the cents the floors leave over
            if left:
                # Largest remainders first; sorted() is stable, so ties keep the earliest resource.
                order = sorted(indexes, key=remainders.__getitem__, reverse=True)
                if left < count:
                    cut = remainders[order[left]]
                    if (
                        cut == remainders[order[left - 1]]
                        and len({w for w, r in zip(weights, remainders, strict=True) if r == cut}) > 1
                    ):
                        self._add_decimal(cents)
                        continue
                for i in order[:left]:
                    sums[i] += 1
            plain_totals += cents
            remainder_rows.append(remainders)
        for i, column in enumerate(zip(*remainder_rows, strict=True)) if remainder_rows else ():
            sums[i] += (weights[i] * plain_totals - sum(column)) // weight_sum

    def _add_decimal(self, cents: int) -> None:
        total = Decimal(cents).scaleb(-2)
        parts = shares(total, [r.hour_rate for r in self.rated], self._currency)
        for i, part in enumerate(parts):
            self.sums[i] += int(part.scaleb(2))
