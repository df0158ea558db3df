"""Tamper evidence: each issued document's hash covers its canonical content and the hash of the
previous document of its series, so altering any stored document breaks the chain from there on."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from facturo.invoicing.models import Invoice

GENESIS = "0" * 64


def canonical_content(doc: Invoice, previous_hash: str) -> bytes:
    """Everything that makes the document what it is; status and payments are not content."""
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
        "totals": [str(doc.subtotal), str(doc.tax_total), str(doc.total)],
        "lines": [
            [
                line.line_number,
                line.product_id,
                line.credited_line_id,
                line.description,
                line.unit,
                str(line.quantity),
                str(line.unit_price),
                str(line.discount),
                str(line.tax_rate),
                line.price_includes_tax,
                str(line.base_amount),
                str(line.tax_amount),
                str(line.total_amount),
            ]
            for line in sorted(doc.lines, key=lambda ln: ln.line_number)
        ],
        "previous_hash": previous_hash,
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def document_hash(doc: Invoice, previous_hash: str) -> str:
    return hashlib.sha256(canonical_content(doc, previous_hash)).hexdigest()
