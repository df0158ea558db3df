"""Exact figures as text: what people, forms and files read."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.kit.numbers import exact, fixed, percent, plain, positional


@pytest.mark.parametrize(
    ("value", "places", "grouped", "text"),
    [
        (Decimal("125.50"), 2, False, "125.50"),
        (Decimal("125.5000"), 0, False, "125.5"),
        (Decimal("100"), 2, False, "100.00"),
        (Decimal("1E+2"), 0, False, "100"),
        (Decimal("0.000125"), 2, False, "0.000125"),
        (Decimal("1234567.891"), 2, True, "1,234,567.891"),
        (Decimal("-1234.50"), 0, True, "-1,234.5"),
        (7, 0, True, "7"),
        (None, 2, True, ""),
    ],
)
def test_plain_drops_trailing_zeros_but_keeps_the_places_asked(
    value: Decimal | int | None, places: int, grouped: bool, text: str
) -> None:
    assert plain(value, places, grouped=grouped) == text


def test_exact_keeps_the_stored_scale_and_groups() -> None:
    assert exact(Decimal("1234.50")) == "1,234.50"
    assert exact(Decimal("-0.0001")) == "-0.0001"


def test_fixed_and_positional_never_print_an_exponent() -> None:
    assert fixed(Decimal("0"), 2) == "0.00"
    assert positional(Decimal("1E+3")) == "1000"
    assert positional(Decimal("1E-7")) == "0.0000001"


def test_percent_reads_a_fraction() -> None:
    assert percent(Decimal("0.12")) == "12 %"
    assert percent(Decimal("0.125"), space=False) == "12.5%"
    assert percent(Decimal("0")) == "0 %"


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=6))
def test_plain_is_the_same_number(value: Decimal) -> None:
    assert Decimal(plain(value, grouped=True).replace(",", "")) == value
    assert Decimal(exact(value).replace(",", "")) == value
