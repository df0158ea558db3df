"""Each billed usage line stores its per-resource parts of its total (``usage_line_resource_parts``),
split by largest remainder over the resources' hourly rates; migration 0010's backfill gives the
lines billed before the table existed exactly the parts billing writes; voiding an invoice keeps
its parts (the sales analysis leaves it out by its status)."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

import facturo.migrations
from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.kit import clock
from facturo.kit.money import ZERO
from facturo.organisation.models import Issuer
from facturo.reports import service as reports
from facturo.reports.allocation import resource_shares
from facturo.usage.billing import run_billing
from facturo.usage.models import LineResourcePart, LineSnapshot
from facturo.usage.rates import RatedResource
from tests.factories import ACTOR
from tests.usage.helpers import AULA, NUBE, import_data

YEAR_2023 = (date(2023, 1, 1), date(2023, 12, 31))
GRADING_RANGE = (date(2000, 1, 1), date(2029, 12, 31))  # the aula pair reaches back to 2007
BILLED_ON = datetime(2024, 1, 15, 9, 30, tzinfo=ZoneInfo("America/Guatemala"))


def _migration_0010() -> ModuleType:
    path = Path(facturo.migrations.__file__).parent / "versions" / "0010_line_resource_split.py"
    spec = importlib.util.spec_from_file_location("migration_0010", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bill_nube_and_aula(session: Session) -> None:
    for name in (*NUBE, *AULA):
        import_data(session, name)
    with clock.frozen(BILLED_ON):
        run_billing(session, ACTOR, *GRADING_RANGE, dry_run=False)


def _parts(session: Session) -> list[tuple[int, int, int, str, str, str, str, str, Decimal]]:
    stmt = select(
        LineResourcePart.invoice_line_id,
        LineResourcePart.position,
        LineResourcePart.invoice_id,
        LineResourcePart.resource_code,
        LineResourcePart.resource_name,
        LineResourcePart.abbreviation,
        LineResourcePart.metric,
        LineResourcePart.kind,
        LineResourcePart.amount,
    ).order_by(LineResourcePart.invoice_line_id, LineResourcePart.position)
    return [tuple(row) for row in session.execute(stmt)]  # type: ignore[misc]


def test_a_billed_line_stores_each_resource_part_of_its_total(session: Session, issuer: Issuer) -> None:
    for name in NUBE:
        import_data(session, name)
    with clock.frozen(BILLED_ON):
        result = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    invoice = session.get(Invoice, result.invoices[2].invoice_id)
    assert invoice is not None
    line = invoice.lines[0]  # N-301, BD-2: 17.5 h at 253.30625/h = 4432.86
    stored = session.execute(
        select(LineResourcePart.resource_code, LineResourcePart.amount, LineResourcePart.invoice_id)
        .where(LineResourcePart.invoice_line_id == line.id)
        .order_by(LineResourcePart.position)
    ).all()
    # Weights 16 × 2.5 = 40, 8 × 12.75 = 102, 250.25 × 0.125 = 31.28125, 2 × 40.0125 = 80.025 (Σ 253.30625):
    # exact parts 700.0001, 1785.0003, 547.4220, 1400.4377; floors add up to 4432.85, and the missing
    # cent goes to the largest remainder, R5's.
    assert [(code, str(amount)) for code, amount, _ in stored] == [
        ("R1", "700.00"),
        ("R2", "1785.00"),
        ("R3", "547.42"),
        ("R5", "1400.44"),
    ]
    assert {invoice_id for _, _, invoice_id in stored} == {invoice.id}
    assert sum((amount for _, amount, _ in stored), ZERO) == line.total_amount == Decimal("4432.86")


def test_every_line_s_parts_add_up_to_it_and_equal_the_report_split(session: Session, issuer: Issuer) -> None:
    _bill_nube_and_aula(session)
    snapshots = list(session.scalars(select(LineSnapshot).order_by(LineSnapshot.invoice_line_id)))
    assert len(snapshots) == 8  # nube: 5 instances; aula: IN-01, IN-02 and the 81.25 line
    parts = _parts(session)
    for snap in snapshots:
        mine = [(code, amount) for line_id, _, _, code, *_, amount in parts if line_id == snap.invoice_line_id]
        rated = [RatedResource.from_snapshot(item) for item in snap.resources]
        assert mine == [(r.code, amount) for r, amount in resource_shares(snap.total, rated, "GTQ")]
        assert sum((amount for _, amount in mine), ZERO) == snap.total


def test_the_migration_backfill_gives_the_parts_billing_wrote(session: Session, issuer: Issuer) -> None:
    _bill_nube_and_aula(session)
    billed = _parts(session)
    # 8 lines; their resource lists hold 3-4 resources each.
    assert len({row[0] for row in billed}) == 8 and len(billed) > 8

    session.execute(delete(LineResourcePart))
    assert _parts(session) == []
    backfill = _migration_0010().backfill
    # A small batch, so the keyset walk over several batches is exercised.
    assert backfill(session.connection(), batch=2) == len(billed)
    assert _parts(session) == billed
    # Idempotent: lines that have their parts are left alone.
    assert backfill(session.connection(), batch=2) == 0
    assert _parts(session) == billed


def test_a_voided_invoice_keeps_its_parts_and_leaves_the_sales(session: Session, issuer: Issuer) -> None:
    for name in NUBE:
        import_data(session, name)
    with clock.frozen(BILLED_ON):
        result = run_billing(session, ACTOR, *YEAR_2023, dry_run=False)
    day = BILLED_ON.date()
    before = {r.code: r.amount for r in reports.sales_report(session, day, day).resources}
    voided = result.invoices[2].invoice_id  # 8842.61: N-301 (BD-2) and N-302 (GPU-1)
    voided_parts = session.scalar(
        select(func.count()).select_from(LineResourcePart).where(LineResourcePart.invoice_id == voided)
    )
    invoicing.void_invoice(session, ACTOR, voided, "Facturada por error")

    after = reports.sales_report(session, day, day)
    assert (
        session.scalar(select(func.count()).select_from(LineResourcePart).where(LineResourcePart.invoice_id == voided))
        == voided_parts
    )
    assert (
        sum((r.amount for r in after.resources), ZERO) == after.totals.revenue == Decimal("548.06") + Decimal("1615.68")
    )
    assert sum(before.values(), ZERO) == Decimal("11006.35")
