from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from facturo.kit.db import Base
from facturo.kit.db_types import ScaledDecimal, UTCDateTime
from facturo.kit.models import Timestamped
from facturo.kit.money import DEFAULT_TAX_RATE

PRICE_SCALE = 6
QUANTITY_SCALE = 6
RATE_SCALE = 4


class Category(Timestamped, Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")


class Product(Timestamped, Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="good")  # good | service
    unit: Mapped[str] = mapped_column(String(20), default="unidad")
    unit_price: Mapped[Decimal] = mapped_column(ScaledDecimal(PRICE_SCALE))
    tax_rate: Mapped[Decimal] = mapped_column(ScaledDecimal(RATE_SCALE), default=DEFAULT_TAX_RATE)
    price_includes_tax: Mapped[bool] = mapped_column(Boolean, default=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    stock: Mapped[Decimal | None] = mapped_column(ScaledDecimal(QUANTITY_SCALE))  # None: not tracked
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    # Module-qualified: usage.models has a Category of its own (resolution must not depend on import order).
    category: Mapped[Category | None] = relationship("facturo.catalog.models.Category")


class ProductPrice(Base):
    """Every price a product has had, from the moment it took effect."""

    __tablename__ = "product_prices"
    __table_args__ = (Index("ix_product_prices_product_from", "product_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    unit_price: Mapped[Decimal] = mapped_column(ScaledDecimal(PRICE_SCALE))
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(200))
