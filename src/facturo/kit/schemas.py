"""Reusable Pydantic field types. Amounts travel as JSON strings ("1234.50") so no client float
ever touches them; numbers are accepted on input but must fit the column exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

_as_text = PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")

Amount = Annotated[Decimal, Field(max_digits=15, decimal_places=2, allow_inf_nan=False), _as_text]
PositiveAmount = Annotated[Decimal, Field(gt=0, max_digits=15, decimal_places=2, allow_inf_nan=False), _as_text]
NonNegativeAmount = Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2, allow_inf_nan=False), _as_text]
UnitPrice = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=6, allow_inf_nan=False), _as_text]
Quantity = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=6, allow_inf_nan=False), _as_text]
StockQuantity = Annotated[Decimal, Field(max_digits=18, decimal_places=6, allow_inf_nan=False), _as_text]
# Any exact figure on output (hours, rates), as a JSON string.
DecimalText = Annotated[Decimal, _as_text]
TaxRate = Annotated[Decimal, Field(ge=0, le=1, max_digits=6, decimal_places=4, allow_inf_nan=False), _as_text]


# Ids are 32-bit on PostgreSQL; a larger number can only be a mistake, so it is a 422, not a 500.
MAX_ID = 2_147_483_647
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    """Input models: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
