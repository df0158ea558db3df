"""Property tests: exact money through both databases, totals that add up, balances that hold."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.catalog.models import Product
from facturo.invoicing import payments as payments
from facturo.invoicing import service as invoicing
from facturo.invoicing.amounts import line_amounts
from facturo.invoicing.models import Invoice, InvoiceLine
from facturo.invoicing.payment_models import Payment
from facturo.invoicing.payment_schemas import Method, PaymentIn, SplitIn
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn, DraftIn, LineIn
from facturo.kit.errors import ValidationFailed
from facturo.kit.money import quantize
from tests.factories import ACTOR, make_customer, make_issued, make_issuer

FIXTURE_OK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def cents(min_value: str = "-9999999999.99", max_value: str = "9999999999.99") -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(min_value), max_value=Decimal(max_value), places=2)


def scaled(places: int, max_value: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(0), max_value=Decimal(max_value), places=places)


@FIXTURE_OK
@given(
    price=scaled(6, "999999999.999999"),
    stock=st.decimals(min_value=Decimal("-999999999"), max_value=Decimal("999999999"), places=6),
    amounts=st.lists(cents(), min_size=1, max_size=8),
)
def test_amounts_round_trip_exactly_and_sum_exactly(session: Session, price, stock, amounts) -> None:
    savepoint = session.begin_nested()
    try:
        product = Product(code="RT", name="round trip", unit_price=price, stock=stock)
        session.add(product)
        issuer = make_issuer(session)
        customer = make_customer(session)
        invoice = Invoice(issuer_id=issuer.id, customer_id=customer.id, currency="GTQ")
        invoice.lines = [
            InvoiceLine(
                line_number=i,
                description="x",
                quantity=Decimal(1),
                unit_price=Decimal(0),
                tax_rate=Decimal(0),
                base_amount=amount,
                tax_amount=Decimal(0),
                total_amount=amount,
            )
            for i, amount in enumerate(amounts, start=1)
        ]
        session.add(invoice)
        session.flush()
        session.expire_all()
        stored = session.get(Product, product.id)
        assert stored is not None
        assert (stored.unit_price, stored.stock) == (price, stock)
        read_back = session.scalars(
            select(InvoiceLine.total_amount)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.line_number)
        ).all()
        assert list(read_back) == amounts
        sql_sum = session.scalar(select(func.sum(InvoiceLine.total_amount)).where(InvoiceLine.invoice_id == invoice.id))
        assert sql_sum == sum(amounts, Decimal(0))
    finally:
        savepoint.rollback()
        session.expunge_all()  # SQLite reuses the rolled-back ids in the next example


line_strategy = st.builds(
    # A discount never above the line amount: a share of it, rounded down to the cent.
    lambda qty, price, discount_share, rate, includes: (
        qty,
        price,
        (qty * price * discount_share).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
        rate,
        includes,
    ),
    qty=st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("10000"), places=6),
    price=scaled(6, "100000"),
    discount_share=st.sampled_from([Decimal(0), Decimal("0.1"), Decimal("0.333"), Decimal("0.5")]),
    rate=st.sampled_from([Decimal("0.12"), Decimal("0.05"), Decimal(0)]),
    includes=st.booleans(),
)


@FIXTURE_OK
@given(lines=st.lists(line_strategy, min_size=1, max_size=6))
def test_invoice_totals_equal_the_sum_of_rounded_lines(session: Session, lines) -> None:
    savepoint = session.begin_nested()
    try:
        make_issuer(session)
        customer = make_customer(session)
        draft = invoicing.create_draft(
            session,
            ACTOR,
            DraftIn(
                customer_id=customer.id,
                lines=[
                    LineIn(
                        description=f"L{i}", quantity=q, unit_price=p, discount=d, tax_rate=r, price_includes_tax=inc
                    )
                    for i, (q, p, d, r, inc) in enumerate(lines)
                ],
            ),
        )
        expected = [
            line_amounts(ln.quantity, ln.unit_price, ln.discount, ln.tax_rate, ln.price_includes_tax)
            for ln in draft.lines
        ]
        for stored, want in zip(draft.lines, expected, strict=True):
            assert (stored.base_amount, stored.tax_amount, stored.total_amount) == (want.base, want.tax, want.total)
            assert stored.base_amount + stored.tax_amount == stored.total_amount
            assert stored.total_amount == quantize(stored.total_amount)
        assert draft.total == sum((w.total for w in expected), Decimal(0))
        assert draft.subtotal == sum((w.base for w in expected), Decimal(0))
        assert draft.tax_total == sum((w.tax for w in expected), Decimal(0))
        assert draft.subtotal + draft.tax_total == draft.total
    finally:
        savepoint.rollback()
        session.expunge_all()  # SQLite reuses the rolled-back ids in the next example


operation = st.one_of(
    st.tuples(st.just("pay"), cents("0.01", "400.00"), st.sampled_from(list(Method))),
    st.tuples(st.just("credit"), cents("0.01", "400.00"), st.just(None)),
    st.tuples(st.just("reverse"), st.integers(min_value=0, max_value=5), st.just(None)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(total=cents("1.00", "1000.00"), ops=st.lists(operation, min_size=1, max_size=10))
def test_balance_holds_for_any_sequence_of_payments_credits_and_reversals(session: Session, total, ops) -> None:
    savepoint = session.begin_nested()
    try:
        make_issuer(session)
        invoice = make_issued(session, total=str(total))
        paid: list[tuple[int, Decimal]] = []  # active payments, by id
        credited = Decimal(0)
        for kind, value, method in ops:
            balance = total - credited - sum((a for _, a in paid), Decimal(0))
            if kind == "pay":
                try:
                    payment = payments.register_payment(
                        session, ACTOR, invoice.id, PaymentIn(splits=[SplitIn(method=method, amount=value)])
                    )
                    assert value <= balance
                    paid.append((payment.id, value))
                except ValidationFailed as exc:
                    assert value > balance or balance == 0, exc.message.en
                except Exception as exc:  # settled invoices refuse new payments
                    assert balance == 0, exc
            elif kind == "credit":
                try:
                    invoicing.create_credit_note(
                        session,
                        ACTOR,
                        invoice.id,
                        CreditNoteIn(
                            reason="ajuste de precio", items=[CreditItemIn(description="Ajuste", amount=value)]
                        ),
                    )
                    assert value <= balance
                    credited += value
                except ValidationFailed as exc:
                    assert value > balance or balance == 0, exc.message.en
                except Exception as exc:
                    assert balance == 0, exc
            elif paid:
                payment_id, _ = paid.pop(value % len(paid))
                payments.reverse_payment(session, ACTOR, payment_id, "pago rechazado por el banco")
            session.refresh(invoice)
            paid_sum = sum((a for _, a in paid), Decimal(0))
            assert invoice.credited_total == credited
            assert invoice.paid_total == paid_sum
            assert invoice.balance == total - credited - paid_sum >= 0
            stored_paid = session.scalar(
                select(func.sum(Payment.amount)).where(Payment.invoice_id == invoice.id, Payment.status == "active")
            )
            assert (stored_paid or Decimal(0)) == invoice.paid_total
            expected_status = (
                ("paid" if paid_sum else "credited")
                if invoice.balance == 0
                else ("partially_paid" if paid_sum else "issued")
            )
            assert invoice.status == expected_status
    finally:
        savepoint.rollback()
        session.expunge_all()  # SQLite reuses the rolled-back ids in the next example
