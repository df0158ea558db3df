"""The received-documents search (reception.queries.search) with each of its filters is an index
range in the list's order on SQLite and PostgreSQL, like every other list (see test_plans.py for
the method: realistic rows in the test's transaction, ANALYZE, plans of the real statements)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Select, insert, text
from sqlalchemy.orm import Session

from facturo.kit.pagination import KeyRange
from facturo.reception import queries
from facturo.reception.models import DocumentFinding, ReceivedDocument
from tests.lists.test_plans import _check, _pages

N_DOCUMENTS = 6000
BIG_ISSUER = "45671230"  # a quarter of the documents
BIG_SUBMISSION = 7
START = date(2025, 1, 1)


def _load(session: Session) -> None:
    rnd = random.Random(13)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA defer_foreign_keys = ON"))
    else:
        session.execute(text("SET LOCAL session_replication_role = replica"))
    documents, findings = [], []
    for i in range(N_DOCUMENTS):
        status = rnd.choices(["accepted", "rejected", "received"], [80, 15, 5])[0]
        unreadable = status == "rejected" and rnd.random() < 0.2
        document_id = 500_000 + i
        documents.append(
            {
                "id": document_id,
                "submission_id": BIG_SUBMISSION if i % 3 == 0 else 1 + rnd.randrange(40),
                "position": i,
                "file_name": f"{i}.xml",
                "sha256": f"{i:064x}",
                "size": 1000,
                "channel": "api",
                "submitted_by": "token:x",
                "received_at": datetime(2025, 6, 1, tzinfo=UTC) + timedelta(seconds=i),
                "status": status,
                "attempts": 1,
                "format": rnd.choice(["fel", "ubl", "json"]),
                "document_type": None if unreadable else rnd.choice(["FACT", "FACT", "NCRE", "Invoice"]),
                "issuer_nit": None if unreadable else (BIG_ISSUER if i % 4 == 0 else f"{1000 + rnd.randrange(300)}"),
                "receiver_id": "CF" if i % 2 else f"{2000 + rnd.randrange(500)}",
                "number": str(i),
                "issue_date": None if unreadable else START + timedelta(days=rnd.randint(0, 540)),
                "total": Decimal(rnd.randint(1, 99999)) / 100,
                "finding_count": 1 if status == "rejected" else 0,
            }
        )
        if status == "rejected":
            rule = rnd.choice(["BR-CO-10", "FEL_RCP313", "JSON-TOTAL"])
            findings.append(
                {"document_id": document_id, "position": 1, "rule": rule, "severity": "fatal", "location": "/",
                 "message_es": "x", "message_en": "x"}
            )  # fmt: skip
    session.execute(insert(ReceivedDocument), documents)
    session.execute(insert(DocumentFinding), findings)
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("ANALYZE"))
    else:
        session.execute(text("ANALYZE reception_documents"))
        session.execute(text("ANALYZE reception_findings"))


@pytest.fixture
def loaded(session: Session) -> Session:
    _load(session)
    return session


Filters = queries.DocumentFilters
FILTERS: dict[str, Filters] = {
    "none": Filters(),
    "issuer": Filters(issuer_nit=BIG_ISSUER),
    "issuer_and_range": Filters(issuer_nit=BIG_ISSUER, date_from=date(2025, 3, 1), date_to=date(2025, 9, 30)),
    "receiver": Filters(receiver_id="CF"),
    "status": Filters(status="rejected"),
    "date_range": Filters(date_from=date(2025, 3, 1), date_to=date(2025, 4, 30)),
    "submission": Filters(submission_id=BIG_SUBMISSION),
    "issuer_scope": Filters(visible_issuer_nits=frozenset({BIG_ISSUER})),
    # Residual filters that no index leads with: they walk the order index and keep the matches.
    "document_type": Filters(document_type="NCRE"),
    "format": Filters(format="ubl"),
    "total_range": Filters(total_min=Decimal("10"), total_max=Decimal("20")),
    "rule": Filters(rule="BR-CO-10"),
}
WALKS = {"none", "document_type", "format", "total_range", "rule"}
# Residual filters PostgreSQL may judge selective enough to collect and sort (a range of totals, a
# rule id driven from the findings index): the sort is then of those few matches only.
PG_MAY_SORT = {"total_range", "rule"}


def _statements(filters: Filters) -> tuple[Select[Any], KeyRange]:
    return queries._filtered(filters), KeyRange(filters.date_from, filters.date_to)


def test_every_reception_filter_is_an_index_range(loaded: Session) -> None:
    after = (date(2025, 11, 15), 503_000)
    postgresql = loaded.get_bind().dialect.name == "postgresql"
    cases = {
        name: _pages(queries.DOCUMENT_ORDER, _statements(f), after)
        for name, f in FILTERS.items()
        if not (postgresql and name in PG_MAY_SORT)
    }
    _check(loaded, cases, WALKS)
