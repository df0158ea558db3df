"""Reusable Pydantic field types. Amounts travel as JSON strings ("1234.50") so no client float
ever touches them; numbers are accepted on input but must fit the column exactly."""

from __future__ import annotations

import re
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

_as_text = PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")


_DECIMAL_TEXT = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
_LOOSE_DECIMAL = re.compile(r"^[-+]?([0-9][0-9_]*)?(\.[0-9_]*)?([eE][-+]?[0-9]+)?$")


def exact_decimal(
    digits: int, places: int, *, minimum: int | None = None, positive: bool = False, maximum: int | None = None
) -> Any:
    """An exact decimal field: a JSON string of plain digits (``"1234.50"``) or a JSON number, with
    at most ``digits`` digits of which ``places`` decimals. The OpenAPI document says exactly that
    (a pattern for the text, bounds and ``multipleOf`` for the number), and the text is held to the
    same pattern here, so what the document allows is accepted and what it forbids is refused."""
    whole = digits - places
    sign = "-?" if minimum is None or minimum < 0 else ""
    fraction = rf"(\.[0-9]{{1,{places}}})?"
    if maximum is None:
        pattern = rf"^{sign}[0-9]{{1,{whole}}}{fraction}$"
    else:  # a power of ten: up to its digits less one, or itself with zero decimals
        below = len(str(maximum)) - 1
        under = rf"[0-9]{{1,{below}}}{fraction}" if below else rf"0{fraction}"
        pattern = rf"^({under}|{maximum}(\.0{{1,{places}}})?)$"
    compiled = re.compile(pattern)
    step = Decimal(1).scaleb(-places)
    largest = Decimal(10) ** whole - step
    top = largest if maximum is None else Decimal(maximum)
    bottom = -largest if minimum is None else Decimal(minimum)
    # A JSON number is a binary float: past 2**53 its last digits are gone, so the document bounds
    # numbers to what a float holds exactly (the text form takes every digit).
    exact = Decimal(2**53 - 1) * step if digits > 15 else largest
    limit = float(exact)
    number_top, number_bottom = min(float(top), limit), max(float(bottom), -limit)
    number: dict[str, Any] = {"type": "number", "multipleOf": float(step), "maximum": number_top}
    number["exclusiveMinimum" if positive else "minimum"] = number_bottom
    text: dict[str, Any] = {"type": "string", "pattern": pattern}
    if positive:  # zero written any way ("0", "0.00") is not above zero
        text["not"] = {"pattern": r"^0*(\.0*)?$"}

    def plain_text(value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) > limit:
            raise PydanticCustomError(
                "decimal_number_too_large",
                'A number this large loses digits as a JSON number: send it as text (e.g. "123456789012.50")',
            )
        if isinstance(value, str) and not compiled.match(value):
            _explain_text(value)
        return value

    def _explain_text(value: str) -> None:
        """Say what is wrong with a text the pattern refuses, as Pydantic would have said it."""
        if not _DECIMAL_TEXT.match(value):
            if _LOOSE_DECIMAL.match(value.strip()) and any(
                c.isdigit() for c in value
            ):  # "1e5", "+5", " 5", ".5": a number, not written plainly
                raise PydanticCustomError(
                    "decimal_text",
                    "Write plain digits and a decimal point (e.g. 12.50): at most {whole} whole digits "
                    "and {places} decimals",
                    {"whole": whole, "places": places},
                )
            raise PydanticCustomError("decimal_parsing", "Input should be a valid decimal")
        number, _, decimals = value.lstrip("-").partition(".")
        if value.startswith("-") and not sign:
            kind, bound = ("greater_than", "gt") if positive else ("greater_than_equal", "ge")
            relation = "greater than" if positive else "greater than or equal to"
            raise PydanticCustomError(kind, f"Input should be {relation} {{{bound}}}", {bound: minimum or 0})
        if len(decimals) > places:
            raise PydanticCustomError(
                "decimal_max_places",
                "Decimal input should have no more than {decimal_places} decimal places",
                {"decimal_places": places},
            )
        if maximum is not None:
            raise PydanticCustomError("less_than_equal", "Input should be less than or equal to {le}", {"le": maximum})
        raise PydanticCustomError(
            "decimal_whole_digits",
            "Decimal input should have no more than {whole_digits} digits before the decimal point",
            {"whole_digits": len(number) and whole},
        )

    bounds: dict[str, Any] = {"gt" if positive else "ge": minimum if minimum is not None else bottom}
    if maximum is not None:
        bounds["le"] = maximum
    return Annotated[
        Decimal,
        BeforeValidator(plain_text),
        Field(max_digits=digits, decimal_places=places, allow_inf_nan=False, **bounds),
        WithJsonSchema({"anyOf": [number, text]}, mode="validation"),
        _as_text,
    ]


Amount = exact_decimal(15, 2)
PositiveAmount = exact_decimal(15, 2, minimum=0, positive=True)
NonNegativeAmount = exact_decimal(15, 2, minimum=0)
UnitPrice = exact_decimal(18, 6, minimum=0)
Quantity = exact_decimal(18, 6, minimum=0, positive=True)
StockQuantity = exact_decimal(18, 6)
StockOnHand = exact_decimal(18, 6, minimum=0)
PricePerHour = exact_decimal(11, 4, minimum=0, maximum=1_000_000)
UsageQuantity = exact_decimal(15, 2, minimum=0, positive=True)
# Any exact figure on output (hours, rates), as a JSON string.
DecimalText = Annotated[Decimal, _as_text]
TaxRate = exact_decimal(6, 4, minimum=0, maximum=1)


# What the services accept as an email address (they check it again, for the other surfaces).
# (The classes name their whitespace: ``\s`` is not the same set in every regex engine.)
_PART = r"[^@ \t\n\r\f\v\x00]+"
EMAIL = rf"^{_PART}@{_PART}\.{_PART}$"
EMAIL_OR_EMPTY = rf"^$|{EMAIL}"

# A Guatemalan NIT: digits, a hyphen and the check digit (0-9 or K), e.g. "576937-K"; ``gt-nit-or-cf``
# also takes "CF" (consumidor final). JSON Schema cannot compute a check digit, so the document names
# the format and the server checks it (rule ``nit.check_digit``).
NIT: dict[str, Any] = {"format": "gt-nit"}
NIT_OR_CF: dict[str, Any] = {"format": "gt-nit-or-cf"}


# Ids are 32-bit on PostgreSQL; a larger number can only be a mistake, so it is a 422, not a 500.
MAX_ID = 2_147_483_647
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


# Set while the API reads a request: JSON has types, so a boolean, an integer and a date must be one.
# Forms and the command line read text, and keep Pydantic's parsing of it ("30" is 30 there).
json_input: ContextVar[bool] = ContextVar("json_input", default=False)


def _whole_number(value: Any) -> Any:
    if json_input.get() and isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


def _flag(value: Any) -> Any:
    if value is None or isinstance(value, bool) or not json_input.get():
        return value
    raise PydanticCustomError("bool_type", "Input should be a valid boolean")


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date(value: Any) -> Any:
    if value is None or isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return value
    if not json_input.get() and isinstance(value, str):
        return value
    raise PydanticCustomError("date_type", "Input should be a date YYYY-MM-DD")


# A date written YYYY-MM-DD and nothing else (Pydantic alone also reads "0" or 0 as 1970-01-01).
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

# What each plain field type of an input model takes, exactly as its JSON Schema type says:
# Pydantic's lax mode would also read false as 0, 0 as false, "5" as 5 and 0 as a date.
_EXACT_TYPES: dict[Any, Any] = {bool: _flag, int: _whole_number, date: _iso_date}


def _plain_type(annotation: Any) -> Any:
    members = [a for a in get_args(annotation) if a is not type(None)] if get_origin(annotation) in _UNIONS else []
    plain = members[0] if len(members) == 1 else annotation
    return get_args(plain)[0] if get_origin(plain) is Annotated else plain


_UNIONS = (Union, UnionType)


_RAW_CHECKS: dict[tuple[int | None, str | None], Any] = {}
# No text takes the NUL character: PostgreSQL cannot store it, and no name or note needs it.
NO_NUL = r"^[^\x00]*$"
# Text is trimmed of these (named, since ``\s`` is not the same set in every regex engine), after its
# length and pattern are checked as sent; text that must not be empty must hold something else.
SPACES = " \t\n\r\f\v"
NOT_BLANK = rf"^[^\x00]*[^{SPACES}\x00][^\x00]*$".replace(SPACES, r" \t\n\r\f\v")


def _trimmed(value: Any) -> Any:
    return value.strip(SPACES) if isinstance(value, str) else value


def _raw_text(metadata: list[Any], documented: str | None = None) -> Any:
    """Text fields are stripped of surrounding spaces, but the document's ``maxLength`` and
    ``pattern`` speak of the text as sent: this holds the text as sent to them first."""
    longest = next((m.max_length for m in metadata if getattr(m, "max_length", None) is not None), None)
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None) is not None), documented)
    key = (longest, pattern)
    if key not in _RAW_CHECKS:
        compiled = re.compile(pattern) if pattern else None

        def as_sent(value: Any) -> Any:
            if isinstance(value, str):
                if "\x00" in value:
                    raise PydanticCustomError("string_nul", "Text cannot contain the NUL character (\\u0000)")
                if longest is not None and len(value) > longest:
                    raise PydanticCustomError(
                        "string_too_long",
                        "String should have at most {max_length} characters",
                        {"max_length": longest},
                    )
                if pattern == NOT_BLANK and not value.strip(SPACES):
                    raise PydanticCustomError(
                        "string_too_short", "String should have at least {min_length} character", {"min_length": 1}
                    )
                if compiled is not None and not compiled.search(value):
                    raise PydanticCustomError(
                        "string_pattern_mismatch", "String should match pattern '{pattern}'", {"pattern": pattern}
                    )
            return value

        _RAW_CHECKS[key] = as_sent
    return _RAW_CHECKS[key]


_OURS = frozenset({_trimmed, *_EXACT_TYPES.values()})


def _document_text(field: Any) -> str | None:
    """The pattern a text field's schema gets when it has none of its own (nor a format or a list
    of values): no NUL, and something besides spaces when it may not be empty."""
    extra = field.json_schema_extra
    if callable(extra) or any(getattr(m, "pattern", None) for m in field.metadata):
        return None
    inner = [a for a in get_args(field.annotation) if get_origin(a) is Annotated]
    if inner or (extra and ("format" in extra or "enum" in extra)):
        return NO_NUL  # held to it, not documented: the text's own format or list of values says more
    shortest = next((m.min_length for m in field.metadata if getattr(m, "min_length", None) is not None), 0)
    pattern = NOT_BLANK if shortest else NO_NUL
    field.json_schema_extra = {"pattern": pattern, **(extra or {})}
    return pattern


class Strict(BaseModel):
    """Input models: unknown fields are an error, not silently dropped; booleans, integers and
    dates take only what their JSON Schema type says (no ``false`` for 0, no ``0`` for a date);
    text is checked as sent (length, pattern, no NUL), then trimmed of surrounding spaces."""

    model_config = ConfigDict(extra="forbid")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        changed = False
        for field in cls.model_fields.values():
            kind = _plain_type(field.annotation)
            if any(getattr(m, "func", None) in _OURS for m in field.metadata):
                continue  # (a field inherited from a model already done)
            if kind is str:
                field.metadata.append(BeforeValidator(_raw_text(field.metadata, _document_text(field))))
                field.metadata.append(AfterValidator(_trimmed))
                changed = True
            elif kind in _EXACT_TYPES:
                field.metadata.append(BeforeValidator(_EXACT_TYPES[kind]))
                changed = True
        if changed:
            cls.model_rebuild(force=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)
