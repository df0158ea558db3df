"""Reading what a terminal user types or hands over in a file, for the invoice and payment commands.

Flags and files end up as the same plain data, which goes through the API's own Pydantic schemas, so
the rules are the API's and an error names the field (``lines.2.quantity``; positions count from 1,
like invoice line numbers). Numbers stay text until Pydantic turns them into Decimal: no float on
the way, not even from YAML.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from rich.markup import escape

from facturo.invoicing.documents import NamedReferences
from facturo.invoicing.service import Reference, ResolvedReferences
from facturo.surface.console.context import fail, option_date, validation_text

M = TypeVar("M", bound=BaseModel)

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
MAX_FILE_BYTES = 1_000_000


def usage_error(message: str) -> NoReturn:
    """Bad input: a clear message and exit 2, whatever the text holds (no Rich markup from users)."""
    fail(escape(message), 2)


def parse_date(value: str | None, option: str) -> date | None:
    return None if value is None else option_date(value, option)


def number(text: str, what: str, given: str) -> str:
    """An exact decimal as text (Pydantic makes it a Decimal); refuse commas, letters and the like."""
    value = text.strip()
    if not _NUMBER.match(value):
        usage_error(
            f"{given}: {what} «{value}» no es un número válido; use punto decimal y sin separador de miles "
            "(por ejemplo 1234.50)."
        )
    return value


def tax_rate(text: str, given: str) -> str:
    """``12%`` or ``0.12`` (a fraction); ``0`` for exempt."""
    value = text.strip()
    if value.endswith("%"):
        return format(Decimal(number(value[:-1], "la tasa de impuesto", given)) / 100, "f")
    return number(value, "la tasa de impuesto", given)


# --- invoice lines and credit items ------------------------------------------------------------------


def product_line(value: str) -> dict[str, Any]:
    """``PRODUCT:QTY[:DISCOUNT]``: a catalog product (id or code) with its price and tax."""
    given = f"--line «{value}»"
    parts = value.split(":")
    if len(parts) not in (2, 3) or not parts[0].strip():
        usage_error(f"{given}: escriba PRODUCTO:CANTIDAD[:DESCUENTO], por ejemplo --line CEM-42:10 o --line 3:2:15.00.")
    line: dict[str, Any] = {"product": parts[0].strip(), "quantity": number(parts[1], "la cantidad", given)}
    if len(parts) == 3:
        line["discount"] = number(parts[2], "el descuento", given)
    return line


def free_item(value: str) -> dict[str, Any]:
    """``DESCRIPTION;QTY;UNIT PRICE[;TAX RATE]``: a line that is not in the catalog."""
    given = f"--item «{value}»"
    parts = value.split(";")
    if len(parts) not in (3, 4) or not parts[0].strip():
        usage_error(
            f"{given}: escriba DESCRIPCIÓN;CANTIDAD;PRECIO[;TASA], por ejemplo "
            '--item "Mantenimiento de equipo;1;1200.00;12%" (una descripción con «;» va en un archivo --file).'
        )
    line: dict[str, Any] = {
        "description": parts[0].strip(),
        "quantity": number(parts[1], "la cantidad", given),
        "unit_price": number(parts[2], "el precio", given),
    }
    if len(parts) == 4:
        line["tax_rate"] = tax_rate(parts[3], given)
    return line


def credit_line(value: str) -> dict[str, Any]:
    """``LINE:QTY``: return part of an invoiced line."""
    given = f"--line «{value}»"
    parts = value.split(":")
    if len(parts) != 2 or not parts[0].strip().isdigit():
        usage_error(f"{given}: escriba LÍNEA:CANTIDAD, por ejemplo --line 1:5 (5 unidades de la línea 1).")
    return {"line_number": parts[0].strip(), "quantity": number(parts[1], "la cantidad", given)}


def credit_amount(value: str) -> dict[str, Any]:
    """``DESCRIPTION;AMOUNT[;TAX RATE]``: an amount off the invoice, tax included."""
    given = f"--amount «{value}»"
    parts = value.split(";")
    if len(parts) not in (2, 3) or not parts[0].strip():
        usage_error(
            f'{given}: escriba DESCRIPCIÓN;IMPORTE[;TASA], por ejemplo --amount "Descuento por pronto pago;50.00".'
        )
    item: dict[str, Any] = {"description": parts[0].strip(), "amount": number(parts[1], "el importe", given)}
    if len(parts) == 3:
        item["tax_rate"] = tax_rate(parts[2], given)
    return item


# --- files ------------------------------------------------------------------------------------------


class _TextLoader(yaml.SafeLoader):
    """YAML where every plain scalar is text: ``0.1`` stays "0.1" and Pydantic makes it an exact
    Decimal (or the date or int the field wants). Only an empty value, ``~`` or ``null`` is nothing."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number")


def _refuse_floats(value: Any, path: str) -> None:
    # An explicit !!float tag would still build one; an amount must never pass through binary floating point.
    if isinstance(value, float):
        usage_error(f"{path}: el valor {value!r} se leyó como número de coma flotante; escríbalo sin etiqueta !!float.")
    if isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_floats(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for position, item in enumerate(value, start=1):
            _refuse_floats(item, f"{path}.{position}")


def load_document(source: str) -> dict[str, Any]:
    """A YAML or JSON object from a file (``-``: standard input). JSON when the name ends in .json."""
    name = "la entrada estándar" if source == "-" else source
    try:
        if source == "-":
            text = sys.stdin.read(MAX_FILE_BYTES + 1)
        else:
            path = Path(source)
            if not path.is_file():
                usage_error(f"No existe el archivo {source}.")
            if path.stat().st_size > MAX_FILE_BYTES:
                usage_error(f"El archivo {source} es demasiado grande (máximo {MAX_FILE_BYTES:,} bytes).")
            text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        usage_error(f"El archivo {source} no está en UTF-8.")
    except OSError as exc:
        usage_error(f"No se pudo leer {name}: {exc.strerror or exc}.")
    if len(text) > MAX_FILE_BYTES:
        usage_error(f"{name} es demasiado grande (máximo {MAX_FILE_BYTES:,} bytes).")
    data: Any
    if source.lower().endswith(".json"):
        try:
            data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
        except ValueError as exc:
            where = f" (línea {exc.lineno}, columna {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
            usage_error(f"El archivo {name} no es JSON válido{where}: {detail}.")
    else:
        try:
            data = yaml.load(text, Loader=_TextLoader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" (línea {mark.line + 1}, columna {mark.column + 1})" if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            usage_error(f"El archivo {name} no es YAML válido{where}: {problem}.")
    if not isinstance(data, dict):
        usage_error(
            f"{name} debe contener un objeto con campos (customer, lines, …), no "
            f"{'nada' if data is None else 'una lista' if isinstance(data, list) else 'un valor suelto'}."
        )
    _refuse_floats(data, "")
    return {str(key): value for key, value in data.items()}


# --- validation -------------------------------------------------------------------------------------


def validated(model: type[M], data: Mapping[str, Any]) -> M:
    """``data`` through the API's schema; on error every problem with its field, and exit 2."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fail(validation_text(exc), 2)


# --- references: customers by NIT, products and series by code ----------------------------------


def _ref(data: dict[str, Any], name: str, field: str) -> Reference | None:
    """Take ``name`` (id, NIT or code as typed) out of ``data``; ``field`` (the id) may be given instead."""
    if name not in data:
        return None
    value = data.pop(name)
    if field in data:
        usage_error(f"{field.split('_')[0]}: indique {name} o {field}, no ambos.")
    if isinstance(value, bool) or not isinstance(value, str | int):
        usage_error(f"{name}: debe ser un id, un código o un NIT (recibido: {value!r}).")
    return Reference(name, str(value))


@dataclass(frozen=True)
class Named:
    """Draft data with its references (ids, NITs or codes as typed) taken out, to be resolved."""

    data: dict[str, Any]
    references: NamedReferences
    line_products: dict[int, str]  # line position -> the field of its product's Reference


def named(data: dict[str, Any]) -> Named:
    """Take ``customer``, ``series`` and each line's ``product`` out of draft data (resolved by the
    service, then put back as ids with ``with_ids``)."""
    data = dict(data)
    customer = _ref(data, "customer", "customer_id")
    series = _ref(data, "series", "series_id")
    lines = data.get("lines")
    products: dict[int, Reference] = {}
    if isinstance(lines, list):
        lines = [dict(line) if isinstance(line, Mapping) else line for line in lines]
        data["lines"] = lines
        for position, line in enumerate(lines, start=1):
            if isinstance(line, dict) and (ref := _ref(line, "product", "product_id")) is not None:
                products[position] = Reference(f"lines.{position}.product", ref.text)
    references = NamedReferences(customer=customer, series=series, products=list(products.values()))
    return Named(data, references, {position: ref.field for position, ref in products.items()})


def with_ids(draft: Named, found: ResolvedReferences) -> dict[str, Any]:
    """The draft data with the ids the schema wants where references were typed."""
    data = dict(draft.data)
    if found.customer_id is not None:
        data["customer_id"] = found.customer_id
    if found.series_id is not None:
        data["series_id"] = found.series_id
    for position, field in draft.line_products.items():
        data["lines"][position - 1]["product_id"] = found.product_ids[field]
    return data
