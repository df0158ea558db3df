"""Downloads of a series whose prefix is not Latin-1 (issue 10): the page, the portal and the API
serve the PDF under its real name (RFC 6266 / RFC 5987) instead of failing with a 500."""

from __future__ import annotations

from facturo.invoicing import service as invoicing
from facturo.invoicing.schemas import SeriesIn
from facturo.kit.access import Role
from facturo.organisation import service as organisation
from tests.conftest import RollbackDatabase
from tests.factories import ACTOR, make_customer, make_issued
from tests.web.conftest import Browser, make_user

NAME_HEADER = "filename=\"_-00000001.pdf\"; filename*=UTF-8''%E8%AB%8B%E6%B1%82-00000001.pdf"


def _issued_in_unicode_series(db: RollbackDatabase) -> tuple[int, int]:
    with db.unit_of_work() as session:
        issuer = organisation.own_issuer(session)
        invoicing.create_series(session, ACTOR, issuer.id, SeriesIn(code="JP", prefix="請求-", is_default=True))
        customer = make_customer(session, name="Comercial Tokio")
        doc = make_issued(session, "112.00", customer)
        assert doc.full_number == "請求-00000001"
        return doc.id, customer.id


def test_the_pdf_page_downloads_under_the_unicode_name(admin: Browser, db: RollbackDatabase) -> None:
    invoice_id, _ = _issued_in_unicode_series(db)
    response = admin.get(f"/invoices/{invoice_id}/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"] == f"attachment; {NAME_HEADER}"


def test_the_portal_pdf_downloads_under_the_unicode_name(
    browser: Browser, db: RollbackDatabase, organisation: None
) -> None:
    invoice_id, customer_id = _issued_in_unicode_series(db)
    make_user(db, "tokio@portal.test", Role.CUSTOMER, customer_id)
    assert browser.login("tokio@portal.test").status_code == 303
    response = browser.get(f"/portal/invoices/{invoice_id}/pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"] == f"attachment; {NAME_HEADER}"


def test_a_latin_series_keeps_its_plain_name(admin: Browser, db: RollbackDatabase) -> None:
    with db.unit_of_work() as session:
        invoice_id = make_issued(session).id
    response = admin.get(f"/invoices/{invoice_id}/pdf")
    assert response.headers["content-disposition"] == 'attachment; filename="A-00000001.pdf"'
