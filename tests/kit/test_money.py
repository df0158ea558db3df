"""Exact money: rounding, refusing floats, currencies, formatting, words and allocation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from facturo.kit.money import allocate, amount_in_words, as_written, format_money, quantize, to_decimal

D = Decimal


# --- quantize ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.345", "2.35"),
        ("2.344", "2.34"),
        ("-2.345", "-2.35"),
        ("-2.344", "-2.34"),
        ("0.005", "0.01"),
        ("0.0049999", "0.00"),
        ("1234.5", "1234.50"),
        ("10", "10.00"),
    ],
)
def test_quantize_rounds_half_up_to_the_cent(raw: str, expected: str) -> None:
    result = quantize(D(raw))
    assert result == D(expected)
    assert str(result) == expected  # two decimal places exactly, as printed on documents


def test_quantize_uses_the_currency_minor_unit() -> None:
    assert str(quantize(D("1234.5"), "JPY")) == "1235"  # yen has no minor unit
    assert str(quantize(D("2.345"), "USD")) == "2.35"


# --- to_decimal -------------------------------------------------------------------------------


def test_to_decimal_refuses_floats() -> None:
    with pytest.raises(TypeError, match="float"):
        to_decimal(0.1)  # type: ignore[arg-type]


def test_to_decimal_refuses_booleans() -> None:
    with pytest.raises(TypeError):
        to_decimal(True)


@pytest.mark.parametrize("raw", ["abc", "", "1,5"])
def test_to_decimal_refuses_text_that_is_not_a_number(raw: str) -> None:
    with pytest.raises(ValueError, match="not a number"):
        to_decimal(raw)


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity"])
def test_to_decimal_refuses_non_finite_numbers(raw: str) -> None:
    with pytest.raises(ValueError, match="finite"):
        to_decimal(raw)


@pytest.mark.parametrize(("raw", "expected"), [(" 12.30 ", D("12.30")), (7, D(7)), (D("0.1"), D("0.1"))])
def test_to_decimal_is_exact(raw: str | int | Decimal, expected: Decimal) -> None:
    result = to_decimal(raw)
    assert result == expected
    assert isinstance(result, Decimal)


# --- format_money -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1234.5", "Q1,234.50"),
        ("1234.50", "Q1,234.50"),
        ("-1234.5", "-Q1,234.50"),
        ("0", "Q0.00"),
        ("1000000", "Q1,000,000.00"),
        ("2.345", "Q2.35"),
    ],
)
def test_format_money_in_guatemalan_spanish(amount: str, expected: str) -> None:
    assert format_money(D(amount)) == expected


# --- amount_in_words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("1000000", "un millón de quetzales exactos"),
        ("21000", "veintiún mil quetzales exactos"),
        ("1234.50", "mil doscientos treinta y cuatro quetzales con 50/100"),
        ("2000000.01", "dos millones de quetzales con 01/100"),
        ("31000000", "treinta y un millones de quetzales exactos"),
        ("21", "veintiún quetzales exactos"),
        ("101", "ciento un quetzales exactos"),
        ("1.50", "un quetzal con 50/100"),
        ("-5", "menos cinco quetzales exactos"),
    ],
)
def test_amount_in_words(amount: str, expected: str) -> None:
    assert amount_in_words(D(amount)) == expected


def test_amount_in_words_for_one_quetzal_agrees_in_number() -> None:
    # "exactos" must agree with the noun: one quetzal is "exacto", as in "un quetzal exacto".
    assert amount_in_words(D("1")) == "un quetzal exacto"


def test_amount_in_words_rounds_before_spelling() -> None:
    assert amount_in_words(D("9.999")) == "diez quetzales exactos"


# --- allocate ---------------------------------------------------------------------------------


def test_allocate_splits_exactly_by_largest_remainder() -> None:
    assert allocate(D("100.00"), [D(1), D(1), D(1)]) == [D("33.34"), D("33.33"), D("33.33")]
    assert allocate(D("0.01"), [D(1), D(1), D(1)]) == [D("0.01"), D("0.00"), D("0.00")]
    # 10 split 1:2 -> 3.333.. and 6.666..; the larger remainder (second part) takes the cent.
    assert allocate(D("10.00"), [D(1), D(2)]) == [D("3.33"), D("6.67")]


def test_allocate_negative_totals_sum_exactly() -> None:
    parts = allocate(D("-100.00"), [D(1), D(1), D(1)])
    assert parts == [D("-33.34"), D("-33.33"), D("-33.33")]
    assert sum(parts) == D("-100.00")


def test_allocate_edge_cases() -> None:
    assert allocate(D("5.00"), []) == []
    with pytest.raises(ValueError, match="zero"):
        allocate(D("5.00"), [D(0), D(0)])


cents = st.integers(min_value=-(10**11), max_value=10**11).map(lambda c: D(c).scaleb(-2))
weights = st.lists(
    st.decimals(min_value=D("0.0001"), max_value=D(10**6), places=4, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
)


@given(total=cents, parts_weights=weights)
def test_allocate_parts_sum_to_the_total_and_stay_within_a_cent(total: Decimal, parts_weights: list[Decimal]) -> None:
    parts = allocate(total, parts_weights)
    assert len(parts) == len(parts_weights)
    assert sum(parts, D(0)) == total
    weight_sum = sum(parts_weights, D(0))
    for part, weight in zip(parts, parts_weights, strict=True):
        assert part == quantize(part)  # whole cents
        exact = total * weight / weight_sum
        assert abs(part - exact) < D("0.01")


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("100.110000", "100.11"), ("89.285714", "89.285714"), ("100.000000", "100.00"), ("-5.500000", "-5.50")],
)
def test_an_amount_stored_at_six_decimals_is_shown_as_written(stored: str, shown: str) -> None:
    assert str(as_written(Decimal(stored))) == shown


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=6, allow_nan=False, allow_infinity=False))
def test_as_written_keeps_the_value_and_at_least_two_decimals(amount: Decimal) -> None:
    shown = as_written(amount)
    assert shown == amount
    assert -shown.as_tuple().exponent >= 2  # type: ignore[operator]
