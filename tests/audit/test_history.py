"""The history is append-only, down to the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from facturo.audit import service as audit
from tests.factories import make_customer


def test_history_rows_cannot_be_changed_or_deleted(session: Session) -> None:
    customer = make_customer(session, name="Librería Progreso")
    [created] = audit.history_of(session, "customer", customer.id)
    assert (created.action, created.after["name"]) == ("created", "Librería Progreso")

    for statement in (
        "UPDATE history_records SET actor_name = 'nadie' WHERE id = :id",
        "DELETE FROM history_records WHERE id = :id",
    ):
        savepoint = session.begin_nested()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement), {"id": created.id})
        savepoint.rollback()

    session.expire_all()
    [still] = audit.history_of(session, "customer", customer.id)
    assert (still.actor_name, still.action) == (created.actor_name, "created")
