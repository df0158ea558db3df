"""The invoicing service on a real database: drafts, issuing, voiding, credit notes, and stored
totals that always agree with the lines, credit notes and payments they summarise."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.catalog import service as catalog
from facturo.catalog.models import Product
from facturo.catalog.schemas import ProductPatch
from facturo.customers import service as customers
from facturo.customers.schemas import CustomerPatch
from facturo.invoicing import payments as payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.amounts import line_amounts
from facturo.invoicing.lifecycle import settlement_status
from facturo.invoicing.models import Invoice, InvoiceLine, Series
from facturo.invoicing.payment_models import Payment, PaymentSplit
from facturo.invoicing.payment_schemas import Method, PaymentIn, SplitIn
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn, DraftIn, DraftPatch, LineIn
from facturo.kit import clock
from facturo.kit.errors import Conflict, FacturoError, ImmutableDocument, InvalidTransition, ValidationFailed
from facturo.kit.money import quantize
from facturo.organisation import service as organisation
from tests.factories import ACTOR, NOW, make_customer, make_draft, make_issued, make_product

D = Decimal
GT = NOW.tzinfo
TODAY = NOW.date()

pytestmark = pytest.mark.usefixtures("frozen_clock", "issuer")


# --- helpers ------------------------------------------------------------------------------------


def product_line(product: Product, qty: str, discount: str = "0") -> LineIn:
    return LineIn(product_id=product.id, quantity=D(qty), discount=D(discount))


def free_line(price: str, qty: str = "1", discount: str = "0", **extra: object) -> LineIn:
    return LineIn(description="Servicio", quantity=D(qty), unit_price=D(price), discount=D(discount), **extra)  # type: ignore[arg-type]


def pay(session: Session, invoice_id: int, *amounts: str) -> Payment:
    splits = [SplitIn(method=Method.CASH, amount=D(a)) for a in amounts]
    return payments.register_payment(session, ACTOR, invoice_id, PaymentIn(splits=splits))


def credit_lines(session: Session, invoice_id: int, *items: tuple[int, str]) -> Invoice:
    data = CreditNoteIn(
        reason="Devolución de mercadería", items=[CreditItemIn(line_number=n, quantity=D(q)) for n, q in items]
    )
    return invoicing.create_credit_note(session, ACTOR, invoice_id, data)


def credit_full(session: Session, invoice_id: int) -> Invoice:
    return invoicing.create_credit_note(
        session, ACTOR, invoice_id, CreditNoteIn(reason="Anulación comercial", full=True)
    )


def stock_of(session: Session, product_id: int) -> Decimal | None:
    return session.scalar(select(Product.stock).where(Product.id == product_id))


def rule_of(error: ValidationFailed) -> str:
    return error.problems[0].rule


def _sum(session: Session, column: object, *where: object) -> Decimal:
    value = session.scalar(select(func.sum(column)).where(*where))  # type: ignore[call-overload]
    return D(0) if value is None else value  # type: ignore[no-any-return]


def assert_stored_totals_match_derivation(session: Session) -> None:
    """Recompute every document's cached figures from the rows they summarise, with SQL SUMs."""
    for doc_id in session.scalars(select(Invoice.id).order_by(Invoice.id)):
        row = session.execute(
            select(
                Invoice.document_type,
                Invoice.status,
                Invoice.subtotal,
                Invoice.tax_total,
                Invoice.total,
                Invoice.credited_total,
                Invoice.paid_total,
            ).where(Invoice.id == doc_id)
        ).one()
        of_doc = InvoiceLine.invoice_id == doc_id
        assert row.subtotal == _sum(session, InvoiceLine.base_amount, of_doc), doc_id
        assert row.tax_total == _sum(session, InvoiceLine.tax_amount, of_doc), doc_id
        assert row.total == _sum(session, InvoiceLine.total_amount, of_doc), doc_id
        assert row.subtotal + row.tax_total == row.total
        for line in session.scalars(select(InvoiceLine).where(of_doc)):
            assert line.base_amount + line.tax_amount == line.total_amount
            if row.document_type == "invoice":
                derived = line_amounts(
                    line.quantity, line.unit_price, line.discount, line.tax_rate, line.price_includes_tax
                )
                assert (line.base_amount, line.tax_amount, line.total_amount) == (
                    derived.base,
                    derived.tax,
                    derived.total,
                )
        if row.document_type != "invoice":
            assert (row.credited_total, row.paid_total) == (0, 0)
            continue
        credited = _sum(
            session, Invoice.total, Invoice.credited_invoice_id == doc_id, Invoice.document_type == "credit_note"
        )
        paid = _sum(session, Payment.amount, Payment.invoice_id == doc_id, Payment.status == "active")
        assert row.credited_total == credited, doc_id
        assert row.paid_total == paid, doc_id
        assert row.total - credited - paid >= 0, doc_id
        if row.status not in ("draft", "void"):
            assert row.status == settlement_status(row.total, credited, paid), doc_id
    for payment in session.scalars(select(Payment)):
        assert payment.amount == _sum(session, PaymentSplit.amount, PaymentSplit.payment_id == payment.id)


def assert_stock_matches_documents(session: Session, initial: dict[int, Decimal]) -> None:
    """Tracked stock = initial − units on live invoices + units returned by credit notes."""
    for product_id, start in initial.items():
        invoiced = _sum(
            session,
            InvoiceLine.quantity,
            InvoiceLine.product_id == product_id,
            InvoiceLine.invoice_id.in_(
                select(Invoice.id).where(Invoice.document_type == "invoice", Invoice.status.not_in(["draft", "void"]))
            ),
        )
        returned = _sum(
            session,
            InvoiceLine.quantity,
            InvoiceLine.product_id == product_id,
            InvoiceLine.invoice_id.in_(select(Invoice.id).where(Invoice.document_type == "credit_note")),
        )
        assert stock_of(session, product_id) == start - invoiced + returned, product_id


# --- drafts snapshot the catalog ------------------------------------------------------------------


def test_issued_line_keeps_the_price_after_the_product_price_changes(session: Session) -> None:
    with clock.frozen(NOW - timedelta(days=2)):
        product = make_product(session, "150.00")
        draft = make_draft(session, lines=[product_line(product, "2")])
        invoice = invoicing.issue_invoice(session, ACTOR, draft.id)
    assert invoice.total == D("300.00")

    catalog.update_product(session, ACTOR, product.id, ProductPatch(unit_price=D("175.00")))
    session.expire_all()

    reloaded = invoicing.get_document(session, invoice.id)
    assert reloaded.lines[0].unit_price == D("150.00")
    assert reloaded.lines[0].total_amount == D("300.00")
    assert (reloaded.subtotal, reloaded.tax_total, reloaded.total) == (D("267.86"), D("32.14"), D("300.00"))
    assert catalog.get_product(session, product.id).unit_price == D("175.00")
    history = catalog.price_history(session, product.id)
    assert [p.unit_price for p in history] == [D("150.00"), D("175.00")]
    assert history[0].effective_from < history[1].effective_from


def test_a_draft_keeps_the_price_it_was_written_with(session: Session) -> None:
    product = make_product(session, "150.00")
    draft = make_draft(session, lines=[product_line(product, "1")])
    catalog.update_product(session, ACTOR, product.id, ProductPatch(unit_price=D("175.00")))
    invoice = invoicing.issue_invoice(session, ACTOR, draft.id)
    assert invoice.lines[0].unit_price == D("150.00")
    assert invoice.total == D("150.00")


def test_issuing_numbers_the_invoice_and_snapshots_the_customer(session: Session) -> None:
    customer = make_customer(session, name="Ferretería El Martillo", address="Zona 11")
    first = make_issued(session, "112.00", customer=customer)
    second = make_issued(session, "50.00", customer=customer)
    assert (first.full_number, second.full_number) == ("A-00000001", "A-00000002")
    assert first.status == "issued"
    assert first.issue_date == TODAY
    assert (first.customer_nit, first.customer_name) == (customer.nit, "Ferretería El Martillo")

    customers.update_customer(session, ACTOR, customer.id, CustomerPatch(name="Martillo Renombrado"))
    session.expire_all()
    assert invoicing.get_document(session, first.id).customer_name == "Ferretería El Martillo"


# --- issued documents are immutable ----------------------------------------------------------------


def test_issuing_an_issued_invoice_is_refused(session: Session) -> None:
    invoice = make_issued(session)
    with pytest.raises(ImmutableDocument) as caught:
        invoicing.issue_invoice(session, ACTOR, invoice.id)
    assert "A-00000001" in caught.value.message.es
    assert "nota de crédito" in caught.value.message.es
    assert invoicing.get_document(session, invoice.id).number == 1
    assert session.scalar(select(Series.next_number).where(Series.code == "A")) == 2


def test_updating_an_issued_invoice_is_refused(session: Session) -> None:
    invoice = make_issued(session, "112.00")
    with pytest.raises(ImmutableDocument):
        invoicing.update_draft(session, ACTOR, invoice.id, DraftPatch(lines=[free_line("1.00")], notes="cambio"))
    session.expire_all()
    again = invoicing.get_document(session, invoice.id)
    assert again.total == D("112.00")
    assert [ln.unit_price for ln in again.lines] == [D("112.00")]
    assert again.notes == ""


def test_deleting_an_issued_invoice_is_refused(session: Session) -> None:
    invoice = make_issued(session)
    with pytest.raises(ImmutableDocument):
        invoicing.delete_draft(session, ACTOR, invoice.id)
    assert invoicing.get_document(session, invoice.id).status == "issued"


def test_update_draft_recomputes_totals(session: Session) -> None:
    draft = make_draft(session)
    updated = invoicing.update_draft(
        session, ACTOR, draft.id, DraftPatch(lines=[free_line("100.00", "2", "10.00"), free_line("5.60")])
    )
    assert (updated.subtotal, updated.tax_total, updated.total) == (D("174.64"), D("20.96"), D("195.60"))
    assert [ln.line_number for ln in updated.lines] == [1, 2]


# --- voiding --------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   ", "mal"])
def test_void_requires_a_reason(session: Session, reason: str) -> None:
    invoice = make_issued(session)
    with pytest.raises(ValidationFailed) as caught:
        invoicing.void_invoice(session, ACTOR, invoice.id, reason)
    assert rule_of(caught.value) == "void.reason"
    assert caught.value.message.es == "Indique el motivo de la anulación."
    assert invoicing.get_document(session, invoice.id).status == "issued"


def test_void_keeps_the_number_and_returns_tracked_stock(session: Session) -> None:
    tracked = make_product(session, "10.00", stock=D("20"))
    untracked = make_product(session, "99.00", kind="service")
    draft = make_draft(session, lines=[product_line(tracked, "7"), product_line(untracked, "1")])
    invoice = invoicing.issue_invoice(session, ACTOR, draft.id)
    assert stock_of(session, tracked.id) == D("13")

    voided = invoicing.void_invoice(session, ACTOR, invoice.id, "  Datos del cliente mal capturados  ")
    assert voided.status == "void"
    assert voided.full_number == "A-00000001"
    assert voided.void_reason == "Datos del cliente mal capturados"
    assert voided.voided_at is not None
    assert voided.balance == 0
    assert voided.total == D("169.00")  # the document itself is not altered
    assert stock_of(session, tracked.id) == D("20")
    assert stock_of(session, untracked.id) is None
    # The next invoice takes the next number: voiding leaves no gap and reuses nothing.
    assert make_issued(session).full_number == "A-00000002"
    assert all(r.ok for r in invoicing.verify_all(session, voided.issuer_id))


def test_voiding_twice_is_refused_and_returns_stock_only_once(session: Session) -> None:
    product = make_product(session, "10.00", stock=D("10"))
    draft = make_draft(session, lines=[product_line(product, "3")])
    invoicing.issue_invoice(session, ACTOR, draft.id)
    invoicing.void_invoice(session, ACTOR, draft.id, "Primera anulación")
    assert stock_of(session, product.id) == D("10")

    with pytest.raises(InvalidTransition):
        invoicing.void_invoice(session, ACTOR, draft.id, "Segunda anulación")
    assert stock_of(session, product.id) == D("10")
    assert invoicing.get_document(session, draft.id).void_reason == "Primera anulación"


def test_void_is_refused_when_there_are_payments(session: Session) -> None:
    invoice = make_issued(session, "112.00")
    pay(session, invoice.id, "12.00")
    with pytest.raises(Conflict) as caught:
        invoicing.void_invoice(session, ACTOR, invoice.id, "Cliente canceló")
    assert "A-00000001 tiene pagos registrados" in caught.value.message.es
    assert invoicing.get_document(session, invoice.id).status == "partially_paid"


def test_void_is_refused_when_there_are_credit_notes(session: Session) -> None:
    invoice = make_issued(session, "112.00")
    credit_full(session, invoice.id)
    with pytest.raises(Conflict, match="credit notes"):
        invoicing.void_invoice(session, ACTOR, invoice.id, "Cliente canceló")
    assert invoicing.get_document(session, invoice.id).status == "credited"


def test_void_is_refused_for_drafts(session: Session) -> None:
    draft = make_draft(session)
    with pytest.raises(InvalidTransition) as caught:
        invoicing.void_invoice(session, ACTOR, draft.id, "No se necesita")
    assert caught.value.message.es == "Una factura borrador no puede pasar a anulada."
    assert invoicing.get_document(session, draft.id).status == "draft"


def test_credit_notes_cannot_be_voided(session: Session) -> None:
    invoice = make_issued(session)
    note = credit_full(session, invoice.id)
    with pytest.raises(InvalidTransition, match="Credit notes cannot be voided"):
        invoicing.void_invoice(session, ACTOR, note.id, "Por error")


# --- issuing checks --------------------------------------------------------------------------------


def test_issuing_more_than_the_stock_is_refused_and_changes_nothing(session: Session) -> None:
    plenty = make_product(session, "10.00", stock=D("100"))
    scarce = make_product(session, "89.50", code="CEM-42", name="Cemento gris 42.5 kg", stock=D("5"))
    draft = make_draft(session, lines=[product_line(plenty, "10"), product_line(scarce, "6")])

    # As a surface would: the unit of work rolls back whatever the failed command did.
    with pytest.raises(Conflict) as caught, session.begin_nested():
        invoicing.issue_invoice(session, ACTOR, draft.id)
    assert (
        caught.value.message.es == "Existencias insuficientes de CEM-42 (Cemento gris 42.5 kg): hay 5, se necesitan 6."
    )
    assert "CEM-42" in caught.value.message.en

    session.expire_all()
    assert stock_of(session, plenty.id) == D("100")
    assert stock_of(session, scarce.id) == D("5")
    again = invoicing.get_document(session, draft.id)
    assert (again.status, again.number, again.issue_date) == ("draft", None, None)
    assert session.scalar(select(Series.next_number).where(Series.code == "A")) == 1

    # Exactly the stock on hand can be sold, and the count reaches zero.
    invoicing.update_draft(
        session, ACTOR, draft.id, DraftPatch(lines=[product_line(plenty, "10"), product_line(scarce, "5")])
    )
    issued = invoicing.issue_invoice(session, ACTOR, draft.id)
    assert issued.full_number == "A-00000001"
    assert (stock_of(session, plenty.id), stock_of(session, scarce.id)) == (D("90"), D("0"))


def test_a_draft_without_lines_cannot_be_issued(session: Session) -> None:
    customer = make_customer(session)
    draft = invoicing.create_draft(session, ACTOR, DraftIn(customer_id=customer.id, lines=[]))
    assert draft.total == 0
    with pytest.raises(ValidationFailed) as caught:
        invoicing.issue_invoice(session, ACTOR, draft.id)
    assert rule_of(caught.value) == "invoice.no_lines"
    assert caught.value.message.es == "La factura no tiene líneas."
    assert invoicing.get_document(session, draft.id).number is None


def test_due_date_defaults_to_issue_date_plus_payment_terms(session: Session) -> None:
    customer = make_customer(session, payment_terms_days=45)
    draft = make_draft(session, customer)
    invoice = invoicing.issue_invoice(session, ACTOR, draft.id, date(2024, 5, 20))
    assert invoice.issue_date == date(2024, 5, 20)
    assert invoice.due_date == date(2024, 7, 4)


def test_due_date_defaults_from_today_when_no_issue_date_given(session: Session) -> None:
    customer = make_customer(session, payment_terms_days=0)
    invoice = invoicing.issue_invoice(session, ACTOR, make_draft(session, customer).id)
    assert (invoice.issue_date, invoice.due_date) == (TODAY, TODAY)


def test_an_explicit_due_date_is_kept(session: Session) -> None:
    customer = make_customer(session, payment_terms_days=30)
    draft = invoicing.create_draft(
        session, ACTOR, DraftIn(customer_id=customer.id, lines=[free_line("10.00")], due_date=date(2024, 6, 20))
    )
    assert invoicing.issue_invoice(session, ACTOR, draft.id).due_date == date(2024, 6, 20)


def test_a_due_date_before_the_issue_date_is_refused(session: Session) -> None:
    customer = make_customer(session)
    draft = invoicing.create_draft(
        session, ACTOR, DraftIn(customer_id=customer.id, lines=[free_line("10.00")], due_date=date(2024, 6, 1))
    )
    with pytest.raises(ValidationFailed) as caught:
        invoicing.issue_invoice(session, ACTOR, draft.id, date(2024, 6, 10))
    assert rule_of(caught.value) == "due_date.before_issue"


def test_issue_date_in_the_future_is_refused(session: Session) -> None:
    draft = make_draft(session)
    with pytest.raises(ValidationFailed) as caught:
        invoicing.issue_invoice(session, ACTOR, draft.id, TODAY + timedelta(days=1))
    assert rule_of(caught.value) == "issue_date.future"
    assert caught.value.message.es == "La fecha de emisión 15/06/2024 está en el futuro."
    assert invoicing.get_document(session, draft.id).status == "draft"
    # Today (in Guatemala) is fine, even though it is already tomorrow in UTC late in the evening.
    with clock.frozen(datetime(2024, 6, 14, 23, 30, tzinfo=GT)):
        assert invoicing.issue_invoice(session, ACTOR, draft.id, date(2024, 6, 14)).issue_date == TODAY


# --- credit notes ------------------------------------------------------------------------------------


def test_partial_credit_by_line_quantity(session: Session) -> None:
    product = make_product(session, "28.00", stock=D("10"))
    draft = make_draft(session, lines=[product_line(product, "4"), free_line("50.00")])
    invoice = invoicing.issue_invoice(session, ACTOR, draft.id)
    assert invoice.total == D("162.00")

    note = credit_lines(session, invoice.id, (1, "1"))
    assert note.document_type == "credit_note"
    assert note.status == "issued"
    assert note.full_number == "NC-00000001"
    assert note.credited_invoice_id == invoice.id
    assert note.customer_name == invoice.customer_name
    assert (note.subtotal, note.tax_total, note.total) == (D("25.00"), D("3.00"), D("28.00"))
    assert note.balance == 0
    assert stock_of(session, product.id) == D("7")  # 10 − 4 sold + 1 returned

    assert invoice.full_number == "A-00000001"
    assert invoice.status == "issued"
    assert invoice.credited_total == D("28.00")
    assert invoice.balance == D("134.00")
    assert [n.id for n in invoicing.credit_notes_of(session, invoice.id)] == [note.id]


def test_credit_notes_have_their_own_series(session: Session) -> None:
    first = make_issued(session, "100.00")
    second = make_issued(session, "200.00")
    notes = [credit_full(session, second.id), credit_full(session, first.id)]
    third = make_issued(session, "300.00")
    assert [n.full_number for n in notes] == ["NC-00000001", "NC-00000002"]
    assert [d.full_number for d in (first, second, third)] == ["A-00000001", "A-00000002", "A-00000003"]
    assert {r.series_code: (r.documents, r.ok) for r in invoicing.verify_all(session, first.issuer_id)} == {
        "A": (3, True),
        "NC": (2, True),
    }


def test_full_credit_settles_the_invoice(session: Session) -> None:
    invoice = make_issued(session, "112.00")
    note = credit_full(session, invoice.id)
    assert note.total == D("112.00")
    assert (note.subtotal, note.tax_total) == (D("100.00"), D("12.00"))
    assert invoice.status == "credited"
    assert invoice.credited_total == D("112.00")
    assert invoice.balance == 0


def test_crediting_more_quantity_than_remains_is_refused(session: Session) -> None:
    draft = make_draft(session, lines=[free_line("10.00", "3")])
    invoice = invoicing.issue_invoice(session, ACTOR, draft.id)
    credit_lines(session, invoice.id, (1, "2"))
    with pytest.raises(ValidationFailed) as caught:
        credit_lines(session, invoice.id, (1, "1.5"))
    assert rule_of(caught.value) == "credit.quantity_exceeds"
    assert caught.value.message.es == (
        "Línea 1: se pueden acreditar como máximo 1 unidades (facturadas 3, ya acreditadas 2)."
    )
    assert invoice.credited_total == D("20.00")
    assert len(invoicing.credit_notes_of(session, invoice.id)) == 1


def test_crediting_an_unknown_line_is_refused(session: Session) -> None:
    invoice = make_issued(session)
    with pytest.raises(ValidationFailed) as caught:
        credit_lines(session, invoice.id, (2, "1"))
    assert rule_of(caught.value) == "credit.unknown_line"


def test_credit_beyond_the_balance_after_a_payment_is_refused(session: Session) -> None:
    invoice = make_issued(session, "112.00")
    pay(session, invoice.id, "100.00")
    with pytest.raises(ValidationFailed) as caught:
        credit_full(session, invoice.id)
    assert rule_of(caught.value) == "credit.exceeds_balance"
    assert "Q112.00" in caught.value.message.es
    assert "Q12.00" in caught.value.message.es
    assert "A-00000001" in caught.value.message.es
    assert invoicing.credit_notes_of(session, invoice.id) == []
    assert invoice.status == "partially_paid"

    # What remains can still be credited by amount, and the invoice is then settled.
    note = invoicing.create_credit_note(
        session,
        ACTOR,
        invoice.id,
        CreditNoteIn(
            reason="Descuento por pronto pago", items=[CreditItemIn(description="Descuento", amount=D("12.00"))]
        ),
    )
    assert note.total == D("12.00")
    assert invoice.balance == 0
    assert invoice.status == "paid"


def test_three_thirds_of_an_awkward_line_add_up_to_the_line_exactly(session: Session) -> None:
    draft = make_draft(session, lines=[free_line("33.33", "3", "0.10")])
    invoice = invoicing.issue_invoice(session, ACTOR, draft.id)
    line = invoice.lines[0]
    assert (line.base_amount, line.tax_amount, line.total_amount) == (D("89.19"), D("10.70"), D("99.89"))

    notes = [credit_lines(session, invoice.id, (1, "1")) for _ in range(3)]
    assert [n.total for n in notes] == [D("33.30"), D("33.30"), D("33.29")]
    assert sum(n.total for n in notes) == line.total_amount
    assert sum(n.subtotal for n in notes) == line.base_amount
    assert sum(n.tax_total for n in notes) == line.tax_amount
    assert invoice.status == "credited"
    assert invoice.balance == 0
    with pytest.raises(ValidationFailed) as caught:
        credit_lines(session, invoice.id, (1, "0.5"))
    assert rule_of(caught.value) == "credit.quantity_exceeds"


def test_three_thirds_of_a_fractional_quantity(session: Session) -> None:
    draft = make_draft(session, lines=[free_line("100.00", "1")])
    invoice = invoicing.issue_invoice(session, ACTOR, draft.id)
    notes = [credit_lines(session, invoice.id, (1, q)) for q in ("0.333333", "0.333333", "0.333334")]
    assert [n.total for n in notes] == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(n.total for n in notes) == D("100.00")
    assert sum(n.subtotal for n in notes) == invoice.subtotal
    assert invoice.status == "credited"


# --- stored totals always equal their derivation -----------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_stored_totals_match_lines_credit_notes_and_payments(session: Session, seed: int) -> None:
    rnd = random.Random(seed)
    stocked = [make_product(session, price, stock=D("1000")) for price in ("33.33", "0.99", "1234.567", "12.10")]
    initial = {p.id: D("1000") for p in stocked}
    customer = make_customer(session)
    done: list[str] = []

    def awkward_line() -> LineIn:
        if rnd.random() < 0.6:
            product = rnd.choice(stocked)
            return product_line(product, str(rnd.randint(1, 9)), rnd.choice(["0", "0.01", "1.13"]))
        return free_line(
            rnd.choice(["19.99", "0.07", "333.33", "45.00"]),
            rnd.choice(["1", "2", "0.5", "7"]),
            tax_rate=rnd.choice([D("0.12"), D(0)]),
            price_includes_tax=rnd.choice([True, False]),
        )

    def step() -> None:
        invoices = session.scalars(select(Invoice).where(Invoice.document_type == "invoice")).all()
        open_ = [i for i in invoices if i.status in ("issued", "partially_paid")]
        action = rnd.choice(["issue", "issue", "pay", "pay", "credit_lines", "credit_amount", "reverse", "void"])
        if action == "issue" or not open_:
            draft = make_draft(session, customer, [awkward_line() for _ in range(rnd.randint(1, 4))])
            invoicing.issue_invoice(session, ACTOR, draft.id)
        elif action == "pay":
            invoice = rnd.choice(open_)
            part = quantize(invoice.balance * D(rnd.choice(["0.25", "0.5", "1", "0.333"])))
            if part > 0:
                pay(session, invoice.id, *(str(a) for a in (part - part // 2, part // 2) if a > 0))
        elif action == "credit_lines":
            invoice = rnd.choice(open_)
            line = rnd.choice(invoice.lines)
            credit_lines(session, invoice.id, (line.line_number, str(min(line.quantity, D(1)))))
        elif action == "credit_amount":
            invoice = rnd.choice(open_)
            amount = quantize(invoice.balance / 3)
            if amount > 0:
                invoicing.create_credit_note(
                    session,
                    ACTOR,
                    invoice.id,
                    CreditNoteIn(
                        reason="Bonificación", items=[CreditItemIn(description="Bonificación", amount=amount)]
                    ),
                )
        elif action == "reverse":
            active = session.scalars(select(Payment).where(Payment.status == "active")).all()
            if active:
                payments.reverse_payment(session, ACTOR, rnd.choice(active).id, "Cheque rechazado")
        else:
            invoicing.void_invoice(session, ACTOR, rnd.choice(open_).id, "Emitida por error")
        done.append(action)

    for _ in range(25):
        try:
            with session.begin_nested():
                step()
        except FacturoError as refused:
            # A refusal (e.g. crediting more than the balance) must leave everything consistent too.
            done.append(f"refused:{type(refused).__name__}")
        assert_stored_totals_match_derivation(session)
        assert_stock_matches_documents(session, initial)

    assert sum(1 for a in done if not a.startswith("refused")) >= 10, done
    reports = invoicing.verify_all(session, organisation.own_issuer(session).id)
    assert all(r.ok for r in reports), (reports, done)
