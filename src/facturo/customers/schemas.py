from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from facturo.kit.schemas import EMAIL_OR_EMPTY, NIT_OR_CF, Out, Strict


class CustomerIn(Strict):
    nit: str = Field(min_length=1, max_length=20, examples=["576937-K", "CF"], json_schema_extra=NIT_OR_CF)
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="Ciudad", max_length=300)
    email: str = Field(default="", max_length=200, json_schema_extra={"pattern": EMAIL_OR_EMPTY})
    phone: str = Field(default="", max_length=40)
    payment_terms_days: int = Field(default=30, ge=0, le=365)


class CustomerPatch(Strict):
    # (the format on the text itself, not around "text or null", so generators see it)
    nit: Annotated[str, Field(min_length=1, max_length=20, json_schema_extra=NIT_OR_CF)] | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, max_length=200, json_schema_extra={"pattern": EMAIL_OR_EMPTY})
    phone: str | None = Field(default=None, max_length=40)
    payment_terms_days: int | None = Field(default=None, ge=0, le=365)


class CustomerOut(Out):
    id: int
    nit: str
    name: str
    address: str
    email: str
    phone: str
    payment_terms_days: int
    active: bool
    created_at: datetime
