"""When a figure written in a DTE counts as equal to the one computed from its other figures.

FEL amounts carry up to 6 decimals (the schema allows 10) and issuers round each figure once, to
the decimals they write. A declared figure matches when it differs from the exact computation by
at most half a unit of its own last written decimal (never coarser than a centavo: "100" counts as
written with 2 decimals, and never finer than 6 decimals), plus 0.000001 per rounded figure that
went into the computation (each input was itself rounded once). See docs/reception-fel.md.
"""

from __future__ import annotations

from decimal import Decimal

MICRO = Decimal("0.000001")
_HALF = Decimal("0.5")


def written_places(text: str) -> int:
    _, _, fraction = text.strip().partition(".")
    return len(fraction)


def tolerance(declared_text: str, operations: int) -> Decimal:
    places = min(max(written_places(declared_text), 2), 6)
    return _HALF * Decimal(10) ** -places + MICRO * operations


def matches(declared: Decimal, declared_text: str, computed: Decimal, operations: int) -> bool:
    return abs(declared - computed) <= tolerance(declared_text, operations)
