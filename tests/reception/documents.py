"""Small typed builders of received documents for the reception tests."""

from __future__ import annotations

import json
from typing import Any

# 4567123-0 and 7719300-8 are valid NITs (python-stdnum); 1234567-1 is not.
ISSUER_NIT = "4567123-0"
OTHER_NIT = "7719300-8"


def invoice(number: int = 1, *, issuer_nit: str = ISSUER_NIT, series: str = "A", **changes: Any) -> dict[str, Any]:
    """A tax-inclusive invoice: 2 × 11.20 + 1 × 44.80 = 67.20, IVA 12 % carved out = 7.20."""
    document: dict[str, Any] = {
        "format": "facturo.invoice/1",
        "issuer": {"nit": issuer_nit, "name": "Ferretería El Martillo"},
        "receiver": {"id": "CF", "name": "Consumidor final"},
        "series": series,
        "number": number,
        "issue_date": "2026-11-30",
        "currency": "GTQ",
        "lines": [
            {"description": "Clavos", "quantity": "2", "unit_price": "11.20", "tax_rate": "12", "total": "22.40"},
            {"description": "Martillo", "quantity": "1", "unit_price": "44.80", "tax_rate": "12", "total": "44.80"},
        ],
        "tax_total": "7.20",
        "total": "67.20",
    }
    document.update(changes)
    return document


def as_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
