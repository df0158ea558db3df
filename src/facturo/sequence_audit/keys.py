"""Which sequence a received document belongs to (docs/audit-gaps.md, "Sequences").

A sequence is one issuer's numbering of one kind of document in one series. Credit and debit
notes are numbered apart from invoices, whatever format says so; other FEL types (FCAM, FPEQ,
FESP, NABN, RECI…) keep their own numbering. The series is the document's own, except for FEL: a
DTE's Serie and Numero are derived from its authorization UUID (a new "series" per document), so a
FEL sequence is the issuer's and the type's alone and its numbers are the Adenda correlatives.
"""

from __future__ import annotations

from typing import NamedTuple

from facturo.reception.schemas import NumberedDocument

_KINDS = {
    "invoice": "invoice",
    "Invoice": "invoice",
    "credit_note": "credit_note",
    "CreditNote": "credit_note",
    "NCRE": "credit_note",
    "debit_note": "debit_note",
    "DebitNote": "debit_note",
    "NDEB": "debit_note",
}
# The FEL format's name in the index (reception's DocumentFormat.FEL).
FEL = "fel"


class SequenceKey(NamedTuple):
    issuer_nit: str
    kind: str
    series: str


def kind_of(document_type: str | None) -> str:
    if document_type is None:
        return "invoice"
    return _KINDS.get(document_type, document_type[:20])


def key_of(document: NumberedDocument) -> SequenceKey | None:
    """None for a document without an issuer (nothing to audit it against)."""
    if not document.issuer_nit:
        return None
    series = "" if document.format == FEL else (document.series or "")
    return SequenceKey(document.issuer_nit, kind_of(document.document_type), series)
