from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from facturo.kit.money import DEFAULT_TAX_RATE
from facturo.kit.schemas import DbId, Out, StockOnHand, StockQuantity, Strict, TaxRate, UnitPrice


class CategoryIn(Strict):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=500)


class CategoryOut(Out):
    id: int
    name: str
    description: str


class ProductIn(Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["good", "service"] = "good"
    unit: str = Field(default="unidad", min_length=1, max_length=20)
    unit_price: UnitPrice
    tax_rate: TaxRate = DEFAULT_TAX_RATE
    price_includes_tax: bool = True
    category_id: DbId | None = None
    stock: StockOnHand | None = Field(default=None, description="Units on hand; omit to not track stock.")


class ProductPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    unit: str | None = Field(default=None, min_length=1, max_length=20)
    unit_price: UnitPrice | None = None
    tax_rate: TaxRate | None = None
    price_includes_tax: bool | None = None
    category_id: DbId | None = None
    active: bool | None = None


class StockAdjustmentIn(Strict):
    delta: StockQuantity = Field(description="Units added (positive) or removed (negative).")
    reason: str = Field(min_length=3, max_length=300)


class ProductOut(Out):
    id: int
    code: str
    name: str
    kind: str
    unit: str
    unit_price: UnitPrice
    tax_rate: TaxRate
    price_includes_tax: bool
    category_id: int | None
    stock: StockQuantity | None
    active: bool


class ProductPriceOut(Out):
    unit_price: UnitPrice
    effective_from: datetime
    recorded_by: str
