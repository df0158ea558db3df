"""What every format reader returns: the fields the index stores and the rule findings.

A reader never raises on bad content. Whatever it cannot read becomes a finding, so that every
received document can be stored and accepted or stored and rejected with its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from facturo.kit.errors import Msg


class Severity(StrEnum):
    """``fatal`` and ``error`` reject the document; ``warning`` is reported and accepted."""

    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"


class DocumentFormat(StrEnum):
    FEL = "fel"
    UBL = "ubl"
    JSON = "json"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Finding:
    """One broken rule. ``rule`` is the official id where one exists (``BR-CO-10``,
    ``FEL_RCP313``) and one of ours otherwise (``XML-MALFORMED``, ``JSON-NUMBER``);
    ``location`` is an XPath for XML and a JSON pointer for JSON."""

    rule: str
    severity: Severity
    location: str
    message: Msg

    @property
    def rejects(self) -> bool:
        return self.severity is not Severity.WARNING


@dataclass
class DocumentReference:
    """The original document a credit or debit note corrects."""

    series: str | None = None
    number: str | None = None
    authorization_uuid: str | None = None
    issue_date: date | None = None


@dataclass
class ReadDocument:
    """The index fields of one received document, as far as they could be read.

    Amounts are exact Decimals as written in the document (FEL carries 6 decimals, UBL 2);
    ``None`` means the document did not say or could not be read.
    """

    format: DocumentFormat
    # FEL: FACT, FCAM, NCRE...; UBL: "Invoice" or "CreditNote"; JSON: "invoice"/"credit_note".
    document_type: str | None = None
    issuer_nit: str | None = None
    issuer_name: str | None = None
    # A NIT, "CF" or a CUI (FEL); the buyer's identifier as written (UBL).
    receiver_id: str | None = None
    receiver_name: str | None = None
    series: str | None = None
    number: str | None = None
    # The issuer's own correlative when the format carries one (JSON number, UBL cbc:ID digits,
    # FEL Adenda); never FEL's Serie/Numero, which come from the authorization UUID.
    correlative: int | None = None
    issue_date: date | None = None
    currency: str | None = None
    taxable_total: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None
    # FEL certification: the certifier's authorization.
    authorization_uuid: str | None = None
    certifier_nit: str | None = None
    reference: DocumentReference | None = None
    findings: list[Finding] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(f.rejects for f in self.findings)
