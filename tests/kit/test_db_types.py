"""Exact money columns and aware UTC timestamps, checked through a real migrated database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Dialect, func, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from facturo.catalog.models import Product
from facturo.kit import clock
from facturo.kit.db_types import ScaledDecimal, UTCDateTime
from tests.factories import make_product

GUATEMALA = timezone(timedelta(hours=-6))


def _dialect(session: Session) -> Dialect:
    return session.get_bind().dialect


# --- ScaledDecimal ------------------------------------------------------------------------------


def test_scaled_decimal_refuses_floats(session: Session) -> None:
    with pytest.raises(TypeError, match="float"):
        ScaledDecimal(2).process_bind_param(1.10, _dialect(session))


def test_scaled_decimal_refuses_more_decimals_than_its_scale(session: Session) -> None:
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        ScaledDecimal(2).process_bind_param(Decimal("1.005"), _dialect(session))


def test_scaled_decimal_stores_an_exact_integer(session: Session) -> None:
    column = ScaledDecimal(2)
    assert column.process_bind_param(Decimal("1234.50"), _dialect(session)) == 123450
    assert column.process_bind_param(Decimal("-0.01"), _dialect(session)) == -1
    assert column.process_result_value(123450, _dialect(session)) == Decimal("1234.50")
    assert str(column.process_result_value(7, _dialect(session))) == "0.07"


def test_a_float_price_never_reaches_the_database(session: Session) -> None:
    product = make_product(session, "10.00")
    product.unit_price = 10.1  # type: ignore[assignment]
    with pytest.raises(StatementError, match="float on an exact column"):
        session.flush()
    session.rollback()


def test_a_price_with_too_many_decimals_is_refused_not_rounded(session: Session) -> None:
    product = make_product(session, "10.00")
    product.unit_price = Decimal("10.1234567")  # the price column keeps 6 places
    with pytest.raises(StatementError, match="more than 6 decimal places"):
        session.flush()
    session.rollback()


def test_prices_round_trip_exactly_through_the_database(session: Session) -> None:
    product = make_product(session, "12.345678", stock=Decimal("3.5"))
    session.flush()
    raw = session.execute(
        text("SELECT unit_price, stock, tax_rate FROM products WHERE id = :id"), {"id": product.id}
    ).one()
    # Stored as integers of 10^-6 (price, quantity) and 10^-4 (rate): nothing float-backed.
    assert (int(raw.unit_price), int(raw.stock), int(raw.tax_rate)) == (12345678, 3500000, 1200)

    session.expunge_all()
    again = session.get(Product, product.id)
    assert again is not None
    assert again.unit_price == Decimal("12.345678")
    assert again.stock == Decimal("3.5")
    assert again.tax_rate == Decimal("0.12")


def test_sum_over_amounts_stays_exact(session: Session) -> None:
    ids = [make_product(session, price).id for price in ("0.10", "0.20", "0.30")]
    session.flush()
    total = session.scalar(select(func.sum(Product.unit_price)).where(Product.id.in_(ids)))
    assert total == Decimal("0.600000")
    assert isinstance(total, Decimal)
    raw_total = session.scalar(
        text("SELECT SUM(unit_price) FROM products WHERE id IN (:a, :b, :c)"), dict(zip("abc", ids, strict=True))
    )
    assert ScaledDecimal(6).process_result_value(raw_total, _dialect(session)) == Decimal("0.600000")


# --- UTCDateTime --------------------------------------------------------------------------------


def test_utc_datetime_refuses_naive_datetimes(session: Session) -> None:
    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2024, 5, 1, 12, 0), _dialect(session))


def test_utc_datetime_refuses_non_datetimes(session: Session) -> None:
    with pytest.raises(ValueError, match="naive or non-datetime"):
        UTCDateTime().process_bind_param("2024-05-01T12:00:00Z", _dialect(session))


def test_a_naive_timestamp_never_reaches_the_database(session: Session) -> None:
    product = make_product(session)
    product.created_at = datetime(2024, 5, 1, 12, 0)
    with pytest.raises(StatementError, match="naive"):
        session.flush()
    session.rollback()


def test_timestamps_round_trip_as_aware_utc(session: Session) -> None:
    local = datetime(2024, 3, 10, 18, 30, 15, 123456, tzinfo=GUATEMALA)  # 00:30:15 next day in UTC
    with clock.frozen(local):
        product = make_product(session)
    session.flush()
    session.expunge_all()
    again = session.get(Product, product.id)
    assert again is not None
    assert again.created_at == local
    assert again.created_at.tzinfo is not None
    assert again.created_at.utcoffset() == timedelta(0)
    assert again.created_at == datetime(2024, 3, 11, 0, 30, 15, 123456, tzinfo=UTC)

    # Comparisons in SQL use the same instant whatever the zone of the bound value.
    utc = datetime(2024, 3, 11, 0, 30, 15, 123456, tzinfo=UTC)
    found = session.scalar(select(Product.id).where(Product.id == product.id, Product.created_at == utc))
    assert found == product.id
    later = session.scalar(
        select(Product.id).where(Product.id == product.id, Product.created_at > local - timedelta(microseconds=1))
    )
    assert later == product.id
