"""Output views shared by the usage surfaces (API, CLI, pages)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from facturo.kit.actor import Actor
from facturo.kit.db import Units
from facturo.kit.errors import FacturoError, Msg
from facturo.organisation import service as organisation
from facturo.usage import service
from facturo.usage.schemas import (
    BillingRunOut,
    BillingRunRecordOut,
    ImportReportOut,
    PlannedInvoiceOut,
    PlannedLineOut,
    ResourceLineOut,
    UsageCustomerIn,
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


# --- one call per action: the writes and reads the API and the CLI answer with ---------------------------


def billing_view(session: Session, actor: Actor, date_from: date, date_to: date, *, dry_run: bool) -> BillingRunOut:
    """A billing run (or its dry run) as the API and the CLI show it."""
    return billing_out(service.run_billing(session, actor, date_from, date_to, dry_run=dry_run))


@dataclass(frozen=True, slots=True)
class CustomerCreated:
    customer_id: int
    portal_login: dict[str, int]
    warnings: list[dict[str, Any]]


def customer_created(session: Session, actor: Actor, data: UsageCustomerIn, language: str) -> CustomerCreated:
    """Create a usage customer (and its portal login) and say what it gave, warnings in ``language``."""
    customer_id, report = service.create_customer(session, actor, data)
    return CustomerCreated(
        customer_id,
        report.counts["portal_login"],
        [service.problem_json(p, language) for p in report.warnings],
    )


@dataclass(frozen=True, slots=True)
class RunRecords:
    """Past billing runs, newest first, and the time zone their moments are shown in."""

    runs: list[BillingRunRecordOut]
    timezone: str


def run_records(session: Session, limit: int) -> RunRecords:
    return RunRecords(
        [BillingRunRecordOut.model_validate(run) for run in service.list_runs(session, limit)],
        organisation.business_timezone(session),
    )


@dataclass(frozen=True, slots=True)
class FileImport:
    """One file of ``import_files``: its report (and that report's JSON, when asked), or its refusal."""

    path: Path
    report: service.ImportReport | None = None
    out: ImportReportOut | None = None
    refusal: Msg | None = None


def _as_is(_path: Path, file: BinaryIO) -> AbstractContextManager[BinaryIO]:
    return nullcontext(file)


def import_files(
    units: Units,
    actor: Actor,
    paths: Sequence[Path],
    *,
    language: str | None = None,
    reading: Callable[[Path, BinaryIO], AbstractContextManager[BinaryIO]] = _as_is,
) -> Iterator[FileImport]:
    """Import each file on its own, configuration messages first, as each is done. ``reading`` wraps
    an open file for the importer (a progress bar); ``language`` asks for each report's JSON."""
    # Configurations first, so consumptions of a pair find their instances whatever the order given.
    for path in sorted(paths, key=lambda p: 0 if _is_configuration(p) else 1):
        try:
            with path.open("rb") as file, reading(path, file) as source:
                report = service.import_message(units, actor, source, filename=path.name)
        except FacturoError as exc:
            yield FileImport(path, refusal=exc.message)
            continue
        yield FileImport(path, report, None if language is None else report_out(report, language))


def _is_configuration(path: Path) -> bool:
    with path.open("rb") as file:
        return service.is_configuration(file)
