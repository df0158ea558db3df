"""facturo's own JSON invoice (``"format": "facturo.invoice/1"``), read and checked with rule ids.

The shape is a Pydantic model, so the published JSON Schema (:func:`json_schema`) and the
validation are one definition. Pydantic's errors are mapped to rule ids of ours (``JSON-…``,
listed in docs/reception-json.md) with a Spanish and an English message; the arithmetic is
checked after the shape, with the house rounding (half up, per line):

* ``JSON-LINE-TOTAL``: a line's total is quantity × unit price, rounded to the currency;
* ``JSON-TOTAL``: the total is Σ line totals (prices with tax), or Σ line totals + tax (without);
* ``JSON-TAX-TOTAL``: the tax is Σ of each line's tax rounded once; the tax of the whole amount
  rounded once is accepted too, since issuers round either way and both are exact to the cent.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from stdnum.gt import nit as gt_nit

from facturo.kit.errors import Msg
from facturo.kit.money import ZERO, quantize
from facturo.reception.formats.reading import DocumentFormat, DocumentReference, Finding, ReadDocument, Severity

FORMAT_ID = "facturo.invoice/1"
MAX_LINES = 10_000

# Amounts are decimal strings: a JSON number goes through a binary float in most producers.
_DECIMAL = r"^-?\d{1,15}(\.\d{1,6})?$"
DecimalText = Annotated[str, Field(pattern=_DECIMAL, examples=["112.00"])]
_RECEIVER = re.compile(r"^(CF|\d{13}|\d+[0-9K])$")


class Party(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    nit: str = Field(min_length=1, max_length=20, description="NIT with its check digit, e.g. 4567123-0")
    name: str = Field(min_length=1, max_length=300)


class Receiver(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    id: str = Field(min_length=1, max_length=20, description="A NIT, CF (consumidor final) or a 13-digit CUI")
    name: str = Field(default="", max_length=300)


class Line(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    description: str = Field(min_length=1, max_length=500)
    quantity: DecimalText
    unit_price: DecimalText
    tax_rate: DecimalText = Field(description='A percentage as a string: "12"')
    total: DecimalText


class Reference(BaseModel):
    """The invoice a credit note corrects."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    series: str = Field(min_length=1, max_length=40)
    number: int = Field(ge=1, strict=True)


class FacturoInvoice(BaseModel):
    """One received invoice or credit note in facturo's JSON format."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, title="facturo.invoice/1")
    format: Literal["facturo.invoice/1"]
    document_type: Literal["invoice", "credit_note"] = "invoice"
    issuer: Party
    receiver: Receiver
    series: str = Field(min_length=1, max_length=40)
    number: int = Field(ge=1, le=10**15, strict=True, description="The issuer's own correlative in the series")
    issue_date: date
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["GTQ"])
    prices_include_tax: bool = Field(default=True, strict=True)
    lines: list[Line] = Field(min_length=1, max_length=MAX_LINES)
    tax_total: DecimalText
    total: DecimalText
    reference: Reference | None = None

    @field_validator("issue_date", mode="before")
    @classmethod
    def _iso_date_only(cls, value: Any) -> Any:
        # Pydantic also takes timestamps and datetimes; the format says YYYY-MM-DD.
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError("date")
        return value


def json_schema() -> dict[str, Any]:
    """The published JSON Schema of one document (an array of them is accepted too)."""
    schema = FacturoInvoice.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://facturo.dev/schemas/facturo.invoice-1.json"
    return schema


def _finding(rule: str, location: str, es: str, en: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule, severity, location, Msg(es, en))


def _pointer(loc: tuple[int | str, ...]) -> str:
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in loc)


# Pydantic error type -> (rule id, Spanish, English); {field} is the JSON pointer.
_SHAPE_RULES: dict[str, tuple[str, str, str]] = {
    "missing": ("JSON-REQUIRED", "Falta el campo obligatorio {field}.", "Required field {field} is missing."),
    "extra_forbidden": (
        "JSON-UNKNOWN-FIELD",
        "El campo {field} no existe en el formato facturo.invoice/1.",
        "Field {field} is not part of the facturo.invoice/1 format.",
    ),
    "literal_error": (
        "JSON-VALUE",
        "El valor de {field} no es uno de los permitidos.",
        "The value of {field} is not one of the allowed values.",
    ),
    "string_pattern_mismatch": (
        "JSON-DECIMAL",
        '{field} debe ser un número decimal escrito como texto (por ejemplo "112.00", hasta 6 decimales).',
        '{field} must be a decimal number written as a string (for example "112.00", up to 6 decimals).',
    ),
    "string_type": (
        "JSON-TYPE",
        "{field} debe ser texto (los importes se escriben entre comillas).",
        "{field} must be a string (amounts are written in quotes).",
    ),
    "int_type": ("JSON-TYPE", "{field} debe ser un número entero.", "{field} must be an integer."),
    "int_parsing": ("JSON-TYPE", "{field} debe ser un número entero.", "{field} must be an integer."),
    "int_from_float": ("JSON-TYPE", "{field} debe ser un número entero.", "{field} must be an integer."),
    "bool_type": ("JSON-TYPE", "{field} debe ser true o false.", "{field} must be true or false."),
    "bool_parsing": ("JSON-TYPE", "{field} debe ser true o false.", "{field} must be true or false."),
    "list_type": ("JSON-TYPE", "{field} debe ser una lista.", "{field} must be a list."),
    "model_type": ("JSON-TYPE", "{field} debe ser un objeto.", "{field} must be an object."),
    "model_attributes_type": ("JSON-TYPE", "{field} debe ser un objeto.", "{field} must be an object."),
    "value_error": ("JSON-DATE", "{field} debe ser una fecha AAAA-MM-DD.", "{field} must be a date YYYY-MM-DD."),
    "date_from_datetime_parsing": (
        "JSON-DATE",
        "{field} debe ser una fecha AAAA-MM-DD válida.",
        "{field} must be a valid date YYYY-MM-DD.",
    ),
    "too_short": ("JSON-EMPTY", "{field} no puede estar vacío.", "{field} cannot be empty."),
    "string_too_short": ("JSON-EMPTY", "{field} no puede estar vacío.", "{field} cannot be empty."),
    "too_long": ("JSON-TOO-LONG", "{field} tiene demasiados elementos.", "{field} has too many items."),
    "string_too_long": ("JSON-TOO-LONG", "{field} es demasiado largo.", "{field} is too long."),
    "greater_than_equal": ("JSON-NUMBER", "{field} debe ser 1 o mayor.", "{field} must be 1 or more."),
    "less_than_equal": ("JSON-NUMBER", "{field} es demasiado grande.", "{field} is too large."),
}


def _shape_findings(error: ValidationError) -> list[Finding]:
    findings = []
    for item in error.errors():
        location = _pointer(tuple(item["loc"]))
        rule, es, en = _SHAPE_RULES.get(
            item["type"],
            ("JSON-INVALID", "{field} no es válido.", "{field} is not valid."),
        )
        if item["type"] == "string_pattern_mismatch" and item["loc"][-1] in {"currency"}:
            rule, es, en = (
                "JSON-CURRENCY",
                "{field} debe ser un código de moneda ISO 4217 de tres letras (GTQ).",
                "{field} must be a three-letter ISO 4217 currency code (GTQ).",
            )
        findings.append(_finding(rule, location, es.format(field=location), en.format(field=location)))
    return findings


def _party_findings(doc: FacturoInvoice) -> list[Finding]:
    findings = []
    if not _valid_nit(doc.issuer.nit):
        findings.append(
            _finding(
                "JSON-ISSUER-NIT",
                "/issuer/nit",
                f"El NIT del emisor {doc.issuer.nit} no es válido (formato o dígito verificador).",
                f"The issuer NIT {doc.issuer.nit} is invalid (format or check digit).",
            )
        )
    receiver = doc.receiver.id.upper().replace("-", "")
    if receiver != "CF" and not (len(receiver) == 13 and receiver.isdigit()) and not _valid_nit(receiver):
        findings.append(
            _finding(
                "JSON-RECEIVER-ID",
                "/receiver/id",
                f"El receptor {doc.receiver.id} no es un NIT válido, CF ni un CUI de 13 dígitos.",
                f"The receiver {doc.receiver.id} is not a valid NIT, CF or a 13-digit CUI.",
            )
        )
    if doc.currency not in _iso_currencies():
        findings.append(
            _finding(
                "JSON-CURRENCY",
                "/currency",
                f"La moneda {doc.currency} no es un código ISO 4217 conocido.",
                f"Currency {doc.currency} is not a known ISO 4217 code.",
            )
        )
    if doc.document_type == "credit_note" and doc.reference is None:
        findings.append(
            _finding(
                "JSON-REFERENCE",
                "/reference",
                "Una nota de crédito debe indicar la factura que corrige (reference: series y number).",
                "A credit note must name the invoice it corrects (reference: series and number).",
            )
        )
    return findings


@functools.cache
def _iso_currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


@functools.lru_cache(maxsize=65_536)
def _valid_nit(value: str) -> bool:
    """NITs repeat across a batch (a few issuers, many documents): checked once each."""
    try:
        gt_nit.validate(value)
    except Exception:
        return False
    return True


def _line_tax(total: Decimal, rate: Decimal, include: bool) -> Decimal:
    """A line's tax, exact (unrounded): carved out of a tax-inclusive total, or added on top."""
    return total - total / (1 + rate) if include else total * rate


def _arithmetic_findings(doc: FacturoInvoice) -> list[Finding]:
    findings: list[Finding] = []
    currency = doc.currency if doc.currency in _iso_currencies() else "GTQ"
    line_sum = ZERO
    tax_per_line = ZERO
    tax_exact = ZERO
    for position, line in enumerate(doc.lines):
        quantity, price, total = Decimal(line.quantity), Decimal(line.unit_price), Decimal(line.total)
        rate = Decimal(line.tax_rate) / 100
        expected = quantize(quantity * price, currency)
        if total != expected:
            findings.append(
                _finding(
                    "JSON-LINE-TOTAL",
                    f"/lines/{position}/total",
                    f"Línea {position + 1}: el total {line.total} no es cantidad × precio unitario = {expected}.",
                    f"Line {position + 1}: total {line.total} is not quantity × unit price = {expected}.",
                )
            )
        line_sum += total
        exact = _line_tax(total, rate, doc.prices_include_tax)
        tax_exact += exact
        tax_per_line += quantize(exact, currency)
    declared_tax, declared_total = Decimal(doc.tax_total), Decimal(doc.total)
    if declared_tax not in {tax_per_line, quantize(tax_exact, currency)}:
        findings.append(
            _finding(
                "JSON-TAX-TOTAL",
                "/tax_total",
                f"El impuesto {doc.tax_total} no es la suma del impuesto de las líneas ({tax_per_line}).",
                f"The tax {doc.tax_total} is not the sum of the lines' tax ({tax_per_line}).",
            )
        )
    expected_total = line_sum if doc.prices_include_tax else line_sum + declared_tax
    if declared_total != expected_total:
        findings.append(
            _finding(
                "JSON-TOTAL",
                "/total",
                f"El total {doc.total} no es la suma de las líneas"
                + ("" if doc.prices_include_tax else " más el impuesto")
                + f" ({expected_total}).",
                f"The total {doc.total} is not the sum of the lines"
                + ("" if doc.prices_include_tax else " plus the tax")
                + f" ({expected_total}).",
            )
        )
    return findings


def _taxable(doc: FacturoInvoice) -> Decimal:
    total, tax = Decimal(doc.total), Decimal(doc.tax_total)
    return total - tax


def read_json_value(value: Any) -> ReadDocument:
    """Read one decoded JSON value as a facturo.invoice/1 document."""
    read = ReadDocument(DocumentFormat.JSON)
    if not isinstance(value, dict):
        read.findings.append(
            _finding(
                "JSON-NOT-OBJECT",
                "/",
                'El documento debe ser un objeto JSON con "format": "facturo.invoice/1".',
                'The document must be a JSON object with "format": "facturo.invoice/1".',
                Severity.FATAL,
            )
        )
        return read
    _salvage(read, value)
    try:
        doc = FacturoInvoice.model_validate(value)
    except ValidationError as error:
        read.findings.extend(_shape_findings(error))
        return read
    read.document_type = doc.document_type
    read.issuer_nit = _compact_nit(doc.issuer.nit)
    read.issuer_name = doc.issuer.name
    read.receiver_id = doc.receiver.id.upper()
    read.receiver_name = doc.receiver.name
    read.series, read.number, read.correlative = doc.series, str(doc.number), doc.number
    read.issue_date, read.currency = doc.issue_date, doc.currency
    read.total, read.tax_total = Decimal(doc.total), Decimal(doc.tax_total)
    read.taxable_total = _taxable(doc)
    if doc.reference is not None:
        read.reference = DocumentReference(series=doc.reference.series, number=str(doc.reference.number))
    read.findings.extend(_party_findings(doc))
    read.findings.extend(_arithmetic_findings(doc))
    return read


@functools.lru_cache(maxsize=65_536)
def _compact_nit(value: str) -> str:
    try:
        return str(gt_nit.compact(value))
    except Exception:
        return value.strip().upper()


def _salvage(read: ReadDocument, value: dict[str, Any]) -> None:
    """Index what can be read even when the shape is wrong, so a rejected document is findable."""
    issuer = value.get("issuer")
    if isinstance(issuer, dict):
        if isinstance(issuer.get("nit"), str):
            read.issuer_nit = _compact_nit(issuer["nit"])[:20]
        if isinstance(issuer.get("name"), str):
            read.issuer_name = issuer["name"][:300]
    if isinstance(value.get("series"), str):
        read.series = value["series"][:40]
    number = value.get("number")
    if isinstance(number, int) and not isinstance(number, bool) and 0 < number <= 10**15:
        read.number = str(number)


def read_facturo_json(data: bytes) -> ReadDocument:
    """Read one JSON document from its bytes (an array is split before, at submission)."""
    try:
        value = decode(data)
    except ValueError as error:
        read = ReadDocument(DocumentFormat.JSON)
        read.findings.append(
            _finding(
                "JSON-SYNTAX",
                "/",
                f"El archivo no es JSON válido: {error}.",
                f"The file is not valid JSON: {error}.",
                Severity.FATAL,
            )
        )
        return read
    return read_json_value(value)


def decode(data: bytes) -> Any:
    """Decode JSON bytes (UTF-8, a BOM allowed); ``ValueError`` with a reason otherwise.

    Numbers with a fraction are kept as Decimal, never float, so that a misplaced JSON number is
    reported as a type error with its exact digits rather than silently rounded.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 at byte {error.start}") from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise ValueError(f"{error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise ValueError("nested too deeply") from None


def split_array(data: bytes) -> list[bytes] | None:
    """The elements of a JSON array, each as its exact original text; None if not an array.

    Each element becomes a document of its own and is archived as those bytes, so what an
    auditor downloads is what the issuer wrote (docs/reception.md).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        return None
    decoder = json.JSONDecoder(parse_float=Decimal)
    elements: list[bytes] = []
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return elements if _skip_space(text, position + 1) == len(text) else None
    while True:
        try:
            _, end = decoder.raw_decode(text, position)
        except (json.JSONDecodeError, RecursionError):
            return None
        elements.append(text[position:end].encode("utf-8"))
        position = _skip_space(text, end)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
            continue
        if position < len(text) and text[position] == "]" and _skip_space(text, position + 1) == len(text):
            return elements
        return None


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position
