"""Output views shared by the usage surfaces (API, CLI, pages)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from facturo.usage import service
from facturo.usage.schemas import (
    BillingRunOut,
    ImportReportOut,
    PlannedInvoiceOut,
    PlannedLineOut,
    ResourceLineOut,
)


def report_url(message_id: int) -> str:
    return f"/api/v1/usage/messages/{message_id}/problems"


def report_out(report: service.ImportReport, lang: str) -> ImportReportOut:
    def problems(items: list[Any]) -> list[dict[str, Any]]:
        return [service.problem_json(p, lang) for p in items]

    return ImportReportOut.model_validate(
        {
            "message_id": report.message_id,
            "kind": report.kind,
            "counts": report.counts,
            "problem_counts": {
                "duplicates": report.totals["duplicate"],
                "warnings": report.totals["warning"],
                "rejections": report.totals["rejection"],
            },
            "report_url": None if report.message_id is None else report_url(report.message_id),
            "duplicates": problems(report.duplicates),
            "warnings": problems(report.warnings),
            "rejections": problems(report.rejections),
        }
    )


def billing_out(result: service.BillingResult) -> BillingRunOut:
    invoices = [
        PlannedInvoiceOut(
            customer_id=inv.customer_id,
            customer_nit=inv.customer_nit,
            customer_name=inv.customer_name,
            invoice_id=inv.invoice_id,
            number=inv.full_number,
            consumption_count=inv.consumption_count,
            total=inv.total,
            lines=[
                PlannedLineOut(
                    instance_code=line.instance_code,
                    instance_name=line.instance_name,
                    configuration_code=line.configuration_code,
                    category_code=line.category_code,
                    first_at=line.first_at,
                    last_at=line.last_at,
                    consumption_count=line.consumption_count,
                    hours=line.hours,
                    hour_rate=line.hour_rate,
                    total=line.total,
                    resources=[
                        ResourceLineOut(code=r.code, name=r.name, quantity=r.quantity, price_per_hour=r.price_per_hour)
                        for r in line.rate.resources
                    ],
                )
                for line in inv.lines
            ],
        )
        for inv in result.invoices
    ]
    return BillingRunOut(
        run_id=result.run_id,
        dry_run=result.dry_run,
        date_from=result.date_from,
        date_to=result.date_to,
        issue_date=result.issue_date,
        invoice_count=len(result.invoices),
        consumption_count=result.consumption_count,
        total=result.total,
        invoices=invoices,
    )


@dataclass(frozen=True, slots=True)
class InstanceRow:
    code: str
    name: str
    configuration: str
    state: str
    start_date: date
    end_date: date | None
    unbilled_consumptions: int
    unbilled_hours: Decimal
    unbilled_estimate: Decimal


def instance_row(item: dict[str, Any]) -> InstanceRow:
    """An instance of ``overview()`` with its dates and figures typed, for pages."""
    return InstanceRow(
        code=item["code"],
        name=item["name"],
        configuration=item["configuration"],
        state=item["state"],
        start_date=date.fromisoformat(item["start_date"]),
        end_date=date.fromisoformat(item["end_date"]) if item["end_date"] else None,
        unbilled_consumptions=int(item["unbilled_consumptions"]),
        unbilled_hours=Decimal(item["unbilled_hours"]),
        unbilled_estimate=Decimal(item["unbilled_estimate"]),
    )
