"""The reports as data: what the API returns as JSON and what the CSV and PDF renderings print.

Amounts are JSON strings with 2 decimals; hours, rates, quantities and exact costs are JSON
strings with every decimal they have (never rounded, never a float).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import Field

from facturo.kit.schemas import Amount, DecimalText, Out


class ReportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    PDF = "pdf"


# --- invoice detail ------------------------------------------------------------------------------


class ConsumptionShare(Out):
    """One consumption of a line: when, how long, what it cost exactly and its share of the line."""

    id: int
    consumed_at: datetime = Field(description="In the organisation's time zone.")
    hours: DecimalText
    exact_cost: DecimalText = Field(description="hours × hour_rate, unrounded.")
    amount: Amount = Field(description="Share of the line total (largest remainder over exact_cost).")


class ResourceShare(Out):
    """One resource of a line's configuration and its contribution to the line."""

    code: str
    name: str
    abbreviation: str
    metric: str
    kind: str
    quantity: DecimalText
    price_per_hour: DecimalText
    hour_rate: DecimalText = Field(description="quantity × price_per_hour.")
    exact_cost: DecimalText = Field(description="line hours × hour_rate, unrounded.")
    amount: Amount = Field(description="Share of the line total (largest remainder over hour_rate).")


class DetailLine(Out):
    line_number: int
    description: str
    instance_id: int
    instance_code: str
    instance_name: str
    configuration_code: str
    configuration_name: str
    category_code: str
    category_name: str
    first_at: datetime = Field(description="First consumption of the line, in the organisation's time zone.")
    last_at: datetime = Field(description="Last consumption of the line, in the organisation's time zone.")
    hours: DecimalText
    hour_rate: DecimalText
    consumption_count: int
    total: Amount
    consumptions: list[ConsumptionShare]
    resources: list[ResourceShare]


class ResourceTotal(Out):
    """A resource's contribution to a whole invoice or to the sales of a period."""

    code: str
    name: str
    abbreviation: str
    metric: str
    kind: str
    amount: Amount
    share_percent: DecimalText = Field(description="Of the total; the percentages add up to 100.00.")


class InvoiceDetailReport(Out):
    invoice_id: int
    full_number: str
    status: str
    void: bool = Field(description="A void invoice is still reported, flagged.")
    void_reason: str
    issue_date: date | None
    currency: str
    timezone: str
    customer_id: int
    customer_nit: str
    customer_name: str
    total: Amount
    credited_total: Amount
    hours: DecimalText
    consumption_count: int
    lines: list[DetailLine]
    resources: list[ResourceTotal] = Field(description="Per resource over the invoice, highest first.")


# --- sales analysis ------------------------------------------------------------------------------


class ConfigurationSales(Out):
    code: str
    name: str
    revenue: Amount
    hours: DecimalText
    invoice_count: int
    line_count: int
    share_percent: DecimalText = Field(description="Of its category's revenue.")


class CategorySales(Out):
    code: str
    name: str
    revenue: Amount
    hours: DecimalText
    invoice_count: int
    line_count: int
    share_percent: DecimalText = Field(description="Of the period's revenue.")
    configurations: list[ConfigurationSales]


class SalesTotals(Out):
    invoice_count: int
    line_count: int
    consumption_count: int
    hours: DecimalText
    revenue: Amount = Field(description="Gross: the totals of the issued usage invoices of the period.")
    credit_note_count: int
    credited: Amount = Field(description="Credit notes dated in the period against usage invoices.")
    net: Amount = Field(description="revenue − credited.")


class SalesReport(Out):
    date_from: date
    date_to: date
    currency: str
    categories: list[CategorySales] = Field(description="Highest revenue first.")
    resources: list[ResourceTotal] = Field(description="Highest revenue first.")
    totals: SalesTotals
