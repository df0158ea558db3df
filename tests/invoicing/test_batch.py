"""Issuing a usage-billing run in one transaction: the same figures, numbers, chain, snapshots and
history as issuing the invoices one by one, and nothing at all when anything is wrong."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from facturo.audit.models import HistoryRecord
from facturo.customers import service as customers
from facturo.customers.models import Customer
from facturo.customers.schemas import CustomerPatch
from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice, Series
from facturo.invoicing.schemas import DraftIn, LineIn, SeriesIn
from facturo.kit import clock
from facturo.kit.db import Database
from facturo.kit.errors import ValidationFailed
from facturo.organisation.models import Issuer
from tests.factories import ACTOR, NOW, make_customer, make_draft, make_issued, make_issuer

D = Decimal
TODAY = NOW.date()
BatchInvoice, BatchLine = invoicing.BatchInvoice, invoicing.BatchLine

COMPUTE = BatchLine("Cómputo vCPU", D("12.5"), D("1125.000000"))  # Q14,062.50 with IVA included
STORAGE = BatchLine("Almacenamiento", D("730"), D("0.015"), unit="GB-mes")  # Q10.95
SUPPORT = BatchLine("Soporte", D("3"), D("33.333333"), unit="mes", price_includes_tax=False)  # 100.00 + 12.00


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


@pytest.fixture
def three(session: Session, issuer: Issuer, frozen: None) -> list[Customer]:
    return [make_customer(session, payment_terms_days=days) for days in (30, 15, 0)]


def run(session: Session, invoices: list[invoicing.BatchInvoice], **kw: object) -> list[invoicing.IssuedSummary]:
    return invoicing.issue_batch(session, ACTOR, invoices, TODAY, **kw)  # type: ignore[arg-type]


def one_by_one(session: Session, customer_id: int, lines: list[invoicing.BatchLine]) -> Invoice:
    data = [
        LineIn(
            description=ln.description,
            unit=ln.unit,
            quantity=ln.quantity,
            unit_price=ln.unit_price,
            tax_rate=ln.tax_rate,
            price_includes_tax=ln.price_includes_tax,
        )
        for ln in lines
    ]
    draft = invoicing.create_draft(session, ACTOR, DraftIn(customer_id=customer_id, lines=data))
    return invoicing.issue_invoice(session, ACTOR, draft.id, TODAY)


def figures(doc: Invoice) -> tuple[object, ...]:
    return (
        doc.subtotal,
        doc.tax_total,
        doc.total,
        [(ln.line_number, ln.description, ln.base_amount, ln.tax_amount, ln.total_amount) for ln in doc.lines],
    )


def problems_of(error: pytest.ExceptionInfo[ValidationFailed]) -> list[tuple[str, str]]:
    return [(p.field, p.rule) for p in error.value.problems]


# --- figures, numbers, chain --------------------------------------------------------------------


def test_batch_figures_equal_those_of_issuing_one_by_one(session: Session, three: list[Customer]) -> None:
    plans = [[COMPUTE], [COMPUTE, STORAGE], [STORAGE, SUPPORT]]
    issued = run(session, [BatchInvoice(c.id, lines) for c, lines in zip(three, plans, strict=True)])

    batch_docs = [invoicing.get_document(session, s.invoice_id) for s in issued]
    # Base = total / 1.12 rounded half-up, per line; the invoice is the sum of its lines.
    assert [(d.subtotal, d.tax_total, d.total) for d in batch_docs] == [
        (D("12555.80"), D("1506.70"), D("14062.50")),
        (D("12565.58"), D("1507.87"), D("14073.45")),
        (D("109.78"), D("13.17"), D("122.95")),
    ]
    assert [s.total for s in issued] == [D("14062.50"), D("14073.45"), D("122.95")]
    singles = [one_by_one(session, c.id, lines) for c, lines in zip(three, plans, strict=True)]
    assert [figures(d) for d in batch_docs] == [figures(d) for d in singles]


def test_numbers_continue_the_series_between_invoices_issued_one_by_one(
    session: Session, three: list[Customer]
) -> None:
    first = make_issued(session, customer=three[0])
    issued = run(session, [BatchInvoice(c.id, [COMPUTE]) for c in three])
    last = make_issued(session, customer=three[1])

    assert first.full_number == "A-00000001"
    assert [(s.number, s.full_number) for s in issued] == [(2, "A-00000002"), (3, "A-00000003"), (4, "A-00000004")]
    assert [s.customer_id for s in issued] == [c.id for c in three]
    assert last.full_number == "A-00000005"
    series = invoicing.get_series(session, first.series_id)  # type: ignore[arg-type]
    report = invoicing.verify_series(session, series)
    assert (report.documents, report.ok, report.problem) == (5, True, None)


def test_issued_invoices_snapshot_the_customer_and_get_the_due_date_from_its_terms(
    session: Session, three: list[Customer]
) -> None:
    issued = run(session, [BatchInvoice(c.id, [STORAGE], notes="Consumo de mayo") for c in three])
    names = [(c.name, c.nit, c.address) for c in three]
    customers.update_customer(session, ACTOR, three[0].id, CustomerPatch(name="Nombre Nuevo, S.A."))

    docs = [invoicing.get_document(session, s.invoice_id) for s in issued]
    assert [(d.customer_name, d.customer_nit, d.customer_address) for d in docs] == names
    assert [d.status for d in docs] == ["issued"] * 3
    assert [d.issue_date for d in docs] == [TODAY] * 3
    assert [d.due_date for d in docs] == [TODAY + timedelta(days=n) for n in (30, 15, 0)]
    assert [d.notes for d in docs] == ["Consumo de mayo"] * 3
    assert all(d.issued_at == NOW for d in docs)


def test_lines_are_numbered_snapshot_their_figures_and_are_returned_in_order(
    session: Session, three: list[Customer]
) -> None:
    (summary,) = run(session, [BatchInvoice(three[0].id, [COMPUTE, STORAGE, SUPPORT])])
    doc = invoicing.get_document(session, summary.invoice_id)

    assert summary.line_ids == [ln.id for ln in doc.lines]
    assert [(ln.line_number, ln.description, ln.unit, ln.quantity, ln.unit_price) for ln in doc.lines] == [
        (1, "Cómputo vCPU", "hora", D("12.5"), D("1125")),
        (2, "Almacenamiento", "GB-mes", D("730"), D("0.015")),
        (3, "Soporte", "mes", D("3"), D("33.333333")),
    ]
    assert [(ln.tax_rate, ln.price_includes_tax, ln.product_id) for ln in doc.lines][2] == (D("0.12"), False, None)


def test_each_invoice_gets_an_issued_history_record_with_the_actor(session: Session, three: list[Customer]) -> None:
    issued = run(session, [BatchInvoice(c.id, [COMPUTE, STORAGE]) for c in three], origin="usage-run 2024-05")

    for summary in issued:
        (record,) = audit.history_of(session, "invoice", summary.invoice_id)
        assert (record.action, record.actor_kind, record.actor_id, record.actor_name) == (
            "issued",
            "user",
            "tester",
            "Test User",
        )
        after = record.after or {}
        assert {
            "status", "series_id", "number", "issue_date", "due_date", "customer_nit", "customer_name",
            "customer_address", "issued_at", "previous_hash", "content_hash", "lines", "origin",
        } <= set(after)  # fmt: skip
        assert (after["number"], after["status"], after["total"]) == (summary.number, "issued", "14073.45")
        assert after["origin"] == "usage-run 2024-05"
        assert [(ln["line_number"], ln["total_amount"]) for ln in after["lines"]] == [(1, "14062.50"), (2, "10.95")]


def test_a_free_line_written_with_minus_zero_still_chains(
    session: Session, issuer: Issuer, three: list[Customer]
) -> None:
    free = BatchLine("Cuota de prueba gratuita", D("1"), D("-0"), tax_rate=D("-0.00"))
    (summary,) = run(session, [BatchInvoice(three[0].id, [free, STORAGE])])

    assert summary.total == D("10.95")
    report = invoicing.verify_series(session, invoicing.default_series(session, issuer.id, "invoice"))
    assert (report.documents, report.ok) == (1, True)


def test_an_explicit_series_is_used_and_a_credit_note_series_refused(
    session: Session, issuer: Issuer, three: list[Customer]
) -> None:
    other = invoicing.create_series(session, ACTOR, issuer.id, SeriesIn(code="U", prefix="USO-"))
    issued = run(session, [BatchInvoice(c.id, [STORAGE]) for c in three], series_id=other.id)
    assert [s.full_number for s in issued] == ["USO-00000001", "USO-00000002", "USO-00000003"]

    credit_series = invoicing.default_series(session, issuer.id, "credit_note")
    with pytest.raises(ValidationFailed) as error:
        run(session, [BatchInvoice(three[0].id, [STORAGE])], series_id=credit_series.id)
    assert problems_of(error) == [("series_id", "series.kind")]


# --- refusals ------------------------------------------------------------------------------------


def test_an_empty_batch_issues_nothing_and_leaves_the_series_alone(session: Session, issuer: Issuer) -> None:
    series = invoicing.default_series(session, issuer.id, "invoice")
    before = series.next_number
    assert run(session, []) == []
    session.refresh(series)
    assert series.next_number == before


def test_an_issue_date_in_the_future_is_refused(session: Session, three: list[Customer]) -> None:
    with pytest.raises(ValidationFailed) as error:
        invoicing.issue_batch(session, ACTOR, [BatchInvoice(three[0].id, [COMPUTE])], TODAY + timedelta(days=1))
    assert problems_of(error) == [("issue_date", "issue_date.future")]
    assert "15/06/2024" in error.value.message.es
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_every_problem_is_reported_with_its_position_in_spanish_and_english(
    session: Session, three: list[Customer]
) -> None:
    customers.set_active(session, ACTOR, three[1].id, False)
    batch = [
        BatchInvoice(three[0].id, [COMPUTE]),
        BatchInvoice(three[1].id, [COMPUTE]),
        BatchInvoice(three[2].id, []),
        BatchInvoice(
            three[0].id,
            [
                STORAGE,
                BatchLine("Precio con 7 decimales", D("1"), D("0.0000001")),
                BatchLine("Cantidad con 7 decimales", D("0.0000001"), D("1")),
                BatchLine("Enorme", D("1000000"), D("99999999.99")),
                BatchLine("Negativa", D("-1"), D("10")),
            ],
        ),
    ]
    with pytest.raises(ValidationFailed) as error:
        run(session, batch)

    assert problems_of(error) == [
        ("invoices[1].customer_id", "customer.inactive"),
        ("invoices[2].lines", "invoice.no_lines"),
        ("invoices[3].lines[1].unit_price", "line.unit_price"),
        ("invoices[3].lines[2].quantity", "line.quantity"),
        ("invoices[3].lines[3].quantity", "line.amount_too_large"),
        ("invoices[3].lines[4].quantity", "line.quantity"),
    ]
    inactive, _, price, _, huge, _ = (p.message for p in error.value.problems)
    assert inactive.es == f"Factura 2 del lote (cliente {three[1].id}): el cliente {three[1].name} está desactivado."
    assert inactive.en == f"Batch invoice 2 (customer {three[1].id}): customer {three[1].name} is deactivated."
    assert price.es.endswith("línea 2: el precio unitario 0.0000001 debe ser >= 0, con hasta 12 enteros y 6 decimales.")
    assert "exceeds the maximum allowed (9999999999999.99)" in huge.en
    assert error.value.message.en.startswith("The batch has 6 errors and no invoice was issued. First: Batch invoice 2")
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_a_batch_with_an_unknown_customer_leaves_no_invoice_and_no_number_taken(fresh_database: Database) -> None:
    with clock.frozen(NOW), fresh_database.unit_of_work() as session:
        make_issuer(session)
        ids = [make_customer(session).id for _ in range(3)]
        make_issued(session, customer=session.get(Customer, ids[0]))
    batch = [BatchInvoice(ids[0], [COMPUTE]), BatchInvoice(ids[1], [STORAGE]), BatchInvoice(999_999, [COMPUTE])]
    batch.append(BatchInvoice(ids[2], [SUPPORT]))

    with pytest.raises(ValidationFailed) as error, clock.frozen(NOW), fresh_database.unit_of_work() as session:
        run(session, batch)

    assert problems_of(error) == [("invoices[2].customer_id", "customer.unknown")]
    assert error.value.message.es == "Factura 3 del lote (cliente 999999): no existe el cliente 999999."
    assert_untouched(fresh_database)


def test_a_failure_after_the_writes_rolls_the_whole_batch_back(
    fresh_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    with clock.frozen(NOW), fresh_database.unit_of_work() as session:
        make_issuer(session)
        ids = [make_customer(session).id for _ in range(3)]
        make_issued(session, customer=session.get(Customer, ids[0]))

    def broken_history(*_: object) -> None:  # runs once the invoice rows are in
        raise RuntimeError("disk full")

    monkeypatch.setattr("facturo.audit.service.record_many", broken_history)
    with pytest.raises(RuntimeError), clock.frozen(NOW), fresh_database.unit_of_work() as session:
        run(session, [BatchInvoice(i, [COMPUTE, STORAGE]) for i in ids])
    assert_untouched(fresh_database)


def assert_untouched(database: Database) -> None:
    """Only the one invoice issued before the batch, its number, its history and its chain."""
    with database.unit_of_work(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Invoice)) == 1
        series = session.scalars(select(Series).where(Series.code == "A")).one()
        assert series.next_number == 2
        assert invoicing.verify_series(session, series).ok
        issued_records = select(func.count()).where(HistoryRecord.action == "issued")
        assert session.scalar(issued_records) == 1


# --- concurrency -----------------------------------------------------------------------------------


def test_a_batch_and_one_by_one_issuers_running_at_once_share_the_series_without_gaps(
    fresh_database: Database,
) -> None:
    with fresh_database.unit_of_work() as session:
        issuer_id = make_issuer(session).id
        ids = [make_customer(session).id for _ in range(40)]
        drafts = [make_draft(session, session.get(Customer, ids[i % 40])).id for i in range(40)]
    today = clock.today("America/Guatemala")

    def work(job: int) -> list[int]:
        with fresh_database.unit_of_work() as session:
            if job % 10 == 0:
                batch = [BatchInvoice(i, [COMPUTE, STORAGE]) for i in ids]
                return [s.number for s in invoicing.issue_batch(session, ACTOR, batch, today)]
            return [invoicing.issue_invoice(session, ACTOR, drafts[job]).number or 0]

    with ThreadPoolExecutor(max_workers=6) as pool:
        chunks = list(pool.map(work, range(40)))

    batches = [chunk for chunk in chunks if len(chunk) > 1]
    assert [chunk == list(range(chunk[0], chunk[0] + 40)) for chunk in batches] == [True] * 4
    numbers = sorted(n for chunk in chunks for n in chunk)
    assert numbers == list(range(1, 36 + 4 * 40 + 1))
    with fresh_database.unit_of_work(write=False) as session:
        reports = invoicing.verify_all(session, issuer_id)
        assert [(r.series_code, r.documents, r.ok) for r in reports] == [("A", 196, True), ("NC", 0, True)]


@pytest.mark.parametrize("text", ["3.000000", "0.000000", "0", "1E-7", "12.5000", "1E+2", "-0.50", "0E-6"])
def test_history_decimals_are_written_without_exponents(text: str) -> None:
    # The batch writes history decimals with kit.numbers.positional, a faster format(value, "f").
    from facturo.kit.numbers import positional

    assert positional(Decimal(text)) == format(Decimal(text), "f")
    assert "E" not in positional(Decimal(text))
