"""Tamper evidence: each issued document's hash covers its canonical content and the hash of the
previous document of its series, so altering any stored document breaks the chain from there on."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from facturo.catalog.models import PRICE_SCALE, QUANTITY_SCALE, RATE_SCALE
from facturo.invoicing.models import Invoice
from facturo.kit.numbers import fixed

GENESIS = "0" * 64


def canonical_content(doc: Invoice, previous_hash: str) -> bytes:
    """Everything that makes the document what it is; status and payments are not content.

    Decimals are written at their column's fixed scale (``fixed``), so 0, 0.0 and 0.00 hash alike
    before and after storage."""
    content: dict[str, Any] = {
        "issuer_id": doc.issuer_id,
        "document_type": doc.document_type,
        "series_id": doc.series_id,
        "number": doc.number,
        "issue_date": doc.issue_date.isoformat() if doc.issue_date else None,
        "due_date": doc.due_date.isoformat() if doc.due_date else None,
        "currency": doc.currency,
        "customer": [doc.customer_id, doc.customer_nit, doc.customer_name, doc.customer_address],
        "credited_invoice_id": doc.credited_invoice_id,
        "reason": doc.reason,
        "totals": [fixed(doc.subtotal, 2), fixed(doc.tax_total, 2), fixed(doc.total, 2)],
        "lines": [
            [
                line.line_number,
                line.product_id,
                line.credited_line_id,
                line.description,
                line.unit,
                fixed(line.quantity, QUANTITY_SCALE),
                fixed(line.unit_price, PRICE_SCALE),
                fixed(line.discount, 2),
                fixed(line.tax_rate, RATE_SCALE),
                line.price_includes_tax,
                fixed(line.base_amount, 2),
                fixed(line.tax_amount, 2),
                fixed(line.total_amount, 2),
            ]
            for line in sorted(doc.lines, key=lambda ln: ln.line_number)
        ],
        "previous_hash": previous_hash,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def document_hash(doc: Invoice, previous_hash: str) -> str:
    return hashlib.sha256(canonical_content(doc, previous_hash)).hexdigest()
