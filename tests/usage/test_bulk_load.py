"""After a bulk load of consumptions, PostgreSQL's planner knows the table (docs/usage.md,
"Planner statistics"); SQLite is left to its own heuristics."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from facturo.usage.consumption_import import analyze_after_load
from tests.factories import make_issuer
from tests.usage.helpers import NUBE, import_data


def test_an_import_leaves_the_consumptions_analysed_on_postgresql(session: Session) -> None:
    make_issuer(session)
    import_data(session, NUBE[0])
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:  # the planner's picture of an empty table (an earlier test's may linger: it is not transactional)
        session.execute(text("ANALYZE usage_consumptions"))
    report = import_data(session, NUBE[1])
    created = report.counts["consumption"]["created"]
    assert created > 0
    if not postgresql:
        assert analyze_after_load(session, created) is False  # SQLite: nothing, by decision
        return
    # The import analysed the table it loaded: the planner's row estimate is the real count.
    estimate = session.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'usage_consumptions'"))
    assert int(estimate.scalar_one()) == created
    # A small load on a table the statistics already describe does not analyse again.
    assert analyze_after_load(session, 1) is False
