from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from facturo.kit.schemas import (
    Amount,
    DbId,
    NonNegativeAmount,
    Out,
    PositiveAmount,
    Quantity,
    Strict,
    TaxRate,
    UnitPrice,
)


class LineIn(Strict):
    """A product line (``product_id``; price, tax and description default to the product's) or a
    free-text line (``description`` and ``unit_price`` required)."""

    product_id: DbId | None = None
    description: str | None = Field(default=None, min_length=1, max_length=500)
    unit: str | None = Field(default=None, min_length=1, max_length=20)
    quantity: Quantity
    unit_price: UnitPrice | None = None
    discount: NonNegativeAmount = Field(default=Decimal(0), description="Amount off the line, in currency.")
    tax_rate: TaxRate | None = None
    price_includes_tax: bool | None = None

    @model_validator(mode="after")
    def _free_text_needs_price(self) -> LineIn:
        if self.product_id is None and (self.description is None or self.unit_price is None):
            raise ValueError("a line without product_id needs a description and a unit_price")
        return self


class DraftIn(Strict):
    customer_id: DbId
    series_id: DbId | None = Field(default=None, description="Defaults to the issuer's default invoice series.")
    due_date: date | None = Field(default=None, description="Defaults to issue date + customer's payment terms.")
    notes: str = Field(default="", max_length=1000)
    lines: list[LineIn] = Field(default_factory=list, max_length=500)


class DraftPatch(Strict):
    customer_id: DbId | None = None
    series_id: DbId | None = None
    due_date: date | None = None
    notes: str | None = Field(default=None, max_length=1000)
    lines: list[LineIn] | None = Field(default=None, max_length=500, description="Replaces all lines.")


class IssueIn(Strict):
    issue_date: date | None = Field(default=None, description="Defaults to today in the issuer's time zone.")


class VoidIn(Strict):
    reason: str = Field(min_length=5, max_length=500)


class CreditItemIn(Strict):
    """Either ``line_number`` and ``quantity`` (return part of an invoiced line), or
    ``description``, ``amount`` and optionally ``tax_rate`` (a tax-included amount off the invoice).
    An item that mixes fields of both kinds is refused by the credit-note service with the rule
    ``credit.item_kind`` (422), so every surface says it the same way."""

    line_number: int | None = Field(default=None, ge=1, le=10_000)
    quantity: Quantity | None = None
    description: str | None = Field(default=None, min_length=1, max_length=500)
    amount: PositiveAmount | None = None
    tax_rate: TaxRate | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> CreditItemIn:
        by_line = self.line_number is not None and self.quantity is not None
        by_amount = self.description is not None and self.amount is not None
        mixed = (self.line_number is not None or self.quantity is not None) and (
            self.description is not None or self.amount is not None or self.tax_rate is not None
        )
        if by_line == by_amount and not mixed:
            raise ValueError("give either line_number and quantity, or description and amount")
        return self


class CreditNoteIn(Strict):
    reason: str = Field(min_length=5, max_length=500)
    full: bool = Field(default=False, description="Credit everything that remains creditable.")
    items: list[CreditItemIn] = Field(default_factory=list, max_length=500)

    @model_validator(mode="after")
    def _something(self) -> CreditNoteIn:
        if self.full == bool(self.items):
            raise ValueError("give either full=true or a list of items")
        return self


class LineOut(Out):
    line_number: int
    product_id: int | None
    credited_line_id: int | None
    description: str
    unit: str
    quantity: Quantity
    unit_price: UnitPrice
    discount: Amount
    tax_rate: TaxRate
    price_includes_tax: bool
    base_amount: Amount
    tax_amount: Amount
    total_amount: Amount


class InvoiceOut(Out):
    id: int
    document_type: Literal["invoice", "credit_note"]
    status: str
    series_code: str | None
    number: int | None
    full_number: str | None
    customer_id: int
    customer_nit: str
    customer_name: str
    customer_address: str
    currency: str
    issue_date: date | None
    due_date: date | None
    notes: str
    credited_invoice_id: int | None
    reason: str
    subtotal: Amount
    tax_total: Amount
    total: Amount
    credited_total: Amount
    paid_total: Amount
    balance: Amount
    overdue: bool
    issued_at: datetime | None
    voided_at: datetime | None
    void_reason: str
    content_hash: str | None
    lines: list[LineOut]


class InvoiceSummaryOut(Out):
    id: int
    document_type: str
    status: str
    full_number: str | None
    customer_id: int
    customer_name: str
    issue_date: date | None
    due_date: date | None
    total: Amount
    balance: Amount
    overdue: bool


class AlertsOut(Out):
    today: date
    due_soon_days: int
    overdue: list[InvoiceSummaryOut]
    due_soon: list[InvoiceSummaryOut]
    overdue_total: Amount
    due_soon_total: Amount


class SeriesIn(Strict):
    # Ten characters leave room for the default prefix "CODE-" in the 20-character column.
    code: str = Field(min_length=1, max_length=10, pattern=r"^[A-Za-z0-9_-]+$")
    prefix: str = Field(default="", max_length=20)
    document_type: Literal["invoice", "credit_note"] = "invoice"
    is_default: bool = False


class SeriesOut(Out):
    id: int
    code: str
    prefix: str
    document_type: str
    is_default: bool
    active: bool
    next_number: int


class ChainReportOut(Out):
    series_code: str
    documents: int
    ok: bool
    first_broken_number: int | None
    problem: str | None
