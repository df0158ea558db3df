"""When a figure written in a DTE counts as equal to the one computed from its other figures.

FEL amounts carry up to 6 decimals (the schema allows 10) and issuers round each figure once, to
the decimals they write. A declared figure matches when it differs from the exact computation by
at most half a unit of its own last written decimal (never coarser than a centavo: "100" counts as
written with 2 decimals, and never finer than 6 decimals), plus 0.000001 per rounded figure that
went into the computation, plus what the rounding of those inputs carries into the result (half a
unit of each rounded input times its factor: 12 % of the taxable amount's rounding for the IVA,
1/1.12 of the price's and discounts' for the taxable amount). See docs/reception-fel.md.
"""

from __future__ import annotations

from decimal import Decimal

MICRO = Decimal("0.000001")
_HALF = Decimal("0.5")


def written_places(text: str) -> int:
    _, _, fraction = text.strip().partition(".")
    return len(fraction)


def half_unit(text: str) -> Decimal:
    """Half a unit of the last decimal a figure was written with (2 to 6 decimals)."""
    places = min(max(written_places(text), 2), 6)
    return _HALF * Decimal(10) ** -places


def tolerance(declared_text: str, operations: int, carried: Decimal = Decimal(0)) -> Decimal:
    return half_unit(declared_text) + MICRO * operations + carried


def matches(
    declared: Decimal, declared_text: str, computed: Decimal, operations: int, carried: Decimal = Decimal(0)
) -> bool:
    return abs(declared - computed) <= tolerance(declared_text, operations, carried)
