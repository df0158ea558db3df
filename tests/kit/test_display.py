"""Dates and exact prices as the Spanish documents print them, and the figure helpers the PDFs and
pages now share with kit.numbers, checked against the formats they replaced."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.kit.display import DASH, day, exact_money, moment, percentage
from facturo.kit.numbers import exact, percent, plain

decimals = st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**12), max_value=10**12, places=6)


def test_day_and_moment() -> None:
    assert day(date(2025, 3, 5)) == "05/03/2025"
    assert day(None) == DASH == "—"
    assert day(None, missing="") == ""
    assert moment(datetime(2025, 3, 5, 7, 4, 59)) == "05/03/2025 07:04"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("33.3333"), "Q33.3333"),
        (Decimal("12.5"), "Q12.50"),
        (Decimal("1234.5678"), "Q1,234.5678"),
        (Decimal("7"), "Q7.00"),
    ],
)
def test_exact_money_keeps_every_decimal(value: Decimal, text: str) -> None:
    assert exact_money(value, "GTQ") == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("12.50"), "12.50 %"), (Decimal("100"), "100 %"), (Decimal("0.00"), "0.00 %"), (Decimal("1E+2"), "100 %")],
)
def test_percentage_keeps_the_stored_scale(value: Decimal, text: str) -> None:
    assert percentage(value) == text


@given(decimals)
def test_percentage_is_the_positional_figure(value: Decimal) -> None:
    assert percentage(value) == f"{value:f} %"


@given(st.one_of(decimals, st.decimals(allow_nan=False, allow_infinity=False)))
def test_exact_is_the_grouped_positional_figure(value: Decimal) -> None:
    assert exact(value) == f"{value:,f}"


# Within the 28 digits of the default context, where normalize() does not round.
@given(decimals)
def test_plain_grouped_is_the_normalised_figure(value: Decimal) -> None:
    assert plain(value, grouped=True) == f"{value.normalize():,f}"


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=0, max_value=1, places=4))
def test_a_tax_rate_label_is_the_fraction_in_percent(rate: Decimal) -> None:
    assert percent(rate, space=False) == f"{(rate * 100).normalize():,f}%"
