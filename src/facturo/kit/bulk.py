"""Many rows into one table at once, in their stored form: the write path of batch issuing, billing
runs and history records, where SQLAlchemy's per-row parameter building was a third of the cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

__all__ = ["bulk_insert"]


def bulk_insert(session: Session, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Insert many rows (tuples in the order of ``columns``) without SQLAlchemy's per-row parameter
    building: each value is converted once by its column type's own bind processor (so it is stored
    exactly as an ORM or Core insert would store it: scaled integers, UTC moments, JSON), then
    - SQLite: one driver ``executemany`` of a prepared statement;
    - PostgreSQL: ``COPY … FROM STDIN`` (psycopg's ``cursor.copy()``), one round trip for all rows.
    Triggers and constraints apply as for any insert; a database error is raised as SQLAlchemy's
    ``DBAPIError``, as ``execute`` would raise it. Returns the number of rows written."""
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    processors = [(i, p) for i, name in enumerate(columns) if (p := table.c[name].type._cached_bind_processor(dialect))]
    if processors:
        converted: list[Sequence[Any]] = []
        for row in rows:
            values = list(row)
            for i, process in processors:
                values[i] = process(values[i])
            converted.append(values)
        rows = converted
    names = ", ".join(columns)
    if dialect.name == "postgresql":
        statement = f"COPY {table.name} ({names}) FROM STDIN"
        raw = connection.connection.driver_connection
        assert raw is not None
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for stored in rows:
                    copy.write_row(stored)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
        return len(rows)
    marks = ", ".join("?" * len(columns))
    statement = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"  # noqa: S608 - names from the metadata
    connection.exec_driver_sql(statement, list(map(tuple, rows)))
    return len(rows)
