"""What the usage surfaces accept and show."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from facturo.kit.schemas import NIT, Amount, DecimalText, Out, PricePerHour, Strict, UsageQuantity

Code = Field(min_length=1, max_length=40, description="The id used in IPC2 messages.")
ResourceCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class ResourceIn(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    abbreviation: str = Field(default="", max_length=40)
    metric: str = Field(default="", max_length=100)
    kind: Literal["hardware", "software"]
    price_per_hour: PricePerHour


class CategoryIn(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=500)
    workload: str = Field(default="", max_length=100)


class ConfigurationIn(Strict):
    code: str = Code
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=500)
    category_code: str = Code
    resources: dict[ResourceCode, UsageQuantity] = Field(
        min_length=1, description="Resource code -> quantity (up to 2 decimals).", examples=[{"RB-544": "2"}]
    )


class UsageCustomerIn(Strict):
    nit: str = Field(min_length=1, max_length=20, json_schema_extra=NIT)
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=200)
    username: str = Field(default="", max_length=100, description="Portal login (optional).")
    password: str = Field(default="", max_length=1024, description="Stored only as an argon2id hash.")


class InstanceIn(Strict):
    code: str = Code
    customer_nit: str = Field(min_length=1, max_length=20, json_schema_extra=NIT)
    configuration_code: str = Code
    name: str = Field(min_length=1, max_length=200)
    start_date: date
    state: Literal["vigente", "cancelada"] = "vigente"
    end_date: date | None = None


class CancelIn(Strict):
    end_date: date | None = Field(default=None, description="Default: today in the organisation's time zone.")


class BillingRunIn(Strict):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    dry_run: bool = False


class ImportProblemOut(Out):
    line: int
    entity: str
    key: str
    rule: str
    message: str
    message_es: str
    message_en: str


class ProblemCountsOut(Out):
    duplicates: int
    warnings: int
    rejections: int


class ImportReportOut(Out):
    """A summary: the counts are exact; each list holds the first problems of its kind (by line) and
    the whole report is at ``report_url`` (CSV, or JSON with ``?format=json``)."""

    message_id: int | None
    kind: str
    counts: dict[str, dict[str, int]]
    problem_counts: ProblemCountsOut
    duplicates: list[ImportProblemOut]
    warnings: list[ImportProblemOut]
    rejections: list[ImportProblemOut]
    report_url: str | None = Field(description="The full per-line report of this message (CSV; ?format=json).")


class ResourceLineOut(Out):
    code: str
    name: str
    quantity: DecimalText
    price_per_hour: DecimalText


class PlannedLineOut(Out):
    instance_code: str
    instance_name: str
    configuration_code: str
    category_code: str
    first_at: AwareDatetime
    last_at: AwareDatetime
    consumption_count: int
    hours: DecimalText
    hour_rate: DecimalText
    total: Amount
    resources: list[ResourceLineOut]


class PlannedInvoiceOut(Out):
    customer_id: int
    customer_nit: str
    customer_name: str
    invoice_id: int | None
    number: str | None = Field(description="The invoice number; on a dry run, the number it would get now.")
    consumption_count: int
    total: Amount
    lines: list[PlannedLineOut]


class BillingRunOut(Out):
    run_id: int | None
    dry_run: bool
    date_from: date
    date_to: date
    issue_date: date
    invoice_count: int
    consumption_count: int
    total: Amount
    invoices: list[PlannedInvoiceOut]


class BillingRunRecordOut(Out):
    id: int
    date_from: date
    date_to: date
    issue_date: date
    started_at: datetime
    finished_at: datetime | None
    actor_name: str
    invoice_count: int
    consumption_count: int
    total: Amount


class OverviewOut(Out):
    resources: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    customers: list[dict[str, Any]]
