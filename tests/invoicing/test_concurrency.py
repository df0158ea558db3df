"""Gapless numbering under concurrency: 200 invoices issued from 8 workers get 1..200."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from sqlalchemy import select

from facturo.invoicing import service as invoicing
from facturo.invoicing.models import Invoice
from facturo.invoicing.schemas import LineIn
from facturo.kit.db import Database
from tests.factories import ACTOR, make_customer, make_draft, make_issuer, make_product

WORKERS = 8
INVOICES = 200


def _prepare(database: Database) -> tuple[list[int], int]:
    with database.unit_of_work() as session:
        issuer = make_issuer(session)
        customer = make_customer(session)
        stocked = make_product(session, price="10.00", stock=Decimal(INVOICES))
        service_product = make_product(session, price="5.00", kind="service")
        drafts = [
            make_draft(
                session,
                customer,
                # Two products in both orders, so lock ordering is exercised too.
                [
                    LineIn(product_id=stocked.id, quantity=Decimal(1)),
                    LineIn(product_id=service_product.id, quantity=Decimal(2)),
                ]
                if i % 2
                else [
                    LineIn(product_id=service_product.id, quantity=Decimal(2)),
                    LineIn(product_id=stocked.id, quantity=Decimal(1)),
                ],
            ).id
            for i in range(INVOICES)
        ]
        return drafts, issuer.id, stocked.id  # type: ignore[return-value]


def test_200_invoices_from_8_workers_are_numbered_1_to_200(fresh_database: Database) -> None:
    drafts, issuer_id, stocked_id = _prepare(fresh_database)  # type: ignore[misc]

    def issue(invoice_id: int) -> int:
        with fresh_database.unit_of_work() as session:
            number = invoicing.issue_invoice(session, ACTOR, invoice_id).number
            assert number is not None
            return number

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        numbers = list(pool.map(issue, drafts))

    assert sorted(numbers) == list(range(1, INVOICES + 1))
    with fresh_database.unit_of_work(write=False) as session:
        stored = session.scalars(select(Invoice.number).where(Invoice.document_type == "invoice")).all()
        assert sorted(n for n in stored if n is not None) == list(range(1, INVOICES + 1))
        reports = invoicing.verify_all(session, issuer_id)
        assert [(r.series_code, r.documents, r.ok) for r in reports] == [("A", INVOICES, True), ("NC", 0, True)]
        from facturo.catalog.models import Product

        assert session.get(Product, stocked_id).stock == Decimal(0)  # type: ignore[union-attr]
