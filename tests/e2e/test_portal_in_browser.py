"""A customer in the portal sees its own invoice and cannot reach another customer's by editing the URL."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from facturo.auth import service as auth
from facturo.kit.access import Role
from facturo.kit.actor import SYSTEM
from tests.e2e.conftest import PASSWORD, Server, sign_in
from tests.factories import make_customer, make_issued


def test_a_portal_customer_cannot_open_another_customers_invoice(page: Page, server: Server) -> None:
    steps = page.steps  # type: ignore[attr-defined]
    with server.database.unit_of_work() as session:
        mine, theirs = make_customer(session, name="Hotel Casa Santo Domingo"), make_customer(session, name="Otro")
        own = make_issued(session, "560.00", customer=mine)
        other = make_issued(session, "999.00", customer=theirs)
        auth.create_user(session, SYSTEM, "portal@e2e.test", "Portal del hotel", PASSWORD, Role.CUSTOMER, mine.id)
        own_id, other_id = own.id, other.id
    sign_in(page, "portal@e2e.test")
    expect(page.locator("main")).to_contain_text("A-00000001")
    expect(page.locator("main")).not_to_contain_text("A-00000002")
    steps("own invoices only")
    page.goto(f"/portal/invoices/{own_id}")
    expect(page.locator("main")).to_contain_text("Q560.00")
    steps("own invoice")
    response = page.goto(f"/portal/invoices/{other_id}")
    assert response is not None and response.status == 404
    expect(page.locator("main")).not_to_contain_text("Q999.00")
    steps("another customer's invoice: not found")
    response = page.goto(f"/portal/invoices/{other_id}/pdf")
    assert response is not None and response.status == 404
    response = page.goto(f"/invoices/{other_id}")
    assert response is not None and response.status in (403, 404)
    expect(page.locator("main")).not_to_contain_text("Q999.00")
    steps("staff pages refused too")
