"""The demo business loads once, shows every state, and its documents verify."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.catalog.models import Product
from facturo.customers.models import Customer
from facturo.demo.loader import DemoSummary, load_demo
from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.kit import clock
from facturo.organisation import service as organisation
from tests.factories import ACTOR

D = Decimal
NOW = datetime(2024, 6, 14, 10, 0, tzinfo=ZoneInfo("America/Guatemala"))
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def summary(session: Session) -> DemoSummary | None:
    return load_demo(session, ACTOR, TODAY)


def docs(session: Session) -> list[Invoice]:
    return list(session.scalars(select(Invoice).order_by(Invoice.id)))


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_summary_matches_what_was_loaded(session: Session, summary: DemoSummary | None) -> None:
    assert summary is not None
    assert (summary.customers, summary.products, summary.documents, summary.consumptions) == (9, 8, 14, 150)
    assert [(email, role) for email, _, role in summary.sign_ins] == [
        ("admin@chapinas.example", "admin"),
        ("contabilidad@chapinas.example", "accountant"),
        ("auditoria@chapinas.example", "auditor"),
        ("portal@martillo.example", "customer"),
    ]
    assert count(session, Customer) == 9
    assert count(session, Product) == 8
    assert count(session, Invoice) == 14
    assert organisation.own_issuer(session).name == "Tecnologías Chapinas, S.A."


def test_demo_shows_every_status(session: Session, summary: DemoSummary | None) -> None:
    invoices = [d for d in docs(session) if d.document_type == "invoice"]
    assert Counter(d.status for d in invoices) == {
        "draft": 2,
        "issued": 4,
        "partially_paid": 2,
        "paid": 2,
        "credited": 1,
        "void": 1,
    }
    notes = [d for d in docs(session) if d.document_type == "credit_note"]
    assert [(n.full_number, n.status) for n in notes] == [("NC-00000001", "issued"), ("NC-00000002", "issued")]


def test_demo_includes_overdue_and_due_soon_invoices(session: Session, summary: DemoSummary | None) -> None:
    overdue = [d for d in docs(session) if invoicing.is_overdue(d.status, d.due_date, d.balance, TODAY)]
    assert {d.status for d in overdue} == {"issued", "partially_paid"}
    assert len(overdue) == 2
    soon = invoicing.alerts(session, TODAY, due_soon_days=7)
    assert len(soon.overdue) == 2
    assert soon.due_soon, "the demo should show an invoice falling due this week"
    assert all(TODAY <= d.due_date <= TODAY + timedelta(days=7) for d in soon.due_soon if d.due_date)


def test_demo_numbers_rise_with_dates(session: Session, summary: DemoSummary | None) -> None:
    issued = sorted(
        (d for d in docs(session) if d.document_type == "invoice" and d.number), key=lambda d: d.number or 0
    )
    assert [d.full_number for d in issued] == [f"A-{n:08d}" for n in range(1, 11)]
    dates = [d.issue_date for d in issued]
    assert dates == sorted(dates)
    assert dates[-1] == TODAY


def test_demo_amounts_add_up(session: Session, summary: DemoSummary | None) -> None:
    for doc in docs(session):
        assert doc.subtotal + doc.tax_total == doc.total
        assert doc.total == sum((ln.total_amount for ln in doc.lines), D(0))
        assert doc.balance >= 0
    paid = next(d for d in docs(session) if d.status == "paid" and d.customer_nit != "CF")
    assert (paid.total, paid.paid_total, paid.balance) == (D("882.00"), D("882.00"), D("0.00"))
    credited = next(d for d in docs(session) if d.status == "credited")
    assert credited.credited_total == credited.total


def test_demo_documents_verify(session: Session, summary: DemoSummary | None) -> None:
    reports = invoicing.verify_all(session, organisation.own_issuer(session).id)
    assert [(r.series_code, r.documents, r.ok) for r in reports] == [("A", 10, True), ("NC", 2, True)]


def test_loading_the_demo_twice_does_nothing(session: Session, summary: DemoSummary | None) -> None:
    assert summary is not None
    before = [(d.id, d.status, d.total) for d in docs(session)]
    assert load_demo(session, ACTOR, TODAY) is None
    assert [(d.id, d.status, d.total) for d in docs(session)] == before
    assert count(session, Customer) == 9


def test_demo_sign_ins_work_with_their_roles(session: Session, summary: DemoSummary | None) -> None:
    from facturo.auth import service as auth

    assert summary is not None
    for email, password, role in summary.sign_ins:
        pair = auth.login(session, email, password, "127.0.0.1")
        principal = auth.resolve_bearer(session, pair.access_token)
        assert (principal.role, principal.actor.kind) == (role, "user")
    portal = auth.find_by_email(session, "portal@martillo.example")
    assert portal is not None and portal.customer_id is not None


def test_demo_usage_is_unbilled_and_leaves_the_demo_customers_unchanged(
    session: Session, summary: DemoSummary | None
) -> None:
    from facturo.audit.models import HistoryRecord
    from facturo.usage import service as usage

    view = usage.overview(session)
    pending = {i["code"]: i["unbilled_consumptions"] for c in view["customers"] for i in c["instances"]}
    assert pending == {"VM-100": 30, "VM-200": 30, "VM-201": 30, "VM-300": 30, "VM-400": 30}
    updates = session.scalars(
        select(HistoryRecord).where(HistoryRecord.entity_type == "customer", HistoryRecord.action == "updated")
    ).all()
    assert updates == []
    preview = usage.run_billing(session, ACTOR, TODAY - timedelta(days=100), TODAY, dry_run=True)
    assert (len(preview.invoices), preview.consumption_count) == (4, 150)
    assert all(inv.total > 0 for inv in preview.invoices)
