"""Billing runs as people see them: one run with the invoices it issued, and a run confirmed from a
preview, which bills only what the preview showed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from facturo.invoicing.models import Invoice
from facturo.kit.actor import Actor
from facturo.kit.clock import check_range
from facturo.kit.errors import Conflict, Msg, not_found
from facturo.kit.money import ZERO
from facturo.usage.billing import BillingResult, plan, run_billing
from facturo.usage.models import BillingRun, LineSnapshot, Lock

_IN_CHUNK = 1_000


class PreviewOutdated(Conflict):
    """The unbilled consumptions of the range changed between the preview and its confirmation."""

    code = "preview_outdated"


@dataclass(frozen=True, slots=True)
class Expected:
    """What the preview showed: the run goes ahead only if it would bill exactly this."""

    consumption_count: int
    total: Decimal


@dataclass(frozen=True, slots=True)
class RunInvoice:
    invoice_id: int
    full_number: str
    status: str
    customer_nit: str
    customer_name: str
    currency: str
    total: Decimal
    line_count: int
    consumption_count: int
    hours: Decimal


def get_run(session: Session, run_id: int) -> BillingRun:
    run = session.get(BillingRun, run_id)
    if run is None:
        raise not_found("la corrida de facturación", "Billing run", run_id)
    return run


def run_invoices(session: Session, run_id: int) -> list[RunInvoice]:
    """The invoices a run issued, by number, with what each billed (lines, consumptions, hours)."""
    sums = session.execute(
        select(
            LineSnapshot.invoice_id,
            func.count(),
            func.sum(LineSnapshot.consumption_count),
            func.sum(LineSnapshot.hours),
        )
        .where(LineSnapshot.billing_run_id == run_id)
        .group_by(LineSnapshot.invoice_id)
    ).all()
    ids = [row[0] for row in sums]
    docs: dict[int, Invoice] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        stmt = select(Invoice).where(Invoice.id.in_(ids[start : start + _IN_CHUNK])).options(lazyload(Invoice.lines))
        docs.update((doc.id, doc) for doc in session.scalars(stmt))
    found = [
        RunInvoice(
            invoice_id=invoice_id,
            full_number=docs[invoice_id].full_number or "",
            status=docs[invoice_id].status,
            customer_nit=docs[invoice_id].customer_nit,
            customer_name=docs[invoice_id].customer_name,
            currency=docs[invoice_id].currency,
            total=docs[invoice_id].total,
            line_count=int(lines),
            consumption_count=int(consumptions or 0),
            hours=Decimal(hours) if hours is not None else ZERO,
        )
        for invoice_id, lines, consumptions, hours in sums
    ]
    return sorted(found, key=lambda inv: (inv.full_number, inv.invoice_id))


def confirm_billing(
    session: Session, actor: Actor, date_from: date, date_to: date, expected: Expected | None
) -> BillingResult:
    """A real run after a preview. With ``expected`` (what the preview showed) the run bills only if
    it would bill exactly that; otherwise ``PreviewOutdated`` and nothing is written. A range with
    nothing left to bill is not an error: the result simply has no invoices."""
    check_range(date_from, date_to)
    if expected is not None:
        # The same exclusive lock the run takes, so nothing changes between this check and the run.
        session.execute(select(Lock.name).where(Lock.name == "billing").with_for_update())
        planned = plan(session, date_from, date_to)
        count = sum(inv.consumption_count for inv in planned)
        total = sum((inv.total for inv in planned), ZERO)
        if planned and (count, total) != (expected.consumption_count, expected.total):
            raise PreviewOutdated(
                Msg(
                    "Los consumos pendientes del rango cambiaron desde la vista previa; revise la nueva vista "
                    "previa antes de confirmar.",
                    "The unbilled consumptions of the range changed since the preview; review the new preview "
                    "before confirming.",
                )
            )
    return run_billing(session, actor, date_from, date_to, dry_run=False)
