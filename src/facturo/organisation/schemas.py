from __future__ import annotations

from zoneinfo import available_timezones

from babel.numbers import list_currencies
from pydantic import Field, JsonValue

from facturo.kit.schemas import NIT, Out, Strict

TIMEZONES = frozenset(available_timezones())
CURRENCIES = frozenset(list_currencies())


class IssuerIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    trade_name: str = Field(default="", max_length=200)
    nit: str = Field(min_length=1, max_length=20, json_schema_extra=NIT)
    address: str = Field(default="", max_length=300)
    establishment_code: str = Field(default="1", min_length=1, max_length=10)
    email: str = Field(default="", max_length=200)
    phone: str = Field(default="", max_length=40)
    currency: str = Field(
        default="GTQ",
        min_length=3,
        max_length=3,
        description="An ISO 4217 code, in capitals.",
        json_schema_extra={"enum": list[JsonValue](sorted(CURRENCIES))},
    )
    timezone: str = Field(
        default="America/Guatemala",
        max_length=64,
        description="An IANA time zone name.",
        json_schema_extra={"enum": list[JsonValue](sorted(TIMEZONES))},
    )


class IssuerOut(Out):
    id: int
    name: str
    trade_name: str
    nit: str
    address: str
    establishment_code: str
    email: str
    phone: str
    currency: str
    timezone: str
