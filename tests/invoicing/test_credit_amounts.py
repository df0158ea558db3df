"""A credit note's free-amount item is a tax-included line of one unit: its base and tax come from
``amounts.line_amounts``, the rounding policy's one home, and equal to the cent what the credit-note
service computed by hand before (base = amount / (1 + rate) rounded half-up, tax = amount - base)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.amounts import line_amounts
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn
from facturo.kit.money import ZERO, quantize
from tests.factories import ACTOR, make_issued

# What CreditItemIn accepts: PositiveAmount (2 places) and TaxRate (0..1, 4 places).
amounts = st.integers(min_value=1, max_value=10**13 - 1).map(lambda cents: Decimal(cents).scaleb(-2))
rates = st.integers(min_value=0, max_value=10_000).map(lambda units: Decimal(units).scaleb(-4))


@given(amount=amounts, rate=rates)
def test_a_free_amount_splits_as_it_always_did(amount: Decimal, rate: Decimal) -> None:
    split = line_amounts(Decimal(1), amount, ZERO, rate, True)
    base = quantize(amount / (1 + rate))
    assert (split.base, split.tax, split.total) == (base, amount - base, amount)


@pytest.mark.usefixtures("frozen_clock", "issuer")
def test_a_free_amount_credit_line_carries_the_tax_included_split(session: Session) -> None:
    invoice = make_issued(session, "224.00")
    items = [CreditItemIn(description="Descuento", amount=Decimal("100.00"))]
    note = invoicing.create_credit_note(session, ACTOR, invoice.id, CreditNoteIn(reason="Descuento", items=items))
    [line] = note.lines
    assert (line.tax_rate, line.base_amount, line.tax_amount, line.total_amount) == (
        Decimal("0.12"),
        Decimal("89.29"),
        Decimal("10.71"),
        Decimal("100.00"),
    )
    assert (note.subtotal, note.tax_total, note.total) == (Decimal("89.29"), Decimal("10.71"), Decimal("100.00"))
