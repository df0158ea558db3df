"""A credit-note item is one kind or the other (issue 10): the service refuses a mix with a rule id,
for every surface that calls it (API, web page, CLI, MCP), instead of tripping an assertion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import CreditItemIn, CreditNoteIn
from facturo.kit.errors import ValidationFailed
from tests.factories import ACTOR, make_issued

pytestmark = pytest.mark.usefixtures("frozen_clock", "issuer")


def test_a_line_number_with_a_free_amount_is_refused_naming_the_item(session: Session) -> None:
    invoice = make_issued(session, "112.00")
    mixed = CreditItemIn(line_number=1, description="Descuento", amount=Decimal("10.00"))
    data = CreditNoteIn(reason="Devolución parcial", items=[mixed])
    with pytest.raises(ValidationFailed) as caught:
        invoicing.create_credit_note(session, ACTOR, invoice.id, data)
    [problem] = caught.value.problems
    assert (problem.field, problem.rule) == ("items[0]", "credit.item_kind")
    assert problem.message.es == (
        "Partida 1: indique línea y cantidad (devolver parte de una línea) o descripción e importe "
        "(un importe sobre la factura), no ambos; se recibió line_number, description, amount."
    )
    assert problem.message.en.startswith("Item 1: give either line_number and quantity")
    assert invoicing.get_document(session, invoice.id).balance == Decimal("112.00")


def test_an_item_that_bypassed_the_schema_is_still_a_validation_error(session: Session) -> None:
    invoice = make_issued(session, "112.00")
    data = CreditNoteIn.model_construct(
        reason="Devolución parcial", full=False, items=[CreditItemIn.model_construct(line_number=1, quantity=None)]
    )
    with pytest.raises(ValidationFailed) as caught:
        invoicing.create_credit_note(session, ACTOR, invoice.id, data)
    assert caught.value.problems[0].rule == "credit.item_incomplete"


def test_each_kind_alone_still_credits(session: Session) -> None:
    invoice = make_issued(session, "224.00")
    items = [
        CreditItemIn(line_number=1, quantity=Decimal("0.5")),
        CreditItemIn(description="Descuento", amount=Decimal("11.20")),
    ]
    note = invoicing.create_credit_note(session, ACTOR, invoice.id, CreditNoteIn(reason="Devolución", items=items))
    assert note.total == Decimal("123.20")
