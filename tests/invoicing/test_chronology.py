"""A fiscal series runs forward in time (docs/invoices.md, "Issue dates"): no document is dated before
the number that precedes it, whether it is issued by the API, a page, the CLI or a billing run; a
refused issue takes no number, so the series stays gapless too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.kit import clock
from facturo.kit.errors import ValidationFailed
from facturo.organisation.models import Issuer
from tests.api.helpers import issue_via_api, ok, setup_org
from tests.factories import ACTOR, NOW, make_customer, make_draft

TODAY = NOW.date()


@pytest.fixture
def frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


def _issue(session: Session, day: date | None) -> Invoice:
    return invoicing.issue_invoice(session, ACTOR, make_draft(session).id, issue_date=day)


def test_a_date_before_the_previous_number_is_refused_and_takes_no_number(
    session: Session, issuer: Issuer, frozen: None
) -> None:
    first = _issue(session, TODAY - timedelta(days=3))
    draft = make_draft(session)
    with pytest.raises(ValidationFailed) as error, session.begin_nested():  # the request's transaction
        invoicing.issue_invoice(session, ACTOR, draft.id, issue_date=TODAY - timedelta(days=4))
    problem = error.value.problems[0]
    assert (problem.field, problem.rule) == ("issue_date", "issue_date.before_series")
    assert error.value.message.es == (
        "La fecha de emisión 10/06/2024 es anterior a la de A-00000001 (11/06/2024): las fechas de una serie no "
        "retroceden. Use el 11/06/2024 o una fecha posterior."
    )
    assert "Issue date 2024-06-10 is before that of A-00000001 (2024-06-11)" in error.value.message.en
    again = _issue(session, None)
    assert (first.number, again.number, again.issue_date) == (1, 2, TODAY)


def test_the_same_day_and_later_days_are_accepted(session: Session, issuer: Issuer, frozen: None) -> None:
    days = [TODAY - timedelta(days=5), TODAY - timedelta(days=5), TODAY - timedelta(days=1), TODAY]
    issued = [_issue(session, day) for day in days]
    assert [(d.number, d.issue_date) for d in issued] == list(zip([1, 2, 3, 4], days, strict=True))


def test_the_first_number_of_a_series_may_be_dated_in_the_past(session: Session, issuer: Issuer, frozen: None) -> None:
    old = _issue(session, date(2020, 1, 1))
    assert (old.full_number, old.issue_date) == ("A-00000001", date(2020, 1, 1))


def test_a_batch_dated_before_the_series_is_refused_whole(session: Session, issuer: Issuer, frozen: None) -> None:
    _issue(session, TODAY)
    customer = make_customer(session)
    line = invoicing.BatchLine("Cómputo", Decimal("2"), Decimal("50.00"))
    with pytest.raises(ValidationFailed) as error:
        invoicing.issue_batch(session, ACTOR, [invoicing.BatchInvoice(customer.id, [line])] * 2, TODAY - timedelta(1))
    assert error.value.problems[0].rule == "issue_date.before_series"
    assert "A-00000001 (14/06/2024)" in error.value.message.es
    assert session.scalar(select(func.count()).select_from(Invoice).where(Invoice.number.is_not(None))) == 1


def test_the_api_refuses_a_backdated_issue_in_spanish_and_english(client: TestClient) -> None:
    setup_org(client)
    issue_via_api(client, "112.00")
    customer = ok(client.post("/api/v1/customers", json={"nit": "CF", "name": "Mostrador"}), 201)
    line = {"description": "Servicio", "quantity": "1", "unit_price": "10.00"}
    draft = ok(client.post("/api/v1/invoices", json={"customer_id": customer["id"], "lines": [line]}), 201)
    es = client.post(f"/api/v1/invoices/{draft['id']}/issue", json={"issue_date": "2020-01-01"})
    en = client.post(
        f"/api/v1/invoices/{draft['id']}/issue", json={"issue_date": "2020-01-01"}, headers={"Accept-Language": "en"}
    )
    assert es.status_code == en.status_code == 422
    assert es.json()["error"]["details"][0]["rule"] == "issue_date.before_series"
    assert "A-00000001" in es.json()["error"]["message"] and "no retroceden" in es.json()["error"]["message"]
    assert "never go backwards" in en.json()["error"]["message"]
    issued = ok(client.post(f"/api/v1/invoices/{draft['id']}/issue"))
    assert (issued["full_number"], issued["status"], issued["overdue"]) == ("A-00000002", "issued", False)


def test_nothing_is_left_behind_by_a_refused_api_issue(client: TestClient) -> None:
    setup_org(client)
    issue_via_api(client, "112.00")
    customer = ok(client.post("/api/v1/customers", json={"nit": "CF", "name": "Mostrador"}), 201)
    line = {"description": "Servicio", "quantity": "1", "unit_price": "10.00"}
    draft = ok(client.post("/api/v1/invoices", json={"customer_id": customer["id"], "lines": [line]}), 201)
    client.post(f"/api/v1/invoices/{draft['id']}/issue", json={"issue_date": "2020-01-01"})
    again = ok(client.get(f"/api/v1/invoices/{draft['id']}"))
    assert (again["status"], again["number"], again["issue_date"]) == ("draft", None, None)
