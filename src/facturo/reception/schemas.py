"""What reception shows: documents with their index fields and findings, submissions, summaries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from facturo.kit.money import as_written


class FindingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    rule: str = Field(description="The rule id: official (BR-CO-10, FEL_RCP313) or facturo's own (JSON-TOTAL).")
    severity: str = Field(description="fatal, error (both reject) or warning.")
    location: str = Field(description="An XPath (XML) or a JSON pointer.")
    message_es: str
    message_en: str


class DocumentOut(BaseModel):
    """A received document's index entry."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    submission_id: int
    file_name: str
    status: str = Field(description="received (waiting for a worker), accepted or rejected.")
    format: str = Field(description="fel, ubl, json or unknown.")
    document_type: str | None
    issuer_nit: str | None
    issuer_name: str | None
    receiver_id: str | None
    receiver_name: str | None
    series: str | None
    number: str | None
    correlative: int | None
    issue_date: date | None
    currency: str | None
    taxable_total: Decimal | None
    tax_total: Decimal | None
    total: Decimal | None
    authorization_uuid: str | None
    certifier_nit: str | None
    sha256: str
    size: int
    channel: str
    submitted_by: str
    received_at: datetime
    processed_at: datetime | None
    duplicate_of_id: int | None
    finding_count: int

    # The index holds every amount at 6 decimals (FEL's scale): shown as the document wrote it.
    @field_validator("taxable_total", "tax_total", "total")
    @classmethod
    def _as_written(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else as_written(value)


class DocumentReferenceOut(BaseModel):
    series: str | None
    number: str | None
    authorization_uuid: str | None


class DocumentDetailOut(DocumentOut):
    reference: DocumentReferenceOut | None
    findings: list[FindingOut]


class ReceivedItemOut(BaseModel):
    id: int
    file: str
    sha256: str
    status: str
    duplicate: bool = Field(description="The same bytes were already stored: nothing new was created.")


class RefusedItemOut(BaseModel):
    name: str
    reason_es: str
    reason_en: str


class ReceiptOut(BaseModel):
    submission_id: int
    documents: list[ReceivedItemOut]
    refused: list[RefusedItemOut]
    new_count: int
    duplicate_count: int


class SubmissionOut(BaseModel):
    id: int
    channel: str
    submitted_by: str
    created_at: datetime
    file_count: int
    document_count: int
    duplicate_count: int
    refused: list[RefusedItemOut]
    received: int = Field(description="Documents still waiting for a worker.")
    accepted: int
    rejected: int
    done: bool


class TypeStatusCountOut(BaseModel):
    document_type: str | None
    status: str
    count: int


class CurrencyTotalsOut(BaseModel):
    currency: str | None
    documents: int
    taxable_total: Decimal
    tax_total: Decimal
    total: Decimal
    credit_note_total: Decimal

    @field_validator("taxable_total", "tax_total", "total", "credit_note_total")
    @classmethod
    def _as_written(cls, value: Decimal) -> Decimal:
        return as_written(value)


class IssuerSummaryOut(BaseModel):
    issuer_nit: str
    issuer_name: str | None
    date_from: date
    date_to: date
    counts: list[TypeStatusCountOut]
    totals: list[CurrencyTotalsOut] = Field(description="Accepted documents per currency, credit notes netted.")


@dataclass(frozen=True, slots=True)
class NumberedDocument:
    """What the sequence audit reads of one document: who, which sequence, which number, when.

    ``audit_run_id`` is the audit run that applied it (None while it waits in the audit's queue)."""

    id: int
    issuer_nit: str | None
    format: str
    document_type: str | None
    series: str | None
    correlative: int | None
    issue_date: date | None
    audit_run_id: int | None
