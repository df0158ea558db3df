"""Line and document arithmetic: the rounding policy applied (docs/rounding.md).

1. A line's amount (quantity × unit price − discount) is rounded once, half-up, to the cent.
2. Tax is computed per line from that rounded amount:
   * price includes tax:  total = amount, base = round(total / (1 + rate)), tax = total − base
   * price excludes tax:  base = amount,  tax = round(base × rate),          total = base + tax
3. Document subtotal, tax and total are the sums of the lines' rounded figures; nothing is
   rounded again, so every surface (screen, PDF, API, CSV) shows figures that add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from facturo.kit.money import ZERO, quantize


@dataclass(frozen=True, slots=True)
class LineAmounts:
    base: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class DocumentTotals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def line_amounts(
    quantity: Decimal,
    unit_price: Decimal,
    discount: Decimal,
    tax_rate: Decimal,
    price_includes_tax: bool,
    currency: str = "GTQ",
) -> LineAmounts:
    amount = quantize(quantity * unit_price - discount, currency)
    if price_includes_tax:
        base = quantize(amount / (1 + tax_rate), currency)
        return LineAmounts(base=base, tax=amount - base, total=amount)
    tax = quantize(amount * tax_rate, currency)
    return LineAmounts(base=amount, tax=tax, total=amount + tax)


def document_totals(lines: Iterable[LineAmounts]) -> DocumentTotals:
    subtotal = tax = total = ZERO
    for line in lines:
        subtotal += line.base
        tax += line.tax
        total += line.total
    return DocumentTotals(subtotal=subtotal, tax=tax, total=total)


def tax_breakdown(lines: Iterable[tuple[Decimal, LineAmounts]]) -> dict[Decimal, LineAmounts]:
    """Per tax rate: base, tax and total (for the PDF's IVA summary)."""
    groups: dict[Decimal, list[LineAmounts]] = {}
    for rate, amounts in lines:
        groups.setdefault(rate, []).append(amounts)
    result = {}
    for rate, items in sorted(groups.items()):
        totals = document_totals(items)
        result[rate] = LineAmounts(base=totals.subtotal, tax=totals.tax, total=totals.total)
    return result
