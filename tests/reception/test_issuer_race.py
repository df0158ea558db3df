"""Two workers meeting the same new issuer at the same time: both go on, one issuer row stands."""

from __future__ import annotations

import threading

from sqlalchemy import text

from facturo.kit.db import Database
from facturo.organisation import service as organisation

NIT = "4000137-7"


def test_two_transactions_creating_the_same_issuer_share_one_row(fresh_database: Database) -> None:
    second: dict[str, int] = {}
    failures: list[BaseException] = []

    def later_worker() -> None:
        try:
            with fresh_database.unit_of_work() as session:
                second.update(organisation.ensure_issuers(session, {NIT: "DISTRIBUIDORA EL QUETZAL"}))
        except BaseException as error:
            failures.append(error)

    with fresh_database.unit_of_work() as session:
        first = organisation.ensure_issuers(session, {NIT: "DISTRIBUIDORA EL QUETZAL"})
        # The other worker inserts the same NIT while this transaction still holds its new row.
        thread = threading.Thread(target=later_worker)
        thread.start()
        thread.join(0.5)
    thread.join(30)

    assert not failures, failures
    assert second == first
    with fresh_database.engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM issuers WHERE nit = :nit"), {"nit": NIT}).scalar_one()
    assert rows == 1
