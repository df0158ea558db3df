"""Pydantic's validation errors said in Spanish, once for every text surface (API and CLI).

Pydantic words its errors in English only. Each error type gets one Spanish fragment here (lower case,
no final stop) so the API can make a sentence of it and the CLI a list item; the web pages word theirs
through the gettext catalogs instead. Field positions are 1-based on the CLI, like invoice line numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_ES: dict[str, str] = {
    "missing": "campo obligatorio",
    "extra_forbidden": "campo no permitido",
    "decimal_parsing": "debe ser un número (con punto decimal, por ejemplo 12.50)",
    "decimal_type": 'debe ser un número (mejor como texto, por ejemplo "12.50")',
    "string_nul": "el texto no puede contener el carácter NUL (\\u0000)",
    "decimal_text": (
        "escriba dígitos y punto decimal (por ejemplo 12.50): como máximo {whole} dígitos enteros y {places} decimales"
    ),
    "decimal_number_too_large": (
        'un número tan grande pierde dígitos como número JSON: envíelo como texto ("123456789012.50")'
    ),
    "decimal_max_places": "admite como máximo {decimal_places} decimales",
    "decimal_max_digits": "admite como máximo {max_digits} dígitos",
    "decimal_whole_digits": "tiene demasiados dígitos enteros",
    "finite_number": "debe ser un número finito",
    "greater_than": "debe ser mayor que {gt}",
    "greater_than_equal": "debe ser mayor o igual que {ge}",
    "less_than": "debe ser menor que {lt}",
    "less_than_equal": "debe ser menor o igual que {le}",
    "int_parsing": "debe ser un número entero",
    "int_type": "debe ser un número entero",
    "int_from_float": "debe ser un número entero",
    "bool_parsing": "debe ser verdadero o falso (true/false)",
    "bool_type": "debe ser verdadero o falso (true/false)",
    "string_type": "debe ser texto",
    "string_too_short": "debe tener al menos {min_length} caracteres",
    "string_too_long": "admite como máximo {max_length} caracteres",
    "string_pattern_mismatch": "tiene un formato no válido",
    "too_short": "debe tener al menos {min_length} elemento(s)",
    "too_long": "admite como máximo {max_length} elementos",
    "list_type": "debe ser una lista",
    "dict_type": "debe ser un objeto",
    "model_type": "debe ser un objeto",
    "model_attributes_type": "debe ser un objeto",
    "date_from_datetime_parsing": "debe ser una fecha AAAA-MM-DD",
    "date_from_datetime_inexact": "debe ser una fecha AAAA-MM-DD, sin hora",
    "date_parsing": "debe ser una fecha AAAA-MM-DD",
    "date_type": "debe ser una fecha AAAA-MM-DD",
    "datetime_parsing": "debe ser una fecha y hora ISO 8601",
    "enum": "valor no permitido; opciones: {expected}",
    "literal_error": "valor no permitido; opciones: {expected}",
    "json_invalid": "el cuerpo no es JSON válido",
}

# The schemas' own rules (model validators raise ValueError with these English texts).
_RULES_ES: dict[str, str] = {
    "a line without product_id needs a description and a unit_price": (
        "una línea sin producto necesita descripción y precio unitario"
    ),
    "give either line_number and quantity, or description and amount": (
        "indique línea y cantidad, o descripción e importe (no ambos)"
    ),
    "give either full=true or a list of items": "indique full o las partidas a acreditar, no ambos",
}


def spanish(error: Mapping[str, Any]) -> str:
    """One error as a Spanish fragment ("debe ser mayor que 0"); unknown kinds keep Pydantic's text."""
    kind, english = str(error["type"]), str(error.get("msg", "Invalid value"))
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if kind == "value_error":
        rule = english.removeprefix("Value error, ")
        return _RULES_ES.get(rule, f"valor no válido: {rule}")
    if kind == "string_too_short" and ctx.get("min_length") == "1":
        return "no puede quedar vacío"
    template = _ES.get(kind)
    if template is None:
        return f"valor no válido ({english})"
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template


def sentence(error: Mapping[str, Any], language: str) -> str:
    """The error as a sentence in ``language`` ("es" or "en"), for the API's ``details``."""
    if language == "en":
        return str(error.get("msg", "Invalid value"))
    text = spanish(error)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def cli_field(loc: tuple[int | str, ...]) -> str:
    """``lines.2.quantity``: the field path with positions counted from 1."""
    return ".".join(str(part + 1) if isinstance(part, int) else str(part) for part in loc) or "datos"
