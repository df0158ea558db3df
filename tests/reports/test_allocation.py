"""The splits behind both reports always add up exactly, whatever the weights."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from facturo.reports.allocation import percentages, plain, shares

cents = st.integers(min_value=0, max_value=10**13).map(lambda n: Decimal(n).scaleb(-2))
weights = st.lists(
    st.integers(min_value=0, max_value=10**12).map(lambda n: Decimal(n).scaleb(-6)), min_size=1, max_size=30
)


@given(total=cents, parts=weights)
def test_shares_add_up_to_the_total_and_follow_the_weights(total: Decimal, parts: list[Decimal]) -> None:
    split = shares(total, parts, "GTQ")
    assert sum(split, Decimal(0)) == total
    assert all(s == s.quantize(Decimal("0.01")) and s >= 0 for s in split)
    weight_sum = sum(parts, Decimal(0))
    if weight_sum:
        for share, weight in zip(split, parts, strict=True):
            assert abs(share - total * weight / weight_sum) < Decimal("0.01")  # never off by a cent or more


@given(amounts=st.lists(cents, min_size=1, max_size=30))
def test_percentages_add_up_to_100(amounts: list[Decimal]) -> None:
    result = percentages(amounts)
    assert sum(result, Decimal(0)) == (Decimal("100.00") if sum(amounts, Decimal(0)) else Decimal(0))


def test_degenerate_weights() -> None:
    assert shares(Decimal("0.00"), [Decimal(0), Decimal(0)], "GTQ") == [Decimal("0.00"), Decimal("0.00")]
    assert shares(Decimal("0.03"), [Decimal(0), Decimal(0)], "GTQ") == [Decimal("0.02"), Decimal("0.01")]
    assert shares(Decimal("5.00"), [], "GTQ") == []


def test_plain_figures_keep_every_decimal_and_no_exponent() -> None:
    assert [format(plain(Decimal(v)), "f") for v in ("10.0000", "8.2500", "100", "0.0000", "33.333300")] == [
        "10",
        "8.25",
        "100",
        "0",
        "33.3333",
    ]
