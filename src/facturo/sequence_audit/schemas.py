"""What the sequence audit shows: gaps, top issuers, monthly figures, sequences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

GapStatus = Literal["open", "closed"]

DEFAULT_SINCE = date(2024, 1, 1)
DEFAULT_TOP = 5


class GapOut(BaseModel):
    issuer_nit: str
    kind: str = Field(description="invoice, credit_note, debit_note, or the FEL type (FCAM, FPEQ…).")
    series: str = Field(description='The series as the documents write it; "" for FEL (one sequence per type).')
    first: int = Field(description="The first missing number.")
    last: int = Field(description="The last missing number.")
    count: int
    status: Literal["open", "closed"] = Field(description="closed: a late document filled these numbers.")
    suspected_restart: bool = Field(
        description="The sides are more than the threshold apart (FACTURO_AUDIT_RESTART_THRESHOLD, default "
        "10,000): a restart of the numbering rather than missing documents; not counted as missing."
    )
    detected_on: date = Field(description="The day the gap was first seen (organisation's time zone).")
    before_number: int
    before_document_id: int
    before_date: date | None
    after_number: int
    after_document_id: int
    after_date: date | None
    closed_on: date | None = None
    filled_by_document_id: int | None = None
    filled_by_number: int | None = None

    def brief(self) -> dict[str, object]:
        """The CLI's ``--json`` object: exactly the fields the issue names."""
        return {
            "issuer_nit": self.issuer_nit,
            "series": self.series,
            "first": self.first,
            "last": self.last,
            "count": self.count,
            "status": self.status,
            "suspected_restart": self.suspected_restart,
        }


class TopOut(BaseModel):
    issuer_nit: str
    missing: int = Field(description="Numbers still missing in the range's gaps (suspected restarts excluded).")


class MonthlyOut(BaseModel):
    month: str = Field(description="YYYY-MM")
    issuer_nit: str
    documents: int = Field(description="Documents audited with an issue date in the month.")
    gaps_opened: int = Field(description="Gaps first detected in the month.")
    gaps_closed_late: int = Field(description="Gap pieces a late document filled in the month.")
    missing_open_at_month_end: int = Field(description="Numbers missing at the end of the month (restarts excluded).")


class SequenceOut(BaseModel):
    issuer_nit: str
    kind: str
    series: str
    format: str
    auditable: bool = Field(description="false: no document of it carries a correlative (FEL without Adenda).")
    documents: int
    unnumbered: int = Field(description="Documents without a correlative.")
    first_number: int | None = Field(description="The floor: numbers below it are not gaps.")
    highest_number: int | None
    open_gaps: int
    missing: int
    below_floor: int
    repeated: int


class SyncOut(BaseModel):
    runs: int
    documents: int


class RecomputeOut(BaseModel):
    runs: int
    documents: int
    gaps: int
    sequences: int


@dataclass(frozen=True)
class GapQuery:
    """Which gaps: those first detected on ``day``, or those with a document on either side dated
    in ``date_from``..``date_to``; one issuer's; within a credential's issuers (None: any); only
    the open or only the closed ones (None: both, what the API and the CLI show)."""

    day: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    issuer_nit: str | None = None
    visible_issuer_nits: frozenset[str] | None = None
    status: GapStatus | None = None
