"""Line and document arithmetic: what the customer reads on the invoice must add up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from facturo.invoicing.amounts import LineAmounts, document_totals, line_amounts, tax_breakdown
from facturo.kit.money import DEFAULT_TAX_RATE as IVA_GT

D = Decimal
ZERO_RATE = D(0)


def amounts(base: str, tax: str, total: str) -> LineAmounts:
    return LineAmounts(D(base), D(tax), D(total))


def test_iva_is_twelve_percent() -> None:
    assert D("0.12") == IVA_GT


def test_tax_included_price_splits_into_base_and_iva() -> None:
    assert line_amounts(D(1), D("112.00"), D(0), IVA_GT, True) == amounts("100.00", "12.00", "112.00")


@pytest.mark.parametrize(
    ("total", "base", "tax"),
    [
        ("100.00", "89.29", "10.71"),  # 89.2857.. rounds up
        ("1.00", "0.89", "0.11"),  # 0.8928..
        ("10.00", "8.93", "1.07"),  # 8.9285..
        ("0.01", "0.01", "0.00"),  # 0.0089.. rounds up to a cent; no tax on one cent
        ("50.00", "44.64", "5.36"),  # 44.6428..
        ("999.99", "892.85", "107.14"),  # 892.8482..
        ("33.60", "30.00", "3.60"),
    ],
)
def test_tax_included_rounding_keeps_base_plus_tax_equal_to_the_price(total: str, base: str, tax: str) -> None:
    line = line_amounts(D(1), D(total), D(0), IVA_GT, True)
    assert line == amounts(base, tax, total)
    assert line.base + line.tax == line.total


def test_tax_exclusive_price_adds_iva_on_top() -> None:
    assert line_amounts(D(1), D("100.00"), D(0), IVA_GT, False) == amounts("100.00", "12.00", "112.00")


def test_tax_exclusive_rounds_the_tax_half_up() -> None:
    # 3 x 10.125 = 30.375 -> 30.38; 12 % of 30.38 = 3.6456 -> 3.65
    assert line_amounts(D(3), D("10.125"), D(0), IVA_GT, False) == amounts("30.38", "3.65", "34.03")
    # 12 % of 0.04 = 0.0048 -> 0.00; of 0.05 = 0.006 -> 0.01
    assert line_amounts(D(1), D("0.04"), D(0), IVA_GT, False).tax == D("0.00")
    assert line_amounts(D(1), D("0.05"), D(0), IVA_GT, False).tax == D("0.01")


def test_quantity_times_price_is_rounded_once() -> None:
    # 0.333 x 9.99 = 3.32667 -> 3.33 (tax included): base 2.97 (2.973..), tax 0.36
    assert line_amounts(D("0.333"), D("9.99"), D(0), IVA_GT, True) == amounts("2.97", "0.36", "3.33")


def test_discount_comes_off_before_tax_included_split() -> None:
    # 3 x 33.33 = 99.99, minus 9.99 discount = 90.00; base 80.36 (80.357..), tax 9.64
    assert line_amounts(D(3), D("33.33"), D("9.99"), IVA_GT, True) == amounts("80.36", "9.64", "90.00")


def test_discount_comes_off_before_tax_exclusive_tax() -> None:
    # 2 x 50 = 100 - 10 = 90; tax 10.80
    assert line_amounts(D(2), D("50.00"), D("10.00"), IVA_GT, False) == amounts("90.00", "10.80", "100.80")


def test_full_discount_leaves_nothing() -> None:
    assert line_amounts(D(2), D("50.00"), D("100.00"), IVA_GT, True) == amounts("0.00", "0.00", "0.00")


@pytest.mark.parametrize("includes", [True, False])
def test_zero_rate_lines_carry_no_tax(includes: bool) -> None:
    assert line_amounts(D(4), D("25.125"), D(0), ZERO_RATE, includes) == amounts("100.50", "0.00", "100.50")


def test_document_totals_are_the_sums_of_the_rounded_lines() -> None:
    lines = [
        line_amounts(D(1), D("100.00"), D(0), IVA_GT, True),  # 89.29 + 10.71
        line_amounts(D(1), D("100.00"), D(0), IVA_GT, True),
        line_amounts(D(1), D("100.00"), D(0), IVA_GT, True),
        line_amounts(D(2), D("10.00"), D(0), ZERO_RATE, True),  # 20.00 exempt
        line_amounts(D(1), D("50.00"), D(0), IVA_GT, False),  # 50.00 + 6.00
    ]
    totals = document_totals(lines)
    assert totals.subtotal == D("337.87")  # 3 x 89.29 + 20.00 + 50.00
    assert totals.tax == D("38.13")  # 3 x 10.71 + 0 + 6.00
    assert totals.total == D("376.00")  # 300 + 20 + 56
    assert totals.subtotal + totals.tax == totals.total
    # Not re-derived from the total (300 / 1.12 = 267.857.. would give 267.86, not 3 x 89.29 = 267.87).
    assert totals.subtotal - D("20.00") - D("50.00") == D("267.87")


def test_document_totals_of_no_lines_are_zero() -> None:
    totals = document_totals([])
    assert (totals.subtotal, totals.tax, totals.total) == (0, 0, 0)


def test_tax_breakdown_groups_lines_by_rate_in_ascending_order() -> None:
    breakdown = tax_breakdown(
        [
            (IVA_GT, line_amounts(D(1), D("112.00"), D(0), IVA_GT, True)),
            (ZERO_RATE, line_amounts(D(1), D("40.00"), D(0), ZERO_RATE, True)),
            (IVA_GT, line_amounts(D(1), D("100.00"), D(0), IVA_GT, True)),
            (D("0.05"), line_amounts(D(1), D("20.00"), D(0), D("0.05"), False)),
            (ZERO_RATE, line_amounts(D(1), D("2.50"), D(0), ZERO_RATE, True)),
        ]
    )
    assert list(breakdown) == [D(0), D("0.05"), D("0.12")]
    assert breakdown[D(0)] == amounts("42.50", "0.00", "42.50")
    assert breakdown[D("0.05")] == amounts("20.00", "1.00", "21.00")
    assert breakdown[D("0.12")] == amounts("189.29", "22.71", "212.00")
    # The summary adds up to the document.
    assert sum(g.total for g in breakdown.values()) == D("275.50")
